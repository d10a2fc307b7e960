"""How an http.Client call and its answer are shaped, whichever transport carries them.

A call is (client key, METHOD, url, [name, value, ...], body bytes,
timeout_ms or 0 for the configured one); an answer is a Response built from
(status, [name, value, ...], body). Both transports (_native_client in the
server, _offline_client in tests) speak this.
"""
from ._response import Response

__all__ = ["join_url", "flat_headers", "body_bytes", "upstream_response"]


def join_url(base_url, path):
    """`path` joined onto `base_url` with exactly one slash; absolute URLs pass through."""
    if "://" in path.split("?", 1)[0]:
        return path
    if not base_url:
        from ._client_errors import ClientError
        raise ClientError(f"relative path {path!r} needs a client with a base_url")
    if not path:
        return base_url
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def flat_headers(headers):
    """[name, value, ...] from a dict[str, str] (None gives [])."""
    if headers is None:
        return []
    if not isinstance(headers, dict):
        raise TypeError(f"headers must be a dict[str, str], not {type(headers).__name__}")
    flat = []
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("header names and values must be str")
        flat += (name, value)
    return flat


def body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return bytes(body)
    raise TypeError(f"body must be bytes, str or None, not {type(body).__name__}")


def upstream_response(status, flat, body):
    """A Response from an upstream's answer, without the handler-side checks."""
    headers = {}
    for i in range(0, len(flat), 2):
        name, value = flat[i], flat[i + 1]
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    response = Response.__new__(Response)
    response.status = status
    response.headers = headers
    response.body = body
    return response
