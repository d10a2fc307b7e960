"""Calls from Python to services on the JS thread (native/host_calls.h).

"client" is http.Client, "cache" the cache namespace. In a coroutine the call
hands its asyncio loop back while the service works; the outcome arrives in
an inbox (an eventfd the loop watches). Outside a running loop (a `def`
handler, a hook) the call blocks only its own thread, with the GIL released.

An outcome is (status, values, body) on success, (0, error_kind, message) on
failure; each service's Python side reads its own meaning into it.
"""
import asyncio
import weakref

from ._runtime import native

__all__ = ["running_loop", "call_blocking", "call_async"]


def running_loop():
    """The asyncio loop running on this thread, or None."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def call_blocking(service, args, body=b"", timeout_ms=0):
    return native.host_call(service, args, body, timeout_ms)


async def call_async(loop, service, args, body=b"", timeout_ms=0):
    inbox = _inbox_for(loop)
    future = loop.create_future()
    call_id = native.host_send(service, args, body, timeout_ms, inbox.id)
    inbox.waiting[call_id] = future
    try:
        return await future
    finally:
        inbox.waiting.pop(call_id, None)


class _LoopInbox:
    """Where outcomes for one asyncio loop arrive."""

    def __init__(self, loop):
        self.id, fd = native.inbox_open()
        self.waiting = {}
        loop.add_reader(fd, self._drain)

    def _drain(self):
        for call_id, outcome in native.inbox_take(self.id):
            future = self.waiting.pop(call_id, None)
            if future is not None and not future.done():  # else the caller was cancelled
                future.set_result(outcome)


_inboxes = weakref.WeakKeyDictionary()


def _inbox_for(loop):
    inbox = _inboxes.get(loop)
    if inbox is None:
        inbox = _inboxes[loop] = _LoopInbox(loop)
    return inbox
