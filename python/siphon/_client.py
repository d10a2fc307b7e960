"""http.Client: outbound HTTP through the host's pooled undici clients.

The round trip runs in Node; a coroutine hands its asyncio loop back while the
request is in flight, and a call from a sync handler blocks only its own
thread, with the GIL released.
"""
import json

from . import _host_calls as host_calls
from ._client_errors import ClientError, UnknownClientError, error_for
from ._response import Response
from ._runtime import native

__all__ = ["Client", "join_url"]

_DEFAULT_TIMEOUT_MS = 5000


def join_url(base_url, path):
    """`path` joined onto `base_url` with exactly one slash; absolute URLs pass through."""
    if "://" in path.split("?", 1)[0]:
        return path
    if not base_url:
        raise ClientError(f"relative path {path!r} needs a client with a base_url")
    if not path:
        return base_url
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def _flat_headers(headers):
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


def _body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, bytes):
        return bytes(body)
    raise TypeError(f"body must be bytes, str or None, not {type(body).__name__}")


def upstream_response(status, flat_headers, body):
    """A Response from an upstream's answer, without the handler-side checks."""
    headers = {}
    for i in range(0, len(flat_headers), 2):
        name, value = flat_headers[i], flat_headers[i + 1]
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    response = Response.__new__(Response)
    response.status = status
    response.headers = headers
    response.body = body
    return response


def _host_call(call):
    """The "client" host call (src/client/outbound.ts): [client, method, url, name0, value0, ...]."""
    key, method, url, headers, body, timeout_ms = call
    return "client", [key, method, url, *headers], body, timeout_ms


def _outcome(result):
    status, first, second = result
    if status == 0:
        raise error_for(first, second)
    return upstream_response(status, first, second)


class Client:
    """An outbound HTTP client.

    Client("api") uses `clients.api` from http.yaml and its shared pool.
    Client(base_url=..., verify=..., cert=(cert, key) or pem, timeout_ms=...,
    http2_prior_knowledge=False) builds an inline client with its own pool.

    In an `async def`, `await client.get(...)`; in a plain `def` the same call
    blocks and returns the Response.
    """

    def __init__(self, name=None, *, base_url=None, verify=None, cert=None, timeout_ms=None,
                 http2_prior_knowledge=False):
        self._closed = False
        if name is not None:
            if not isinstance(name, str):
                raise TypeError(f"client name must be str, not {type(name).__name__}")
            if any(v is not None for v in (base_url, verify, cert, timeout_ms)) or http2_prior_knowledge:
                raise TypeError("a named client takes its settings from http.yaml; pass either a name or settings")
            configured = _configured_names()
            if name not in configured:
                listed = ", ".join(sorted(configured)) or "none"
                hint = "" if native is not None else _offline().unknown_client_hint(name)
                raise UnknownClientError(f"no client named {name!r} in http.yaml (configured: {listed}){hint}")
            self._key = name
            self._base_url = _configured_base_url(name)
            self._timeout_ms = None  # the configured timeout applies (JS side)
            self._inline_id = None
            return
        if base_url is not None and not isinstance(base_url, str):
            raise TypeError("base_url must be str")
        if timeout_ms is not None and (not isinstance(timeout_ms, int) or timeout_ms <= 0):
            raise ValueError("timeout_ms must be a positive int")
        if cert is not None and not isinstance(cert, (str, tuple)):
            raise TypeError("cert must be a combined PEM path or a (cert, key) tuple")
        if isinstance(cert, tuple) and len(cert) != 2:
            raise TypeError("cert must be a (cert_path, key_path) tuple")
        self._base_url = base_url
        self._timeout_ms = timeout_ms or _DEFAULT_TIMEOUT_MS
        settings = {
            "base_url": base_url, "verify": verify, "timeout_ms": self._timeout_ms,
            "cert": cert[0] if isinstance(cert, tuple) else cert,
            "key": cert[1] if isinstance(cert, tuple) else None,
            "http2_prior_knowledge": bool(http2_prior_knowledge),
        }
        self._key = native.client_define(json.dumps(settings)) if native is not None else "#0"
        self._inline_id = int(self._key[1:])

    @property
    def base_url(self):
        """The URL relative paths are joined onto (None: absolute URLs only)."""
        return self._base_url

    def request(self, method, path, *, body=None, headers=None):
        """Send `method path`; awaitable in a coroutine, blocking in a plain function."""
        if self._closed:
            raise ClientError("this client is closed")
        if not isinstance(method, str) or not method:
            raise TypeError("method must be a non-empty str")
        if not isinstance(path, str):
            raise TypeError(f"path must be str, not {type(path).__name__}")
        call = (self._key, method.upper(), join_url(self._base_url, path), _flat_headers(headers),
                _body_bytes(body), self._timeout_ms or 0)
        if native is None:
            return _offline().send(call)
        loop = host_calls.running_loop()
        if loop is None:
            return _outcome(host_calls.call_blocking(*_host_call(call)))
        return self._send(loop, call)

    async def _send(self, loop, call):
        return _outcome(await host_calls.call_async(loop, *_host_call(call)))

    def get(self, path, *, headers=None):
        """request("GET", path, headers=headers)."""
        return self.request("GET", path, headers=headers)

    def delete(self, path, *, headers=None):
        """request("DELETE", path, headers=headers)."""
        return self.request("DELETE", path, headers=headers)

    def post(self, path, *, body=None, headers=None):
        """request("POST", path, body=body, headers=headers)."""
        return self.request("POST", path, body=body, headers=headers)

    def put(self, path, *, body=None, headers=None):
        """request("PUT", path, body=body, headers=headers)."""
        return self.request("PUT", path, body=body, headers=headers)

    def patch(self, path, *, body=None, headers=None):
        """request("PATCH", path, body=body, headers=headers)."""
        return self.request("PATCH", path, body=body, headers=headers)

    def close(self):
        """Release an inline client's pool (named clients are shared and stay open)."""
        if not self._closed and self._inline_id is not None and native is not None:
            native.client_close(self._inline_id)
        self._closed = True

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self):
        what = self._key if self._inline_id is None else (self._base_url or "inline")
        return f"<Client {what}>"


_configured = None


def _configured_clients():
    global _configured
    if native is None:
        return _offline().configured_clients()  # declared by the test harness in use
    if _configured is None:
        _configured = json.loads(native.client_config() or "{}")
    return _configured


def _offline():
    """Canned answers stand in for the network outside the siphon process.

    Imported on first use: the runtime never loads it, and it imports this module.
    """
    from . import _offline_client
    return _offline_client


def _configured_names():
    return tuple(_configured_clients())


def _configured_base_url(name):
    return _configured_clients().get(name, {}).get("base_url")
