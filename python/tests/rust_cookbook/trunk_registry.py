"""Register, heartbeat, discover and deregister SIP trunks (cookbook: trunk registry)."""
import json

from siphon import http, log

_trunks = {}
_ALLOWED_TRANSPORTS = {"udp", "tcp", "tls"}
_JSON = {"Content-Type": "application/json"}


def _problem(status, text):
    return http.Response(status=status, headers=_JSON, body=json.dumps({"status": status, "error": text}).encode())


@http.on_startup
async def started():
    log.info("trunk registry up")


@http.route("/trunks/{id}", methods=["PUT", "PATCH", "GET", "DELETE"])
async def trunk(req):
    trunk_id = req.path_params["id"]
    if req.method == "PUT":
        try:
            record = json.loads(req.body() or b"{}")
        except ValueError:
            return _problem(400, "malformed trunk record (invalid JSON)")
        if not record.get("sip_uri"):
            return _problem(400, "sip_uri is required")
        transport = record.get("transport", "udp")
        if transport not in _ALLOWED_TRANSPORTS:
            return _problem(400, f"transport must be one of {sorted(_ALLOWED_TRANSPORTS)}")
        record.update(id=trunk_id, transport=transport, status="up", heartbeat_seconds=30)
        record.setdefault("enabled", True)
        is_new = trunk_id not in _trunks
        _trunks[trunk_id] = record
        headers = dict(_JSON, **({"Location": req.path} if is_new else {}))
        return http.Response(status=201 if is_new else 200, headers=headers, body=json.dumps(record).encode())
    if req.method == "PATCH":
        if trunk_id not in _trunks:
            return _problem(404, "unknown trunk; register it again with PUT")
        return http.Response(status=204)
    if req.method == "DELETE":
        _trunks.pop(trunk_id, None)
        return http.Response(status=204)
    if trunk_id not in _trunks:
        return _problem(404, "unknown trunk")
    return http.Response(status=200, headers=_JSON, body=json.dumps(_trunks[trunk_id]).encode())


@http.route("/trunks", methods=["GET"])
async def discover(req):
    enabled = req.query_params.get("enabled")
    transport = req.query_params.get("transport")
    found = [t for t in _trunks.values()
             if (enabled is None or str(t.get("enabled", True)).lower() == enabled.lower())
             and (transport is None or t.get("transport") == transport)]
    return http.Response(status=200, headers=_JSON, body=json.dumps({"trunks": found}).encode())
