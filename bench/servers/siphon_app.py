"""siphon side of the benchmark: the same routes as asgi_app.py, async
except the `def` ones (/hello-def, /cpu-def) that measure the sync pool."""
from siphon import http

import work

JSON_HEADERS = {"content-type": "application/json"}


@http.route("/hello")
async def hello(req):
    return http.Response(200, body=work.HELLO)


@http.route("/hello-def")
def hello_def(req):
    return http.Response(200, body=work.HELLO)


@http.route("/cpu-def")
def cpu_def(req):
    return http.Response(200, body=work.cpu_body())


@http.route("/json/{id}")
async def json_(req):
    body = work.json_body(req.path_params["id"], req.query_params.get("q", ""))
    return http.Response(200, headers=JSON_HEADERS, body=body)


@http.route("/echo", methods=["POST"])
async def echo(req):
    return http.Response(200, body=req.body())


@http.route("/cpu")
async def cpu(req):
    return http.Response(200, body=work.cpu_body())


@http.route("/calibrate")
async def calibrate(req):
    return http.Response(200, headers=JSON_HEADERS, body=work.calibrate_body())
