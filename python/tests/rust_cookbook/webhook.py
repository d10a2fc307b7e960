"""A webhook receiver guarded by a bearer token (cookbook: webhook)."""
import json

from siphon import http, log

EXPECTED = "Bearer s3cr3t"


@http.middleware
async def bearer_guard(req):
    if req.header("authorization") != EXPECTED:
        return http.Response(status=401, body=b"unauthorized\n")
    return None


@http.route("/webhook", methods=["POST"])
async def webhook(req):
    try:
        event = json.loads(req.body() or b"{}")
    except ValueError:
        return http.Response(status=400, body=b"invalid json\n")
    log.info(f"webhook from {req.client}: {event}")
    return http.Response(status=200, headers={"Content-Type": "application/json"},
                         body=json.dumps({"ok": True, "received": event.get("event")}).encode())
