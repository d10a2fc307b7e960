"""siphon_sdk: the Rust siphon-http harness API on top of siphon.testing, and its precedence."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

import siphon
from siphon import http
from siphon.testing import HttpTestHarness as OurHarness
from siphon_sdk import mock_module
from siphon_sdk.http import HttpStatusError, MockRequest, MockResponse
from siphon_sdk.http_testing import HttpTestHarness

# The example of the issue: a REST front whose upstream has its API under /v1.
REST_API = """
import json
from siphon import http, log

@http.route("/users/{id}")
async def user(req):
    async with http.Client("users") as users:
        answer = await users.get(f"/users/{req.path_params['id']}", {"Authorization": "Bearer t"})
    log.info("fetched %s", req.path_params["id"])
    return http.Response(answer.status, headers={"Content-Type": "application/json"}, body=answer.body)

@http.route("/config")
def config(req):
    return http.Response(200, body=json.dumps(http._config))

@http.route("/echo-query")
def echo_query(req):
    return http.Response(200, body=json.dumps(req.query_params))
"""


@pytest.fixture
def rest_api(write_script):
    return write_script(REST_API, "rest_api.py")


def test_the_rust_docs_example_runs_unchanged(rest_api):
    harness = HttpTestHarness({"clients": {"users": "https://users.test/v1"}})
    harness.add_response(MockResponse(status=200, body=b'{"name":"alice"}'))
    harness.load_script(rest_api)
    resp = harness.request("GET", "/users/42")
    assert resp.status == 200 and resp.body == b'{"name":"alice"}'
    assert harness.sent_requests[0]["path"] == "/v1/users/42"
    harness.close()


def test_sent_requests_read_as_dicts_and_as_attributes(rest_api):
    harness = HttpTestHarness({"clients": {"users": {"base_url": "https://users.test"}}})
    harness.load_script(rest_api)
    harness.request("GET", "/users/7")
    [sent] = harness.sent_requests
    for field, value in (("method", "GET"), ("url", "https://users.test/users/7"), ("path", "/users/7"), ("body", b"")):
        assert sent[field] == value == getattr(sent, field)
    assert sent["headers"]["Authorization"] == sent.headers["authorization"] == "Bearer t"
    assert "AUTHORIZATION" in sent["headers"]
    with pytest.raises(KeyError):
        sent["nope"]


def test_answers_come_from_the_queue_then_by_path_then_200(rest_api):
    harness = HttpTestHarness({"clients": {"users": "https://users.test"}})
    harness.load_script(rest_api)
    harness.set_response("/users/1", MockResponse(404, body="by path"))
    harness.add_response(MockResponse(201, body="first"))
    harness.add_response(MockResponse(202, body="second"))
    seen = [(r.status, r.body) for r in (harness.request("GET", f"/users/{n}") for n in (1, 1, 1, 2))]
    assert seen == [(201, b"first"), (202, b"second"), (404, b"by path"), (200, b"")]
    harness.add_response(503)  # siphon.testing's own arguments work too
    assert harness.request("GET", "/users/3").status == 503


def test_request_takes_query_params_and_returns_a_mock_response(rest_api):
    harness = HttpTestHarness()
    harness.load_script(rest_api)
    resp = harness.request("GET", "/echo-query?a=1", query_params={"hub.mode": "subscribe", "x": "a b&c"})
    assert isinstance(resp, MockResponse)
    assert json.loads(resp.body) == {"a": "1", "hub.mode": "subscribe", "x": "a b&c"}
    assert resp.header("Content-Length") == str(len(resp.body))


def test_config_gives_clients_servers_and_caches(rest_api):
    harness = HttpTestHarness({"servers": [{"listen": "0.0.0.0:8443"}], "clients": {"users": "https://u.test"},
                               "cache": [{"name": "dedup", "url": "redis://r:6379/0", "local_ttl_secs": 30}]})
    harness.load_script(rest_api)
    assert json.loads(harness.request("GET", "/config").body) == {"listen_addrs": ["0.0.0.0:8443"], "client_names": ["users"]}
    assert harness.cache.has_cache("dedup")
    with pytest.raises(ValueError, match=r"unsupported keys \['script'\]"):
        HttpTestHarness({"script": {}})


def test_run_startup_reset_close_and_the_log(write_script):
    path = write_script("""
        from siphon import http, log
        events = []

        @http.on_startup
        def up():
            events.append("up")
            log.info("started")

        @http.on_shutdown
        def down():
            events.append("down")

        @http.route("/")
        async def index(req):
            await http.Client(base_url="https://x.test").get("/")
            log.warn("served")
            return http.Response(200)
    """)
    harness = HttpTestHarness()
    harness.load_script(path)
    harness.run_startup()
    harness.request("GET", "/")
    assert harness.log.messages == [("info", "started"), ("warn", "served")]
    assert len(harness.sent_requests) == 1
    harness.reset()
    assert harness.sent_requests == [] and harness.log.messages == []
    assert harness.request("GET", "/").status == 200  # the default answer survives reset()
    module = harness.module
    harness.close()
    assert module.events == ["up", "down"]


def test_load_source_and_mock_module(tmp_path):
    assert mock_module.install() is siphon
    harness = HttpTestHarness()
    harness.load_source("from siphon import http\n@http.route('/')\ndef i(req):\n    return http.Response(200, body='src')\n")
    assert harness.request("GET", "/").body == b"src"
    harness.cache.set_data("c", {"k": "v"})
    assert mock_module.get_cache() is harness.cache
    mock_module.reset()
    assert not harness.cache.has_cache("c")
    harness.close()


def test_mock_types_are_siphons():
    response = MockResponse(status=500, headers={"X-A": "1"}, body="boom")
    assert isinstance(response, http.Response)
    assert response.headers == {"x-a": "1"} and response.header("X-A") == "1"
    with pytest.raises(HttpStatusError):
        response.raise_for_status()
    request = MockRequest(method="post", path="/p?q=1", headers={"X-B": "2"}, body="b")
    assert (request.method, request.path, request.query_params, request.header("x-b"), request.body()) == \
        ("POST", "/p", {"q": "1"}, "2", b"b")
    assert issubclass(HttpTestHarness, OurHarness)  # siphon.testing's own API is there too


def run_with_path(tmp_path, *entries):
    """`import siphon_sdk` in a fresh interpreter with PYTHONPATH=entries; returns the module's file."""
    code = "import siphon_sdk, siphon_sdk.http_testing as t; print(siphon_sdk.__file__); print(t.__file__)"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(map(str, entries)), PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    return result.stdout.split()


def test_a_real_siphon_sip_sdk_elsewhere_on_the_path_takes_precedence(tmp_path):
    ours = os.path.dirname(os.path.dirname(os.path.abspath(siphon.__file__)))
    real = tmp_path / "site" / "siphon_sdk"
    real.mkdir(parents=True)
    (real / "__init__.py").write_text("REAL = True\n")
    (real / "http_testing.py").write_text(textwrap.dedent("""
        class HttpTestHarness:
            pass
    """))
    for order in ((ours, tmp_path / "site"), (tmp_path / "site", ours)):
        package, submodule = run_with_path(tmp_path, *order)
        assert package == str(real / "__init__.py"), order
        assert submodule == str(real / "http_testing.py"), order
    package, submodule = run_with_path(tmp_path, ours)
    assert package == os.path.join(ours, "siphon_sdk", "__init__.py")
