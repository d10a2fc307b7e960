"""A registry API for SIP trunks.

Gateways register themselves, keep their entry alive with heartbeats, and call
routers discover them by region and transport:

    npx siphon -c examples/sip-registry/siphon.yaml
    curl -si -X PUT localhost:8080/trunks/gw-fra-1 \\
      -d '{"uri": "sips:gw-fra-1.example.net:5061", "region": "eu-central", "transport": "tls", "capacity": 120}'
    curl -si -X PATCH localhost:8080/trunks/gw-fra-1        # heartbeat: 204, or 404 once expired
    curl -s 'localhost:8080/trunks?region=eu-central&transport=tls'
    curl -s localhost:8080/trunks/gw-fra-1
    curl -si -X DELETE localhost:8080/trunks/gw-fra-1

A trunk that sends no heartbeat (a PATCH, or a new PUT) for TRUNK_TTL_SECONDS
(default 90) drops out of discovery and answers 404 until it registers again.
The registry lives in this process's memory: every siphon process (and every
replica) has its own.
"""
import json
import os
import re
import threading
import time
from datetime import datetime, timezone

from siphon import http, log

TRANSPORTS = ("udp", "tcp", "tls", "ws", "wss")
TRUNK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SIP_URI = re.compile(r"sips?:\S+")

ttl = 90.0
clock = time.monotonic  # tests replace it to move time forward

# Module-level state, shared by the sync worker threads of this process.
_trunks = {}
_lock = threading.Lock()


@http.on_startup
def configure():
    global ttl
    raw = os.environ.get("TRUNK_TTL_SECONDS", "90")
    try:
        ttl = float(raw)
    except ValueError:
        raise RuntimeError(f"TRUNK_TTL_SECONDS must be a number of seconds, not {raw!r}") from None
    if ttl <= 0:
        raise RuntimeError(f"TRUNK_TTL_SECONDS must be positive, not {raw!r}")
    log.info("sip trunk registry ready; trunks expire %g s after their last heartbeat", ttl)


def _json(status, payload, headers=None):
    return http.Response(status, headers={"content-type": "application/json", **(headers or {})}, body=json.dumps(payload))


def _error(status, message):
    return _json(status, {"error": message})


def _purge(now):
    """Drop trunks whose last heartbeat is older than the TTL. Call with _lock held."""
    for trunk_id in [t for t, trunk in _trunks.items() if now - trunk["last_seen"] >= ttl]:
        del _trunks[trunk_id]
        log.info("trunk %s expired (no heartbeat for %g s)", trunk_id, ttl)


def _view(trunk, now):
    shown = {key: trunk[key] for key in ("id", "uri", "region", "transport", "capacity", "registered_at")}
    shown["expires_in"] = round(max(0.0, trunk["last_seen"] + ttl - now), 3)
    return shown


def _registration(req):
    """The trunk fields from a PUT body, or an error Response."""
    try:
        data = json.loads(req.body() or b"null")
    except ValueError as exc:
        return _error(400, f"body is not JSON: {exc}")
    if not isinstance(data, dict):
        return _error(400, "body must be a JSON object")
    uri, region, transport = data.get("uri"), data.get("region"), data.get("transport")
    capacity = data.get("capacity")
    if not isinstance(uri, str) or not SIP_URI.fullmatch(uri):
        return _error(422, "uri must be a sip: or sips: URI")
    if not isinstance(region, str) or not region.strip():
        return _error(422, "region is required")
    if not isinstance(transport, str) or transport.lower() not in TRANSPORTS:
        return _error(422, f"transport must be one of {', '.join(TRANSPORTS)}")
    if capacity is not None and (isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1):
        return _error(422, "capacity must be a positive integer")
    return {"uri": uri, "region": region.strip(), "transport": transport.lower(), "capacity": capacity}


@http.route("/trunks")
def discover(req):
    region = req.query_params.get("region")
    transport = req.query_params.get("transport")
    if transport is not None and transport.lower() not in TRANSPORTS:
        return _error(400, f"transport must be one of {', '.join(TRANSPORTS)}")
    now = clock()
    with _lock:
        _purge(now)
        found = [
            _view(trunk, now)
            for _, trunk in sorted(_trunks.items())
            if (region is None or trunk["region"] == region)
            and (transport is None or trunk["transport"] == transport.lower())
        ]
    return _json(200, {"trunks": found, "count": len(found)})


@http.route("/trunks/{id}", methods=["GET", "PUT", "PATCH", "DELETE"])
def trunk(req):
    trunk_id = req.path_params["id"]
    if not TRUNK_ID.fullmatch(trunk_id):
        return _error(400, "a trunk id is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
    fields = _registration(req) if req.method == "PUT" else None
    if isinstance(fields, http.Response):
        return fields
    now = clock()
    with _lock:
        _purge(now)
        current = _trunks.get(trunk_id)
        if req.method == "PUT":
            if current is None:
                registered_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
                current = _trunks[trunk_id] = {"id": trunk_id, "registered_at": registered_at, **fields, "last_seen": now}
                log.info("registered trunk %s: %s (%s, %s)", trunk_id, fields["uri"], fields["region"], fields["transport"])
                return _json(201, _view(current, now), {"location": f"/trunks/{trunk_id}"})
            current.update(fields, last_seen=now)
            return _json(200, _view(current, now))
        if current is None:
            return _error(404, f"no trunk {trunk_id!r} (never registered, deregistered or expired)")
        if req.method == "PATCH":  # heartbeat
            current["last_seen"] = now
            return http.Response(204)
        if req.method == "DELETE":
            del _trunks[trunk_id]
            log.info("deregistered trunk %s", trunk_id)
            return http.Response(204)
        return _json(200, _view(current, now))
