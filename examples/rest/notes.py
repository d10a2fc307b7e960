"""A REST resource: /notes with path params, query params and JSON bodies.

    curl -s -X POST localhost:8080/notes -d '{"title": "milk", "tags": ["shop"]}'
    curl -s 'localhost:8080/notes?tag=shop&limit=10'
    curl -s -X PATCH localhost:8080/notes/1 -d '{"done": true}'
    curl -s -X DELETE localhost:8080/notes/1
"""
import itertools
import json
import threading

from siphon import http, log

# Module-level state lives in this process only (see docs: execution model).
_notes = {}
_ids = itertools.count(1)
_lock = threading.Lock()  # sync handlers run on several threads


def _json(status, payload, headers=None):
    return http.Response(
        status,
        headers={"content-type": "application/json", **(headers or {})},
        body=json.dumps(payload),
    )


def _problem(status, detail):
    return _json(status, {"error": detail})


def _parse(req):
    try:
        data = json.loads(req.body() or b"{}")
    except ValueError as exc:
        raise BadRequest(f"body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


class BadRequest(Exception):
    pass


@http.route("/notes", methods=["GET", "POST"])
def notes(req):
    if req.method == "POST":
        try:
            data = _parse(req)
        except BadRequest as exc:
            return _problem(400, str(exc))
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            return _problem(422, "title is required")
        with _lock:
            note = {"id": next(_ids), "title": title.strip(), "tags": list(data.get("tags", [])), "done": False}
            _notes[note["id"]] = note
        log.info("created note %d", note["id"])
        return _json(201, note, {"location": f"/notes/{note['id']}"})

    tag = req.query_params.get("tag")
    try:
        limit = int(req.query_params.get("limit", "50"))
    except ValueError:
        return _problem(400, "limit must be an integer")
    with _lock:
        found = [n for n in _notes.values() if tag is None or tag in n["tags"]]
    return _json(200, {"notes": found[: max(0, limit)], "total": len(found)})


@http.route("/notes/{id}", methods=["GET", "PATCH", "DELETE"])
def note(req):
    try:
        note_id = int(req.path_params["id"])
    except ValueError:
        return _problem(400, "id must be an integer")
    with _lock:
        current = _notes.get(note_id)
        if current is None:
            return _problem(404, f"no note {note_id}")
        if req.method == "GET":
            return _json(200, current)
        if req.method == "DELETE":
            del _notes[note_id]
            return http.Response(204)
    try:
        changes = _parse(req)
    except BadRequest as exc:
        return _problem(400, str(exc))
    with _lock:
        for key in ("title", "tags", "done"):
            if key in changes:
                current[key] = changes[key]
        return _json(200, current)
