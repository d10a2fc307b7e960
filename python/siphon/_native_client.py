"""http.Client's transport inside siphon: calls go to the host's pooled undici clients.

A coroutine hands its asyncio loop back while the request is in flight (the
answer arrives through an eventfd the loop watches); a call from a plain
function blocks only its own thread, with the GIL released.
"""
import asyncio
import json
import weakref

from ._client_errors import ClientError, error_for
from ._client_wire import upstream_response
from ._runtime import host_settings, native

__all__ = ["configured_clients", "listen_addrs", "define", "close", "send", "unknown_client_hint"]


def _outcome(result):
    status, first, second = result
    if status == 0:
        raise error_for(first, second)
    return upstream_response(status, first, second)


class _LoopInbox:
    """Where outcomes for one asyncio loop arrive (an eventfd the loop watches)."""

    def __init__(self, loop):
        self.id, fd = native.inbox_open()
        self.waiting = {}
        loop.add_reader(fd, self._drain)

    def _drain(self):
        for call_id, result in native.inbox_take(self.id):
            future = self.waiting.pop(call_id, None)
            if future is None or future.done():
                continue  # the caller was cancelled (e.g. its request timed out)
            try:
                future.set_result(_outcome(result))
            except ClientError as exc:
                future.set_exception(exc)


_inboxes = weakref.WeakKeyDictionary()


def _inbox_for(loop):
    inbox = _inboxes.get(loop)
    if inbox is None:
        inbox = _inboxes[loop] = _LoopInbox(loop)
    return inbox


async def _awaited(loop, call):
    inbox = _inbox_for(loop)
    future = loop.create_future()
    call_id = native.client_send(*call, inbox.id)
    inbox.waiting[call_id] = future
    try:
        return await future
    finally:
        inbox.waiting.pop(call_id, None)


def send(call):
    """Send `call`: an awaitable on an asyncio loop's thread, else the Response (blocking this thread)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _outcome(native.client_call(*call))
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
