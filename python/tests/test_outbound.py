"""http.Client outside the siphon process: canned answers, sent_requests, loud failures."""
import pytest

from siphon import http
from siphon.testing import HttpTestHarness, NoCannedResponseError, SentRequest

CALLER = """
import json
from siphon import http

@http.route("/call", methods=["POST"])
async def call(req):
    spec = json.loads(req.body())
    try:
        client = http.Client(spec["client"]) if "client" in spec else http.Client(base_url=spec.get("base_url"))
        response = await client.request(spec.get("method", "GET"), spec["path"], body=spec.get("body"),
                                        headers=spec.get("headers"))
    except http.ClientError as exc:
        return http.Response(502, body=f"{type(exc).__name__}: {exc}")
    return http.Response(200, body=json.dumps({"status": response.status, "headers": response.headers,
                                               "body": response.body.decode()}))

@http.route("/sync-call")
def sync_call(req):
    response = http.Client("api").get("/ping")  # blocking in a def handler, no await
    return http.Response(response.status, body=response.body)
"""


@pytest.fixture
def harness(write_script):
    with HttpTestHarness(write_script(CALLER), clients={"api": "https://api.test/v1/", "billing": None}) as harness:
        yield harness


def call(harness, **spec):
    import json
    response = harness.post("/call", body=json.dumps(spec))
    return response.status, (json.loads(response.body) if response.status == 200 else response.body.decode())


def test_canned_answer_for_a_named_client(harness):
    harness.add_response(201, [("Set-Cookie", "a=1"), ("set-cookie", "b=2")], "made", client="api")
    status, answer = call(harness, client="api", method="post", path="/users", body="x", headers={"X-Id": "7"})
    assert status == 200
    assert answer == {"status": 201, "headers": {"set-cookie": "a=1, b=2"}, "body": "made"}
    assert harness.sent_requests == [
        SentRequest("POST", "https://api.test/v1/users", "/v1/users", {"x-id": "7"}, b"x", "api", ""),
    ]


def test_answers_are_matched_by_url_and_method_in_queue_order(harness):
    harness.add_response(200, body="any query", url="https://api.test/v1/a")
    harness.add_response(200, body="exact", url="https://api.test/v1/a?x=1", method="GET")
    harness.add_response(200, body="first", client="api", times=None)
    assert call(harness, client="api", path="/a?x=1")[1]["body"] == "any query"
    assert call(harness, client="api", path="/a?x=1")[1]["body"] == "exact"
    assert call(harness, client="api", path="/a?x=1")[1]["body"] == "first"
    assert call(harness, client="api", path="/b")[1]["body"] == "first"  # times=None: stays queued
    assert len(harness.unused_responses) == 1


def test_inline_clients_match_by_url(harness):
    harness.add_response(200, body="inline", url="https://other.test/x")
    status, answer = call(harness, base_url="https://other.test", path="x")
    assert answer["body"] == "inline"
    assert harness.sent_requests[0].client is None


@pytest.mark.parametrize("error, message", [
    (http.ClientTimeoutError, "ClientTimeoutError: request to https://api.test/v1/slow timed out after 5000 ms"),
    (http.ConnectError, "ConnectError: connection refused to api.test:443"),
    (http.TLSError, "TLSError: TLS handshake with api.test:443 failed: canned TLS failure"),
    (http.ClientError("custom words"), "ClientError: custom words"),
])
def test_canned_errors_are_raised_in_the_script(harness, error, message):
    harness.add_response(error=error, client="api")
    assert call(harness, client="api", path="/slow") == (502, message)


def test_a_call_without_an_answer_raises_even_when_the_script_catches_it(harness):
    with pytest.raises(NoCannedResponseError) as raised:
        call(harness, client="api", path="/nothing")
    assert isinstance(raised.value, http.ClientError)
    assert "no canned response was queued for GET https://api.test/v1/nothing" in str(raised.value)
    assert "add_response(" in str(raised.value)
    assert len(harness.sent_requests) == 1  # it was still sent, and recorded
    harness.add_response(200, client="api")
    assert call(harness, client="api", path="/again")[0] == 200  # the harness stays usable


def test_sync_handlers_call_without_await(harness):
    harness.add_response(200, body="pong", url="https://api.test/v1/ping")
    assert harness.get("/sync-call").body == b"pong"


def test_undeclared_names_are_unknown_clients(harness):
    assert call(harness, client="nope", path="/") == (
        502, "UnknownClientError: no client named 'nope' in http.yaml (configured: api, billing); "
             "in tests, declare it: HttpTestHarness(clients={'nope': 'https://...'})")
    with pytest.raises(ValueError, match="no client named 'nope' is declared"):
        harness.add_response(200, client="nope")


def test_without_a_harness_clients_fail_loudly():
    with pytest.raises(http.UnknownClientError, match="configured: none"):
        http.Client("api")
    with pytest.raises(NoCannedResponseError, match="GET https://h.test/x"):
        http.Client(base_url="https://h.test").get("/x")


@pytest.mark.parametrize("kwargs, error", [
    ({"status": 99}, ValueError),
    ({"status": True}, ValueError),
    ({"error": "timeout"}, TypeError),
    ({"times": 0}, ValueError),
    ({"body": 3}, TypeError),
    ({"headers": {"a": 1}}, TypeError),
])
def test_add_response_checks_its_arguments(harness, kwargs, error):
    with pytest.raises(error):
        harness.add_response(**kwargs)
