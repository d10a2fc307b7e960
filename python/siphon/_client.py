"""http.Client: outbound HTTP through the host's pooled clients.

The transport is chosen once: inside siphon the host's undici pools
(_native_client), elsewhere a test harness's canned answers (_offline_client).
"""
import weakref

from ._client_contract import DEFAULT_TIMEOUT_MS, unreadable_file
from ._client_errors import ClientError, UnknownClientError
from ._client_wire import body_bytes, flat_headers, join_url
from ._runtime import native

if native is not None:
    from . import _native_client as _transport
else:
    from . import _offline_client as _transport

__all__ = ["Client", "join_url", "script_config"]

_TLS_FILES = (("verify", "CA bundle"), ("cert", "client certificate"), ("key", "client key"))


class Client:
    """An outbound HTTP client.

    Client("api") uses `clients.api` from http.yaml and its shared pool.
    Client(base_url=..., verify=..., cert=(cert, key) or pem, timeout_ms=...,
    http2_prior_knowledge=False, follow_redirects=True) builds an inline
    client with its own pool.

    In an `async def`, `await client.get(...)`; in a plain `def` the same call
    blocks and returns the Response.
    """

    def __init__(self, name=None, *, base_url=None, verify=None, cert=None, timeout_ms=None,
                 http2_prior_knowledge=False, follow_redirects=True):
        self._closed = False
        self._release = None
        if name is not None:
            if not isinstance(name, str):
                raise TypeError(f"client name must be str, not {type(name).__name__}")
            if any(v is not None for v in (base_url, verify, cert, timeout_ms)) or http2_prior_knowledge \
                    or follow_redirects is not True:
                raise TypeError("a named client takes its settings from http.yaml; pass either a name or settings")
            configured = _transport.configured_clients()
            if name not in configured:
                listed = ", ".join(sorted(configured)) or "none"
                raise UnknownClientError(f"no client named {name!r} in http.yaml (configured: {listed})"
                                         f"{_transport.unknown_client_hint(name)}")
            self._key = name
            self._base_url = configured[name].get("base_url")
            self._timeout_ms = None  # the configured timeout applies (host side)
            self._inline = False
            return
        if base_url is not None and not isinstance(base_url, str):
            raise TypeError("base_url must be str")
        if timeout_ms is not None and (not isinstance(timeout_ms, int) or timeout_ms <= 0):
            raise ValueError("timeout_ms must be a positive int")
        if cert is not None and not isinstance(cert, (str, tuple)):
            raise TypeError("cert must be a combined PEM path or a (cert, key) tuple")
        if isinstance(cert, tuple) and len(cert) != 2:
            raise TypeError("cert must be a (cert_path, key_path) tuple")
        if not isinstance(follow_redirects, bool):
            raise TypeError("follow_redirects must be True or False")
        settings = {
            "base_url": base_url, "verify": verify, "timeout_ms": timeout_ms or DEFAULT_TIMEOUT_MS,
            "cert": cert[0] if isinstance(cert, tuple) else cert,
            "key": cert[1] if isinstance(cert, tuple) else None,
            "http2_prior_knowledge": bool(http2_prior_knowledge),
            "follow_redirects": follow_redirects,
        }
        for field, what in _TLS_FILES:
            # As the Rust siphon-http does: a file that cannot be read fails here, not on the first call.
            problem = settings[field] is not None and unreadable_file(what, settings[field])
            if problem:
                raise problem
        self._base_url = base_url
        self._timeout_ms = settings["timeout_ms"]
        self._key = _transport.define(settings)
        self._inline = True
        # The host's pool lives until close() or until this object is collected.
        self._release = weakref.finalize(self, _transport.close, self._key)
        self._release.atexit = False

    @property
    def base_url(self):
        """The URL relative paths are joined onto (None: absolute URLs only)."""
        return self._base_url

    def request(self, method, path, body=None, headers=None):
        """Send `method path`; awaitable in a coroutine, blocking in a plain function."""
        if self._closed:
            raise ClientError("this client is closed")
        if not isinstance(method, str) or not method:
            raise TypeError("method must be a non-empty str")
        if not isinstance(path, str):
            raise TypeError(f"path must be str, not {type(path).__name__}")
        call = (self._key, method.upper(), join_url(self._base_url, path), flat_headers(headers),
                body_bytes(body), self._timeout_ms or 0)
        return _transport.send(call)

    def get(self, path, headers=None):
        """request("GET", path, headers=headers)."""
        return self.request("GET", path, headers=headers)

    def delete(self, path, headers=None):
        """request("DELETE", path, headers=headers)."""
        return self.request("DELETE", path, headers=headers)

    def post(self, path, body=None, headers=None):
        """request("POST", path, body, headers)."""
        return self.request("POST", path, body, headers)

    def put(self, path, body=None, headers=None):
        """request("PUT", path, body, headers)."""
        return self.request("PUT", path, body, headers)

    def patch(self, path, body=None, headers=None):
        """request("PATCH", path, body, headers)."""
        return self.request("PATCH", path, body, headers)

    def close(self):
        """Release an inline client's pool now; the client is unusable afterwards (named clients are shared: no-op)."""
        if self._release is not None:
            self._release()
            self._closed = True

    # `async with` / `with` close nothing, as in the Rust siphon-http: a
    # module-level or named client stays usable after the block.
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info):
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None

    def __repr__(self):
        what = (self._base_url or "inline") if self._inline else self._key
        return f"<Client {what}>"


def script_config():
    """http._config, as the Rust siphon-http exposes it: listen strings and client names."""
    return {"listen_addrs": _transport.listen_addrs(), "client_names": list(_transport.configured_clients())}
