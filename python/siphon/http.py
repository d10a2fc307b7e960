"""Routes, middleware, lifecycle hooks, and the Request/Response types.

    from siphon import http

    @http.route("/users/{id}", methods=["GET", "DELETE"])
    async def user(req):
        return http.Response(200, body=req.path_params["id"])
"""
from . import _registry
from ._client import Client, script_config as _script_config
from ._client_errors import ClientError, ClientTimeoutError, ConnectError, TLSError, UnknownClientError
from ._response import HTTPStatusError, Response
from ._runtime import native as _native

if _native is not None:
    Request = _native.Request
else:
    from ._pure_request import Request

__all__ = [
    "route", "middleware", "on_startup", "on_shutdown",
    "Request", "Response", "HTTPStatusError", "Client",
    "ClientError", "ConnectError", "ClientTimeoutError", "TLSError", "UnknownClientError",
]


def __getattr__(name):
    # http._config, read-only, as in the Rust siphon-http: {"listen_addrs": [...], "client_names": [...]}.
    if name == "_config":
        return _script_config()
    raise AttributeError(f"module 'siphon.http' has no attribute {name!r}")


def route(path, methods=None):
    """Register the decorated function for `path` and `methods` (default ["GET"]).

    `{name}` matches one path segment, `{*name}` the rest of the path. A GET
    route also answers HEAD. Two handlers for the same path and method are an
    error when the script loads.
    """
    def register(handler):
        return _registry.current().add_route(path, methods, handler)

    return register


def middleware(fn):
    """Register a request guard: return None to continue, a Response to answer now."""
    return _registry.current().add_middleware(fn)


def on_startup(fn):
    """Run `fn` once after the script loads and before any listener accepts."""
    return _registry.current().add_hook("on_startup", fn)


def on_shutdown(fn):
    """Run `fn` once at shutdown, after in-flight requests finish."""
    return _registry.current().add_hook("on_shutdown", fn)
