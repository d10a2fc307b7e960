"""Routes covering every row of SPEC §5, used by the routing/request/response tests."""
import asyncio
import json

from siphon import http, log

calls = {"count": 0}


def echo(req, **extra):
    payload = {
        "method": req.method,
        "path": req.path,
        "path_params": req.path_params,
        "query_params": req.query_params,
        "headers": req.headers,
        "client": req.client,
        "body": req.body().decode("utf-8", "replace"),
        **extra,
    }
    return http.Response(200, headers={"content-type": "application/json"}, body=json.dumps(payload))


@http.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def echo_sync(req):
    return echo(req, kind="sync")


@http.route("/echo-async", methods=["get", "post"])
async def echo_async(req):
    await asyncio.sleep(0)
    return echo(req, kind="async")


@http.route("/users/{id}")
def user_by_id(req):
    return echo(req, route="param")


@http.route("/users/me")
def user_me(req):
    return echo(req, route="static")


@http.route("/users/{id}/posts/{post}")
def user_post(req):
    return echo(req, route="two-params")


@http.route("/files/{*rest}")
def files(req):
    return echo(req, route="catch-all")


@http.route("/files/readme")
def files_readme(req):
    return echo(req, route="static-under-catch-all")


@http.route("/things/{id}", methods=["POST"])
def create_thing(req):
    return echo(req, route="post-param")


@http.route("/things/special", methods=["GET"])
def special_thing(req):
    return echo(req, route="get-static")


@http.route("/header")
def one_header(req):
    return http.Response(200, body=repr(req.header("X-Mixed-Case")))


@http.route("/status/{code}", methods=["GET", "POST"])
def status(req):
    code = int(req.path_params["code"])
    return http.Response(code, headers={"x-status": str(code)}, body=f"status {code}")


@http.route("/raise")
def raises(req):
    raise RuntimeError("boom from handler")


@http.route("/raise-async")
async def raises_async(req):
    await asyncio.sleep(0)
    raise ValueError("async boom")


@http.route("/wrong-type")
def wrong_type(req):
    return {"not": "a response"}


@http.route("/wrong-type-async")
async def wrong_type_async(req):
    return "just a string"


@http.route("/none")
def returns_none(req):
    return None


@http.route("/bad-status")
def bad_status(req):
    return http.Response(700)


@http.route("/bad-body")
def bad_body(req):
    return http.Response(200, body=42)


@http.route("/mutated")
def mutated(req):
    response = http.Response(200, body=b"ok")
    response.headers["bad\nname"] = "x"
    return response


@http.route("/header-injection")
def header_injection(req):
    response = http.Response(200, body=b"ok")
    response.headers["x-evil"] = "a\r\nset-cookie: pwned=1"
    return response


@http.route("/framing")
def framing(req):
    return http.Response(200, headers={"content-length": "999", "transfer-encoding": "chunked", "x-kept": "yes"}, body=b"four")


@http.route("/str-body")
def str_body(req):
    return http.Response(201, body="héllo")


@http.route("/empty")
def empty(req):
    return http.Response(204)


@http.route("/not-modified")
def not_modified(req):
    return http.Response(304, headers={"etag": '"v1"'})


@http.route("/slow/{ms}")
async def slow(req):
    await asyncio.sleep(int(req.path_params["ms"]) / 1000)
    return http.Response(200, body=b"slow done")


@http.route("/slow-sync/{ms}")
def slow_sync(req):
    import time
    time.sleep(int(req.path_params["ms"]) / 1000)
    return http.Response(200, body=b"slow sync done")


@http.route("/count")
def count(req):
    calls["count"] += 1
    return http.Response(200, body=str(calls["count"]))


@http.route("/log")
def logs(req):
    log.debug("debug line")
    log.info("info line %s", req.query_params.get("n", "?"))
    log.warn("warn line")
    log.warning("warning line")
    log.error("error line")
    return http.Response(200, body=b"logged")


@http.route("/big")
def big(req):
    return http.Response(200, body=b"x" * (int(req.query_params.get("n", "1000000"))))


async def _not_awaited(req):
    return http.Response(200)


@http.route("/returns-coroutine")
def returns_coroutine(req):
    return _not_awaited(req)
