"""Python halves of the native worker threads (native/async_loop.cpp)."""
import asyncio
import collections.abc

__all__ = ["run_loop", "Resumed", "HandlerExit", "settle_from_thread"]


class HandlerExit(Exception):
    """A handler raised SystemExit or KeyboardInterrupt: a 500 for that request only."""


def run_loop(wake_fd, drain, started):
    """Drive one asyncio loop until the host stops it; `drain` runs queued requests."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.add_reader(wake_fd, drain)
    started(loop)
    try:
        loop.run_forever()
    finally:
        loop.remove_reader(wake_fd)


def settle_from_thread(loop, future, result, error):
    """From a sync pool thread: hand a `def` piece's outcome to the loop awaiting it."""
    loop.call_soon_threadsafe(_settle, future, result, error)


def _settle(future, result, error):
    if future.cancelled():  # its request timed out or its client left
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


_NOTHING = object()


class Resumed(collections.abc.Coroutine):
    """Finishes, inside a Task, a coroutine whose first step already ran.

    The native fast path steps a handler's coroutine once outside any Task;
    if it suspended, the Task gets this object: its first step hands back what
    the coroutine yielded, and every later send/throw is relayed, exactly as
    `await coro` would. A class rather than a generator because a Task accepts
    only coroutines since Python 3.12.
    """

    __slots__ = ("_coro", "_yielded")

    def __init__(self, coro, yielded):
        self._coro = coro
        self._yielded = yielded

    def send(self, value):
        yielded = self._yielded
        if yielded is not _NOTHING:
            self._yielded = _NOTHING
            return yielded
        try:
            return self._coro.send(value)
        except (SystemExit, KeyboardInterrupt) as stop:
            # A Task re-raises these out of run_forever, which would end this
            # loop for every request; keep it to this one.
            raise _contained(stop) from stop

    def throw(self, typ, val=None, tb=None):
        self._yielded = _NOTHING  # relayed, including CancelledError
        try:
            if val is None and tb is None:
                return self._coro.throw(typ)
            return self._coro.throw(typ, val, tb)
        except (SystemExit, KeyboardInterrupt) as stop:
            raise _contained(stop) from stop

    def close(self):
        self._coro.close()

    def __await__(self):
        return self

    def __iter__(self):
        return self

    def __next__(self):
        return self.send(None)


def _contained(stop):
    return HandlerExit(f"handler raised {type(stop).__name__}({', '.join(map(repr, stop.args))})")
