"""The script canned_errors.py runs: one outbound call, its ClientError as the body."""
from siphon import http


@http.route("/x/{name}")
def call(req):
    name = req.path_params["name"]
    try:
        http.Client(name).get("/slow/3000" if name == "slow" else "/x")
    except http.ClientError as exc:
        return http.Response(502, body=f"{type(exc).__name__}: {exc}")
    return http.Response(200)
