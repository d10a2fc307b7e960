"""siphon.testing.HttpTestHarness: loading, hooks, requests, logs.

Routing and return rules are checked against the real server by
test/50.harness-differential.test.mjs; these cover what only the harness does.
"""
import asyncio

import pytest

from siphon import http
from siphon.testing import HttpTestHarness, LogLine


def test_each_load_gets_a_fresh_module_and_registry(write_script):
    path = write_script("""
        from siphon import http
        hits = []

        @http.route("/hit")
        def hit(req):
            hits.append(1)
            return http.Response(200, body=str(len(hits)))
    """)
    harness = HttpTestHarness(path)
    assert harness.get("/hit").body == b"1"
    assert harness.get("/hit").body == b"2"
    module = harness.load_script(path)
    assert module is harness.module and module.hits == []
    assert harness.get("/hit").body == b"1"
    assert HttpTestHarness(path).get("/hit").body == b"1"  # harnesses do not share state


def test_a_script_that_fails_to_load_raises(write_script):
    path = write_script("""
        from siphon import http

        @http.route("/x/{a}")
        def first(req): pass

        @http.route("/x/{b}")
        def second(req): pass
    """)
    with pytest.raises(ValueError, match=r"duplicate route GET /x/\{b\}: script.first and script.second"):
        HttpTestHarness(path)


def test_requests_need_a_script():
    with pytest.raises(RuntimeError, match="no script loaded"):
        HttpTestHarness().get("/")


def test_hooks_run_in_order_on_start_and_stop(write_script):
    path = write_script("""
        from siphon import http, log
        events = []

        @http.on_startup
        def first():
            events.append("start 1")

        @http.on_startup
        async def second():
            events.append("start 2")

        @http.on_shutdown
        def broken():
            raise RuntimeError("shutdown failed")

        @http.on_shutdown
        async def last():
            events.append("stop")

        @http.route("/")
        def index(req):
            return http.Response(200, body=",".join(events))
    """)
    with HttpTestHarness(path) as harness:
        assert harness.get("/").body == b"start 1,start 2"
    assert harness.module.events == ["start 1", "start 2", "stop"]  # every shutdown hook ran
    [error] = [line for line in harness.logs if line.level == "ERROR"]
    assert error.message.startswith("on_shutdown hook script.broken raised:")


def test_a_request_before_start_runs_the_startup_hooks_first(write_script):
    path = write_script("""
        from siphon import http
        events = []

        @http.on_startup
        def up():
            events.append("start")

        @http.route("/")
        def index(req):
            events.append("request")
            return http.Response(200, body=",".join(events))
    """)
    harness = HttpTestHarness(path)
    assert harness.get("/").body == b"start,request"
    assert harness.get("/").body == b"start,request,request"  # once only
    harness.stop()


def test_a_failing_startup_hook_raises_from_start(harness_for):
    with pytest.raises(ZeroDivisionError):
        harness_for("""
            from siphon import http

            @http.on_startup
            def boom():
                1 / 0
        """)


def test_handler_errors_are_500_with_the_servers_log_line(harness_for):
    harness = harness_for("""
        from siphon import http

        @http.route("/boom")
        def boom(req):
            raise KeyError("missing")
    """)
    response = harness.get("/boom?x=1")
    assert (response.status, response.body) == (500, b"Internal Server Error\n")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    [line] = harness.logs
    assert line.level == "ERROR" and line.target == "siphon.handler"
    assert line.message.startswith("handler script.boom (GET /boom) raised:\nTraceback")
    assert line.message.endswith("KeyError: 'missing'")


def test_script_log_lines_are_captured(harness_for):
    harness = harness_for("""
        from siphon import http, log

        @http.route("/")
        def index(req):
            log.debug("a %s", "debug")
            log.warning("careful")
            return http.Response(204)
    """)
    harness.get("/")
    assert harness.logs == [LogLine("DEBUG", "script", "a debug"), LogLine("WARN", "script", "careful")]


def test_request_fields_reach_the_handler(harness_for):
    harness = harness_for("""
        import json
        from siphon import http

        @http.route("/items/{id}", methods=["PUT"])
        def item(req):
            return http.Response(200, body=json.dumps({
                "method": req.method, "path": req.path, "params": req.path_params,
                "query": req.query_params, "query_string": req.query_string, "headers": req.headers,
                "client": req.client, "body": req.body().decode(), "header": req.header("X-ONE"),
            }))
    """)
    response = harness.put("/items/a%20b?q=x+y&q=2", headers=[("X-One", "1"), ("x-one", "2")], body="é",
                           client="[::1]:4000")
    assert http.Response is type(response)
    import json
    assert json.loads(response.body) == {
        "method": "PUT", "path": "/items/a%20b", "params": {"id": "a b"}, "query": {"q": "2"},
        "query_string": "q=x+y&q=2", "headers": {"x-one": "1, 2"}, "client": "[::1]:4000", "body": "é",
        "header": "1, 2",
    }


def test_async_handlers_share_one_loop_across_requests(harness_for):
    harness = harness_for("""
        import asyncio
        from siphon import http
        state = {}

        @http.route("/")
        async def index(req):
            loop = asyncio.get_running_loop()
            state.setdefault("loop", loop)
            await asyncio.sleep(0)
            return http.Response(200, body=str(state["loop"] is loop))
    """)
    assert harness.get("/").body == b"True"
    assert harness.get("/").body == b"True"


def test_request_refuses_to_run_inside_an_event_loop(harness_for):
    harness = harness_for("""
        from siphon import http

        @http.route("/")
        def index(req):
            return http.Response(200)
    """)

    async def from_a_coroutine():
        with pytest.raises(RuntimeError, match="asyncio.to_thread"):
            harness.get("/")
        return await asyncio.to_thread(harness.get, "/")

    assert asyncio.run(from_a_coroutine()).status == 200


@pytest.mark.parametrize("path", ["users", "http://h/users"])
def test_paths_are_request_targets(harness_for, path):
    harness = harness_for("from siphon import http\n")
    with pytest.raises(ValueError, match="must start with '/'"):
        harness.get(path)
