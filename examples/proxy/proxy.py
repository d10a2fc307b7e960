"""A reverse proxy: every request under /api/ is forwarded to `clients.api`.

    API_BASE_URL=https://httpbin.org npx siphon -c examples/proxy/siphon.yaml
    curl -s localhost:8080/api/get?x=1

The upstream's status, headers and body come back unchanged, except for the
hop-by-hop headers RFC 9110 §7.6.1 says a proxy must not forward.
"""
from siphon import http, log

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection",
    "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length",
}

api = None


@http.on_startup
def connect():
    global api
    api = http.Client("api")
    log.info("proxying /api/ to %s", api.base_url)


def address_of(client):
    """The IP in req.client: "ip:port", "[v6]:port", or a bare IP taken from a trusted X-Forwarded-For."""
    if client.startswith("["):
        return client[1:client.index("]")]
    host, _, port = client.rpartition(":")
    return host if host and ":" not in host and port.isdigit() else client


def forwardable(headers):
    return {name: value for name, value in headers.items() if name not in HOP_BY_HOP}


@http.route("/api/{*rest}", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
async def forward(req):
    target = req.path_params["rest"]
    if req.query_string:
        target += "?" + req.query_string
    headers = forwardable(req.headers)
    client_ip = address_of(req.client)
    prior = req.header("x-forwarded-for")
    headers["x-forwarded-for"] = f"{prior}, {client_ip}" if prior else client_ip
    try:
        upstream = await api.request(req.method, target, body=req.body() or None, headers=headers)
    except http.ClientTimeoutError:
        return http.Response(504, body=b"upstream timed out\n")
    except http.ClientError as exc:
        log.warn("upstream failed: %s", exc)
        return http.Response(502, body=b"bad gateway\n")
    return http.Response(upstream.status, headers=forwardable(upstream.headers), body=upstream.body)
