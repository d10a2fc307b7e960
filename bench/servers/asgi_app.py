"""uvicorn side of the benchmark: a raw ASGI app (no framework) with the same
routes as siphon_app.py. Routing and query parsing are done by hand here, as
siphon's router does them natively; both then run the same work.py code."""
from urllib.parse import parse_qsl, unquote

import work

TEXT = [(b"content-type", b"text/plain")]
JSON = [(b"content-type", b"application/json")]


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    path = scope["path"]
    method = scope["method"]
    if method == "GET" and path in ("/hello", "/hello-def"):
        await _respond(send, 200, [], work.HELLO)
    elif method == "GET" and path.startswith("/json/") and "/" not in path[6:]:
        query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
        await _respond(send, 200, JSON, work.json_body(unquote(path[6:]), query.get("q", "")))
    elif method == "POST" and path == "/echo":
        await _respond(send, 200, [], await _read_body(receive))
    elif method == "GET" and path in ("/cpu", "/cpu-def"):
        await _respond(send, 200, [], work.cpu_body())
    elif method == "GET" and path == "/calibrate":
        await _respond(send, 200, JSON, work.calibrate_body())
    else:
        await _respond(send, 404, TEXT, b"not found")


async def _respond(send, status, headers, body):
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive):
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
