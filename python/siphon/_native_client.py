"""http.Client's transport inside siphon: calls go to the host's pooled undici clients.

Each call is the "client" host call (src/client/outbound.ts) through
_host_calls: a coroutine hands its asyncio loop back while the request is in
flight; a call from a plain function blocks only its own thread, with the GIL
released.
"""
import json

from . import _host_calls as host_calls
from ._client_errors import error_for
from ._client_wire import upstream_response
from ._runtime import host_settings, native

__all__ = ["configured_clients", "listen_addrs", "define", "close", "send", "unknown_client_hint"]


def _host_call(call):
    """The "client" host call's arguments: [client, method, url, name0, value0, ...], body, timeout."""
    key, method, url, headers, body, timeout_ms = call
    return "client", [key, method, url, *headers], body, timeout_ms


def _outcome(result):
    status, first, second = result
    if status == 0:
        raise error_for(first, second)
    return upstream_response(status, first, second)


async def _awaited(loop, call):
    return _outcome(await host_calls.call_async(loop, *_host_call(call)))


def send(call):
    """Send `call`: an awaitable on an asyncio loop's thread, else the Response (blocking this thread)."""
    loop = host_calls.running_loop()
    if loop is None:
        return _outcome(host_calls.call_blocking(*_host_call(call)))
    return _awaited(loop, call)


def configured_clients():
    return host_settings().get("clients", {})


def listen_addrs():
    return list(host_settings().get("listen_addrs", []))


def define(settings):
    """Create an inline client's pool in the host; returns its key ("#<id>")."""
    return native.client_define(json.dumps(settings))


def close(key):
    native.client_close(int(key[1:]))


def unknown_client_hint(name):
    return ""
