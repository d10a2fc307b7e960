"""webhook.py, tested without a server:  python3 -m pytest examples/webhook"""
import json
from pathlib import Path

import pytest

from siphon.testing import HttpTestHarness

SCRIPT = Path(__file__).with_name("webhook.py")
TOKEN = "s3cret"
AUTH = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def harness(monkeypatch):
    # The script reads WEBHOOK_TOKEN when it is imported, so set it before loading.
    monkeypatch.setenv("WEBHOOK_TOKEN", TOKEN)
    with HttpTestHarness(SCRIPT) as harness:
        yield harness


def test_startup_refuses_to_run_without_a_token(monkeypatch):
    monkeypatch.delenv("WEBHOOK_TOKEN", raising=False)
    harness = HttpTestHarness(SCRIPT)
    with pytest.raises(RuntimeError, match="set WEBHOOK_TOKEN"):
        harness.start()


def test_startup_logs_the_token_length(harness):
    assert any(line.message == "webhook receiver ready; 6 byte token" for line in harness.logs)


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer wrong"}, {"authorization": TOKEN}])
def test_middleware_turns_away_a_missing_or_wrong_token(harness, headers):
    response = harness.post("/hooks/github", headers=headers, body='{"action": "opened"}')
    assert response.status == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert json.loads(harness.get("/hooks", headers=AUTH).body) == []


def test_accepts_and_lists_events_by_source(harness):
    for source in ("github", "gitlab", "github"):
        response = harness.post(f"/hooks/{source}", headers=AUTH, body='{"action": "opened"}')
        assert response.status == 202
    assert json.loads(response.body) == {"accepted": 3}
    listed = json.loads(harness.get("/hooks?source=github", headers=AUTH).body)
    assert [event["source"] for event in listed] == ["github", "github"]
    assert listed[0]["payload"] == {"action": "opened"}


def test_payload_must_be_json(harness):
    response = harness.post("/hooks/github", headers=AUTH, body="not json")
    assert response.status == 400


def test_405_is_answered_before_any_middleware(harness):
    response = harness.get("/hooks/github")  # no token: the guard would say 401
    assert response.status == 405
    assert response.headers["allow"] == "POST"
