"""Routes exercising http.Client against the upstreams in helpers/upstreams.mjs."""
import asyncio
import json

from siphon import http, log

startup_seen = {}


def relay(response):
    return http.Response(
        200,
        headers={"content-type": "application/json"},
        body=json.dumps({
            "status": response.status,
            "headers": response.headers,
            "upstream": json.loads(response.body) if response.body.startswith(b"{") else response.body.decode(),
        }),
    )


def failure(exc):
    return http.Response(502, body=json.dumps({"type": type(exc).__name__, "message": str(exc),
                                                "is_runtime_error": isinstance(exc, RuntimeError)}))


@http.on_startup
async def probe_upstream():
    async with http.Client("plain") as client:
        response = await client.get("/startup-probe")
    startup_seen["status"] = response.status
    log.info("startup probe answered %d", response.status)


@http.route("/startup")
def startup(req):
    return http.Response(200, body=json.dumps(startup_seen))


@http.route("/call/{client}/{method}", methods=["POST"])
async def call(req):
    spec = json.loads(req.body())
    client = http.Client(req.path_params["client"])
    method = req.path_params["method"].lower()
    kwargs = {"headers": spec.get("headers")}
    if method in ("post", "put", "patch"):
        body = spec.get("body")
        kwargs["body"] = body.encode() if spec.get("as_bytes") else body
    try:
        response = await getattr(client, method)(spec.get("path", "/"), **kwargs)
    except http.ClientError as exc:
        return failure(exc)
    return relay(response)


@http.route("/sync-call/{client}", methods=["POST"])
def sync_call(req):
    spec = json.loads(req.body())
    try:
        response = http.Client(req.path_params["client"]).get(spec.get("path", "/"))
    except http.ClientError as exc:
        return failure(exc)
    return relay(response)


@http.route("/inline", methods=["POST"])
async def inline(req):
    spec = json.loads(req.body())
    cert = spec.get("cert")
    if isinstance(cert, list):
        cert = tuple(cert)
    try:
        async with http.Client(base_url=spec.get("base_url"), verify=spec.get("verify"), cert=cert,
                               timeout_ms=spec.get("timeout_ms"),
                               http2_prior_knowledge=spec.get("h2c", False)) as client:
            response = await client.get(spec.get("path", "/"))
    except http.ClientError as exc:
        return failure(exc)
    return relay(response)


@http.route("/unknown-client")
def unknown_client(req):
    try:
        http.Client("nope")
    except http.UnknownClientError as exc:
        return failure(exc)
    return http.Response(200)


@http.route("/raise-for-status")
async def raise_for_status(req):
    response = await http.Client("plain").get("/x", headers={"x-reply-status": "503"})
    try:
        response.raise_for_status()
    except http.HTTPStatusError as exc:
        return http.Response(200, body=f"{type(exc).__name__}: {exc} status={exc.status}")
    return http.Response(200, body="no raise")


@http.route("/gather/{n}")
async def gather(req):
    response = await http.Client("wide").get(f"/gather/{req.path_params['n']}")
    return http.Response(200, body=response.body)


@http.route("/sequential/{n}")
async def sequential(req):
    client = http.Client("pooled")
    for _ in range(int(req.path_params["n"])):
        response = await client.get("/seq")
        assert response.status == 200
    return http.Response(200, body=b"done")


@http.route("/relative-without-base")
async def relative_without_base(req):
    try:
        await http.Client(base_url=None).get("/x")
    except http.ClientError as exc:
        return failure(exc)
    return http.Response(200)
