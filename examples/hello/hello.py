"""The smallest siphon script: one async route and one sync route."""
from siphon import http, log


@http.route("/")
async def hello(req):
    return http.Response(200, headers={"content-type": "text/plain"}, body=b"hello from siphon\n")


@http.route("/hello/{name}")
def greet(req):
    name = req.path_params["name"]
    log.info("greeting %s", name)
    return http.Response(200, body=f"hello, {name}\n")
