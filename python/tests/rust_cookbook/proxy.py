"""Forwards /proxy/<rest> to the `api` client (cookbook: reverse proxy)."""
from siphon import http, log


@http.route("/proxy/{*rest}", methods=["GET"])
async def relay(req):
    upstream_path = "/" + req.path_params["rest"]
    async with http.Client("api") as client:
        answer = await client.get(upstream_path)
    log.info(f"proxied {upstream_path} -> {answer.status}")
    return http.Response(status=answer.status,
                         headers={"Content-Type": answer.headers.get("content-type", "application/octet-stream")},
                         body=answer.body)
