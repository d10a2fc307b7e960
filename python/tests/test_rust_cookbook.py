"""The Rust siphon-http's cookbook recipes, tested the way the Rust docs tell users to.

Only siphon_sdk names are used (HttpTestHarness, MockResponse, dict-style
sent_requests, run_startup, reset, close, log.messages): a test written for
the Rust harness must run unchanged on ours.
"""
import json
from pathlib import Path

import pytest

from siphon_sdk.http import MockResponse
from siphon_sdk.http_testing import HttpTestHarness

COOKBOOK = Path(__file__).with_name("rust_cookbook")


@pytest.fixture
def harness():
    h = HttpTestHarness({"clients": {"api": {"base_url": "https://api.example.com"}}})
    yield h
    h.reset()
    h.close()


def test_webhook_needs_the_token_and_acknowledges_the_event(harness):
    harness.load_script(str(COOKBOOK / "webhook.py"))
    assert harness.request("POST", "/webhook", body=b'{"event": "ping"}').status == 401
    wrong = harness.request("POST", "/webhook", headers={"authorization": "Bearer nope"}, body=b"{}")
    assert wrong.status == 401 and wrong.body == b"unauthorized\n"
    ok = harness.request("POST", "/webhook", headers={"Authorization": "Bearer s3cr3t"}, body=b'{"event": "ping"}')
    assert ok.status == 200
    assert ok.header("content-type") == "application/json"
    assert json.loads(ok.body) == {"ok": True, "received": "ping"}
    assert ("info", "webhook from 127.0.0.1:12345: {'event': 'ping'}") in harness.log.messages
    bad = harness.request("POST", "/webhook", headers={"authorization": "Bearer s3cr3t"}, body=b"{not json")
    assert bad.status == 400


def test_rest_api_crud_with_path_and_query_params(harness):
    harness.load_script(str(COOKBOOK / "rest_api.py"))
    assert json.loads(harness.request("GET", "/items").body) == []
    put = harness.request("PUT", "/items/42", body=b'{"name": "widget"}')
    assert put.status == 200 and json.loads(put.body) == {"name": "widget", "id": "42"}
    harness.request("PUT", "/items/43", body=b'{"name": "gadget"}')
    assert [item["id"] for item in json.loads(harness.request("GET", "/items", query_params={"limit": "1"}).body)] == ["42"]
    assert json.loads(harness.request("GET", "/items/42").body)["name"] == "widget"
    assert harness.request("DELETE", "/items/42").status == 204
    assert harness.request("GET", "/items/42").status == 404
    assert harness.request("PUT", "/items/1", body=b"{oops").status == 400


def test_proxy_relays_the_upstream_answer(harness):
    harness.add_response(MockResponse(status=200, headers={"Content-Type": "application/json"}, body=b'{"up": true}'))
    harness.load_script(str(COOKBOOK / "proxy.py"))
    response = harness.request("GET", "/proxy/v1/status")
    assert response.status == 200
    assert response.body == b'{"up": true}'
    assert response.header("Content-Type") == "application/json"
    sent = harness.sent_requests[0]
    assert (sent["method"], sent["path"], sent["url"]) == ("GET", "/v1/status", "https://api.example.com/v1/status")
    assert sent.body == b""
    assert ("info", "proxied /v1/status -> 200") in harness.log.messages


def test_proxy_answers_by_path_and_by_default(harness):
    harness.load_script(str(COOKBOOK / "proxy.py"))
    harness.set_response("/v1/missing", MockResponse(status=404, body=b"gone"))
    assert harness.request("GET", "/proxy/v1/missing").status == 404
    assert harness.request("GET", "/proxy/v1/missing").body == b"gone"  # by path: every time
    default = harness.request("GET", "/proxy/v1/anything")
    assert (default.status, default.body) == (200, b"")  # nothing queued: 200, empty, as the Rust SDK answers
    assert default.header("content-type") == "application/octet-stream"
    assert len(harness.sent_requests) == 3


def test_trunk_registry_lifecycle(harness):
    harness.load_script(str(COOKBOOK / "trunk_registry.py"))
    harness.run_startup()
    assert ("info", "trunk registry up") in harness.log.messages
    record = {"sip_uri": "sip:sbc-a.example.net:5060", "transport": "tls", "max_channels": 240}
    created = harness.request("PUT", "/trunks/carrier-a", headers={"content-type": "application/json"},
                              body=json.dumps(record).encode())
    assert created.status == 201
    assert created.header("location") == "/trunks/carrier-a"
    again = harness.request("PUT", "/trunks/carrier-a", body=json.dumps(record).encode())
    assert again.status == 200 and again.header("location") is None
    assert harness.request("PATCH", "/trunks/carrier-a").status == 204
    assert json.loads(harness.request("GET", "/trunks/carrier-a").body)["status"] == "up"
    found = harness.request("GET", "/trunks", query_params={"enabled": "true", "transport": "tls"})
    assert [t["id"] for t in json.loads(found.body)["trunks"]] == ["carrier-a"]
    assert json.loads(harness.request("GET", "/trunks?transport=udp").body) == {"trunks": []}
    assert harness.request("PUT", "/trunks/x", body=b'{"sip_uri": "sip:x", "transport": "sctp"}').status == 400
    assert harness.request("DELETE", "/trunks/carrier-a").status == 204
    assert harness.request("PATCH", "/trunks/carrier-a").status == 404


def test_a_request_runs_the_startup_hooks_first(harness):
    harness.load_script(str(COOKBOOK / "trunk_registry.py"))
    assert harness.request("GET", "/trunks").status == 200
    assert harness.log.messages[0] == ("info", "trunk registry up")
