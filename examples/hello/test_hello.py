"""hello.py, tested without a server:  python3 -m pytest examples/hello"""
from pathlib import Path

import pytest

from siphon.testing import HttpTestHarness, LogLine

SCRIPT = Path(__file__).with_name("hello.py")


@pytest.fixture
def harness():
    with HttpTestHarness(SCRIPT) as harness:
        yield harness


def test_root_says_hello(harness):
    response = harness.get("/")
    assert response.status == 200
    assert response.headers["content-type"] == "text/plain"
    assert response.body == b"hello from siphon\n"


def test_greets_the_decoded_name_and_logs_it(harness):
    response = harness.get("/hello/ada%20lovelace")
    assert response.status == 200
    assert response.body == b"hello, ada lovelace\n"
    assert LogLine("INFO", "hello", "greeting ada lovelace") in harness.logs


def test_head_gives_the_length_without_the_body(harness):
    response = harness.head("/hello/world")
    assert response.status == 200
    assert response.headers["content-length"] == str(len(b"hello, world\n"))
    assert response.body == b""


def test_a_name_is_required(harness):
    assert harness.get("/hello/").status == 404


def test_only_get_and_head_are_routed(harness):
    response = harness.post("/hello/world", body="hi")
    assert response.status == 405
    assert response.headers["allow"] == "GET, HEAD"
