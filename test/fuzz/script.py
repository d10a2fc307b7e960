"""The fuzz run's routing script (test/fuzz/fuzz.mjs, issue 8).

Every handler reads every part of the request a handler can read -- method,
path, decoded path and query params, headers, one header, the client, the
body -- and never raises, so any 500 the fuzz run sees is a server bug, not
a script bug. The middleware makes every request cross the Python boundary
twice.
"""
import asyncio
import json

from siphon import http

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def summary(req, **extra):
    body = req.body()
    try:
        parsed = json.loads(body)
    except Exception:  # mutated bodies are rarely JSON, and may not be UTF-8
        parsed = None
    # json.dumps escapes whatever a header or param decoded to, so this cannot
    # raise. The newline lets verdict() see a pipelined answer's status line.
    return http.Response(200, headers={"content-type": "application/json"}, body=json.dumps({
        "method": req.method, "path": req.path, "params": req.path_params, "query": req.query_params,
        "headers": req.headers, "host": req.header("host"), "client": req.client,
        "body_len": len(body), "json": parsed is not None, **extra}) + "\n")


@http.middleware
def guard(req):
    if req.header("x-fuzz-deny") is not None:
        return http.Response(403, body="denied\n")
    return None


@http.route("/items/{id}", methods=METHODS)
def item(req):
    return summary(req)


@http.route("/search", methods=METHODS)
async def search(req):
    await asyncio.sleep(0)
    return summary(req)


@http.route("/files/{*rest}")
def files(req):
    return summary(req, route="catch-all")


@http.route("/upload", methods=["POST", "PUT"])
async def upload(req):
    return summary(req)


# The routes test/helpers/hostile.mjs assertHealthy() asks for.
@http.route("/count/{key}")
def count(req):
    return summary(req)


@http.route("/async/{key}")
async def count_async(req):
    return summary(req)
