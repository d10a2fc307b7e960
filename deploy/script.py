"""The sample routing script the deploy/ templates mount at /etc/siphon/script.py.

Replace it with your own: Compose mounts ./script.py, Kubernetes reads it from
the ConfigMap siphon-http-script (see deploy/k8s/README.md).
"""
import json
import os
import socket

from siphon import http, log

HOST = socket.gethostname()


@http.on_startup
def ready():
    log.info("sample script loaded on %s", HOST)


@http.route("/")
async def index(req):
    return http.Response(200, headers={"content-type": "text/plain"}, body=f"hello from siphon-http on {HOST}\n")


@http.route("/echo", methods=["POST"])
def echo(req):
    body = {
        "method": req.method,
        "path": req.path,
        "query": req.query_params,
        "client": req.client,
        "content_type": req.header("content-type"),
        "length": len(req.body()),
        "pid": os.getpid(),
    }
    return http.Response(200, headers={"content-type": "application/json"}, body=json.dumps(body))
