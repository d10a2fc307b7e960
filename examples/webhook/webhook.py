"""A token-guarded webhook receiver.

Senders must present `Authorization: Bearer <WEBHOOK_TOKEN>`; a middleware
turns everyone else away before any route runs. Accepted events are kept in
memory and can be listed (with the same token).

    WEBHOOK_TOKEN=s3cret npx siphon -c examples/webhook/siphon.yaml
    curl -s -X POST localhost:8080/hooks/github -H 'authorization: Bearer s3cret' -d '{"action": "opened"}'
"""
import hmac
import json
import os
import time

from siphon import http, log

TOKEN = os.environ.get("WEBHOOK_TOKEN", "")
_events = []


@http.on_startup
def require_token():
    if not TOKEN:
        raise RuntimeError("set WEBHOOK_TOKEN to the secret senders must present")
    log.info("webhook receiver ready; %d byte token", len(TOKEN))


@http.middleware
def check_token(req):
    given = req.header("authorization") or ""
    expected = f"Bearer {TOKEN}"
    # compare_digest: the time taken does not reveal how much of the token matched
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return http.Response(401, headers={"www-authenticate": "Bearer"}, body=b"unauthorized\n")
    return None


@http.route("/hooks/{source}", methods=["POST"])
async def receive(req):
    try:
        payload = json.loads(req.body())
    except ValueError:
        return http.Response(400, body=b"payload must be JSON\n")
    event = {"source": req.path_params["source"], "received_at": time.time(), "payload": payload}
    _events.append(event)
    log.info("event from %s (%d stored)", event["source"], len(_events))
    return http.Response(202, headers={"content-type": "application/json"}, body=json.dumps({"accepted": len(_events)}))


@http.route("/hooks")
async def list_events(req):
    source = req.query_params.get("source")
    shown = [e for e in _events if source is None or e["source"] == source]
    return http.Response(200, headers={"content-type": "application/json"}, body=json.dumps(shown))
