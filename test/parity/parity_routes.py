"""The script of the differential test: one route per routing and return-rule case of SPEC §5.

test/50.harness-differential.test.mjs sends every request in cases.json to this
script twice -- through the real siphon over HTTP and through
siphon.testing.HttpTestHarness -- and requires the same answers.
"""
import asyncio
import http as stdlib_http
import json

from siphon import http, log


def echo(req, route):
    payload = {
        "route": route,
        "method": req.method,
        "path": req.path,
        "path_params": req.path_params,
        "query_params": req.query_params,
        "query_string": req.query_string,
        # Only the table's own headers: HTTP clients add others (host, connection, content-length).
        "headers": {name: value for name, value in req.headers.items() if name.startswith("x-")},
        "header_lookup": req.header("X-Mixed-Case"),
        "body": req.body().decode("utf-8", "replace"),
    }
    return http.Response(200, headers={"content-type": "application/json"}, body=json.dumps(payload, sort_keys=True))


# -- middleware: acts only when the request asks it to ------------------------

@http.middleware
def first_guard(req):
    action = req.header("x-guard")
    if action == "stop":
        return http.Response(403, headers={"x-guarded-by": "first"}, body=b"stopped by middleware\n")
    if action == "bad":
        return 42
    if action == "raise":
        raise RuntimeError("guard failed")
    return None


@http.middleware
def second_guard(req):
    if req.header("x-guard") == "second":
        return http.Response(401, body="stopped by the second guard\n")
    # falls off the end: None, continue


# -- routing --------------------------------------------------------------------

@http.route("/")
def root(req):
    return echo(req, "root")


@http.route("/echo", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def echo_sync(req):
    return echo(req, "echo-sync")


@http.route("/echo-async", methods=["get", "post"])
async def echo_async(req):
    await asyncio.sleep(0)
    return echo(req, "echo-async")


@http.route("/users/{id}")
def user_by_id(req):
    return echo(req, "param")


@http.route("/users/me")
def user_me(req):
    return echo(req, "static")


@http.route("/users/{id}/posts/{post}")
def user_post(req):
    return echo(req, "two-params")


@http.route("/files/{*rest}")
def files(req):
    return echo(req, "rest")


@http.route("/files/readme")
def files_readme(req):
    return echo(req, "static-beside-rest")


@http.route("/things/{id}", methods=["POST"])
def create_thing(req):
    return echo(req, "post-param")


@http.route("/things/special", methods=["GET"])
def special_thing(req):
    return echo(req, "get-static")


@http.route("/p/{x}/c")
def p_param_static(req):
    return echo(req, "p-param-static")


@http.route("/p/b/{y}")
def p_static_param(req):
    return echo(req, "p-static-param")


@http.route("/q/b/{y}", methods=["POST"])
def q_static_param(req):
    return echo(req, "q-static-param")


@http.route("/q/{x}/c")
def q_param_static(req):
    return echo(req, "q-param-static")


@http.route("/r/{x}", methods=["POST"])
def r_param(req):
    return echo(req, "r-param")


@http.route("/r/fixed", methods=["PUT"])
def r_fixed(req):
    return echo(req, "r-fixed")


@http.route("/s/{x}")
def s_param(req):
    return echo(req, "s-param")


@http.route("/s/{*rest}", methods=["POST"])
def s_rest(req):
    return echo(req, "s-rest")


@http.route("/explicit-head", methods=["HEAD"])
def explicit_head(req):
    return http.Response(200, headers={"x-head": "explicit"}, body=b"head body")


@http.route("/explicit-head")
def explicit_head_get(req):
    return http.Response(200, headers={"x-head": "from-get"}, body=b"a longer get body")


# -- return rules ---------------------------------------------------------------

@http.route("/status/{code}", methods=["GET", "POST"])
def status(req):
    code = int(req.path_params["code"])
    return http.Response(code, headers={"x-status": str(code)}, body=f"status {code}\n")


@http.route("/created", methods=["POST"])
async def created(req):
    return http.Response(201, headers={"Location": "/created/1", "X-Custom-Case": "Kept"}, body=b"")


@http.route("/stdlib-status")
def stdlib_status(req):
    return http.Response(stdlib_http.HTTPStatus.ACCEPTED, body=b"accepted\n")


class TaggedResponse(http.Response):
    __slots__ = ()


@http.route("/subclass")
def subclass(req):
    return TaggedResponse(200, headers={"x-kind": "subclass"}, body=b"a Response subclass\n")


@http.route("/duplicate-names")
def duplicate_names(req):
    return http.Response(200, headers={"X-Dup": "one", "x-dup": "two"}, body=b"dup\n")


@http.route("/str-body")
def str_body(req):
    return http.Response(201, body="héllo")


@http.route("/empty")
def empty(req):
    return http.Response(204, headers={"x-empty": "yes"}, body=b"dropped")


@http.route("/not-modified")
def not_modified(req):
    return http.Response(304, headers={"etag": '"v1"'})


@http.route("/framing")
def framing(req):
    return http.Response(200, headers={"Content-Length": "999", "transfer-encoding": "chunked", "x-kept": "yes"},
                         body=b"four")


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


async def _never_awaited(req):
    return http.Response(200)


@http.route("/returns-coroutine")
def returns_coroutine(req):
    return _never_awaited(req)


@http.route("/construct-bad-status")
def construct_bad_status(req):
    return http.Response(700)


@http.route("/construct-bad-body")
def construct_bad_body(req):
    return http.Response(200, body=42)


def mutated(**changes):
    response = http.Response(200, headers={"x-mutated": "yes"}, body=b"ok")
    for name, value in changes.items():
        setattr(response, name, value)
    return response


@http.route("/mutated/{what}")
def mutated_response(req):
    what = req.path_params["what"]
    if what == "status-1xx":
        return mutated(status=103)
    if what == "status-700":
        return mutated(status=700)
    if what == "status-str":
        return mutated(status="200")
    if what == "status-bool":
        return mutated(status=True)
    if what == "body-int":
        return mutated(body=42)
    if what == "body-str":
        return mutated(body="strée")
    if what == "body-none":
        return mutated(body=None)
    if what == "headers-none":
        return mutated(headers=None)
    if what == "headers-list":
        return mutated(headers=[("x-a", "b")])
    if what == "header-value-int":
        return mutated(headers={"x-a": 5})
    if what == "header-name-bad":
        return mutated(headers={"bad name": "x"})
    if what == "header-name-empty":
        return mutated(headers={"": "x"})
    if what == "header-injection":
        return mutated(headers={"x-evil": "a\r\nset-cookie: pwned=1"})
    return mutated()


@http.route("/log")
def logs(req):
    log.debug("debug line")
    log.info("info line %s", req.query_params.get("n", "?"))
    log.warn("warn line")
    log.warning("warning line %d", 2)
    log.error("error line")
    return http.Response(200, body=b"logged\n")
