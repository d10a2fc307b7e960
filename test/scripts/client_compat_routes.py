"""Routes for test/41: http.Client as the Rust siphon-http's scripts use it."""
import asyncio
import json
import os
import time

from siphon import http

# Module-level clients, used with `async with` by every request (the Rust
# __aexit__ closes nothing, so they must stay usable).
shared_named = http.Client("plain")
shared_inline = http.Client(base_url=os.environ["UPSTREAM_URL"])


def relay(response):
    return http.Response(200, headers={"content-type": "application/json"}, body=json.dumps({
        "status": response.status,
        "headers": response.headers,
        "upstream": json.loads(response.body) if response.body.startswith(b"{") else response.body.decode(),
    }))


def failure(exc, stage):
    return http.Response(502, body=json.dumps({"type": type(exc).__name__, "message": str(exc), "stage": stage}))


@http.route("/async-with/{which}")
async def async_with(req):
    client = shared_named if req.path_params["which"] == "named" else shared_inline
    statuses = []
    for _ in range(2):
        try:
            async with client as c:
                statuses.append((await c.get("/again")).status)
        except http.ClientError as exc:
            return failure(exc, "call")
    return http.Response(200, body=json.dumps(statuses))


@http.route("/call/{client}", methods=["POST"])
async def call(req):
    spec = json.loads(req.body())
    try:
        response = await http.Client(req.path_params["client"]).request(
            spec.get("method", "GET"), spec["path"], spec.get("body"), spec.get("headers"))
    except http.ClientError as exc:
        return failure(exc, "call")
    return relay(response)


@http.route("/positional", methods=["POST"])
async def positional(req):
    client = http.Client("plain")
    seen = []
    for response in (
        await client.post("/p", "posted", {"x-way": "post"}),
        await client.put("/u", b"put", {"x-way": "put"}),
        await client.patch("/a", "patched", {"x-way": "patch"}),
        await client.get("/g", {"x-way": "get"}),
        await client.delete("/d", {"x-way": "delete"}),
    ):
        upstream = json.loads(response.body)
        seen.append([upstream["method"], upstream["body"], upstream["headers"].get("x-way")])
    return http.Response(200, body=json.dumps(seen))


@http.route("/inline", methods=["POST"])
async def inline(req):
    spec = json.loads(req.body())
    try:
        client = http.Client(base_url=spec["base_url"], verify=spec.get("verify"),
                             follow_redirects=spec.get("follow_redirects", True))
    except http.ClientError as exc:
        return failure(exc, "construct")
    try:
        return relay(await client.get(spec["path"]))
    except http.ClientError as exc:
        return failure(exc, "call")


@http.route("/burst/{client}/{count}/{ms}")
async def burst(req):
    client = http.Client(req.path_params["client"])
    count, ms = int(req.path_params["count"]), int(req.path_params["ms"])
    started = time.monotonic()
    answers = await asyncio.gather(*(client.get(f"/slow/{ms}") for _ in range(count)))
    elapsed_ms = (time.monotonic() - started) * 1000
    return http.Response(200, body=json.dumps({"statuses": [a.status for a in answers], "elapsed_ms": elapsed_ms}))
