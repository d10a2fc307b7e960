"""An in-memory REST resource (cookbook: REST API)."""
import json

from siphon import http

_store = {}
_JSON = {"Content-Type": "application/json"}


@http.route("/items", methods=["GET"])
async def all_items(req):
    limit = int(req.query_params.get("limit", "100"))
    return http.Response(status=200, headers=_JSON, body=json.dumps(list(_store.values())[:limit]).encode())


@http.route("/items/{id}", methods=["GET", "PUT", "DELETE"])
async def one_item(req):
    key = req.path_params["id"]
    if req.method == "PUT":
        try:
            record = json.loads(req.body() or b"{}")
        except ValueError:
            return http.Response(status=400, body=b"invalid json\n")
        record["id"] = key
        _store[key] = record
        return http.Response(status=200, headers=_JSON, body=json.dumps(record).encode())
    if req.method == "DELETE":
        _store.pop(key, None)
        return http.Response(status=204)
    if key not in _store:
        return http.Response(status=404, body=b"not found\n")
    return http.Response(status=200, headers=_JSON, body=json.dumps(_store[key]).encode())
