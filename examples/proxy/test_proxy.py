"""proxy.py, tested without a server or an upstream:  python3 -m pytest examples/proxy

http.Client("api") gets the answers add_response() queues; sent_requests shows
what the proxy sent upstream.
"""
from pathlib import Path

import pytest

from siphon import http
from siphon.testing import HttpTestHarness, NoCannedResponseError

SCRIPT = Path(__file__).with_name("proxy.py")
UPSTREAM = "https://api.test/v1"


@pytest.fixture
def harness():
    # clients= plays http.yaml's part: clients.api with its base_url.
    with HttpTestHarness(SCRIPT, clients={"api": UPSTREAM}) as harness:
        yield harness


def test_forwards_the_request_and_relays_the_answer(harness):
    harness.add_response(200, {"content-type": "application/json", "connection": "close"}, b'{"id": 1}', client="api")
    response = harness.get("/api/users/1?fields=name", headers={"accept": "application/json", "keep-alive": "5"},
                           client="192.0.2.7:5555")
    assert response.status == 200
    assert response.body == b'{"id": 1}'
    assert response.headers["content-type"] == "application/json"
    assert "connection" not in response.headers  # hop-by-hop: not relayed

    [sent] = harness.sent_requests
    assert (sent.method, sent.url, sent.client) == ("GET", f"{UPSTREAM}/users/1?fields=name", "api")
    assert sent.path == "/v1/users/1" and sent.query == "fields=name"
    assert sent.headers == {"accept": "application/json", "x-forwarded-for": "192.0.2.7"}


def test_appends_to_an_existing_forwarded_for(harness):
    harness.add_response(204, client="api")
    harness.delete("/api/users/1", headers={"x-forwarded-for": "203.0.113.9"}, client="[2001:db8::1]:443")
    assert harness.sent_requests[0].headers["x-forwarded-for"] == "203.0.113.9, 2001:db8::1"


@pytest.mark.parametrize("client", ["198.51.100.4", "2001:db8::5"])
def test_a_client_from_a_trusted_forwarded_for_is_a_bare_ip(harness, client):
    harness.add_response(204, client="api")
    harness.get("/api/x", client=client)
    assert harness.sent_requests[0].headers["x-forwarded-for"] == client


def test_forwards_the_body_and_the_upstream_status(harness):
    harness.add_response(422, body=b"invalid", url=f"{UPSTREAM}/users", method="POST")
    response = harness.post("/api/users", body='{"name": ""}')
    assert response.status == 422
    assert response.body == b"invalid"
    assert harness.sent_requests[0].body == b'{"name": ""}'


def test_upstream_timeout_is_a_504(harness):
    harness.add_response(error=http.ClientTimeoutError, client="api")
    response = harness.get("/api/slow")
    assert response.status == 504
    assert response.body == b"upstream timed out\n"


def test_upstream_failure_is_a_502_and_a_warning(harness):
    harness.add_response(error=http.ConnectError, client="api")
    response = harness.get("/api/users")
    assert response.status == 502
    [warning] = [line for line in harness.logs if line.level == "WARN"]
    assert warning.message == "upstream failed: connection refused to api.test:443"


def test_a_call_without_a_canned_answer_fails_the_test(harness):
    # The proxy catches ClientError and answers 502, but the harness still raises.
    with pytest.raises(NoCannedResponseError, match=r"no canned response was queued for GET https://api.test/v1/x"):
        harness.get("/api/x")


def test_startup_needs_the_api_client():
    with pytest.raises(http.UnknownClientError, match="no client named 'api'"):
        with HttpTestHarness(SCRIPT):
            pass
