"""notes.py, tested without a server:  python3 -m pytest examples/rest"""
import json
from pathlib import Path

import pytest

from siphon.testing import HttpTestHarness

SCRIPT = Path(__file__).with_name("notes.py")


@pytest.fixture
def harness():
    # A fresh harness loads a fresh module: every test starts with no notes.
    with HttpTestHarness(SCRIPT) as harness:
        yield harness


def create(harness, **note):
    response = harness.post("/notes", body=json.dumps(note), headers={"content-type": "application/json"})
    assert response.status == 201, response.body
    return json.loads(response.body)


def test_create_returns_the_note_and_its_location(harness):
    response = harness.post("/notes", body='{"title": " milk ", "tags": ["shop"]}')
    assert response.status == 201
    assert response.headers["content-type"] == "application/json"
    assert response.headers["location"] == "/notes/1"
    assert json.loads(response.body) == {"id": 1, "title": "milk", "tags": ["shop"], "done": False}


def test_list_filters_by_tag_and_limits(harness):
    create(harness, title="milk", tags=["shop"])
    create(harness, title="call mum", tags=["family"])
    create(harness, title="bread", tags=["shop"])
    listed = json.loads(harness.get("/notes?tag=shop&limit=1").body)
    assert listed["total"] == 2
    assert [note["title"] for note in listed["notes"]] == ["milk"]


def test_limit_must_be_an_integer(harness):
    response = harness.get("/notes?limit=ten")
    assert response.status == 400
    assert json.loads(response.body) == {"error": "limit must be an integer"}


def test_get_patch_delete_one_note(harness):
    note = create(harness, title="milk")
    assert json.loads(harness.get(f"/notes/{note['id']}").body)["title"] == "milk"

    patched = harness.patch(f"/notes/{note['id']}", body='{"done": true}')
    assert patched.status == 200
    assert json.loads(patched.body)["done"] is True

    deleted = harness.delete(f"/notes/{note['id']}")
    assert deleted.status == 204
    assert deleted.body == b""
    assert harness.get(f"/notes/{note['id']}").status == 404


@pytest.mark.parametrize("body, status, error", [
    ("not json", 400, "body is not JSON"),
    ("[1, 2]", 400, "body must be a JSON object"),
    ('{"title": "  "}', 422, "title is required"),
])
def test_create_rejects_bad_bodies(harness, body, status, error):
    response = harness.post("/notes", body=body)
    assert response.status == status
    assert json.loads(response.body)["error"].startswith(error)


def test_ids_must_be_integers(harness):
    assert harness.get("/notes/abc").status == 400


def test_unrouted_methods_get_405_with_allow(harness):
    response = harness.put("/notes")
    assert response.status == 405
    assert response.headers["allow"] == "GET, HEAD, POST"
