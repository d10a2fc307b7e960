"""Python halves of the native worker threads (native/async_loop.cpp)."""
import asyncio
import types

__all__ = ["run_loop", "resume"]


class HandlerExit(Exception):
    """A handler raised SystemExit or KeyboardInterrupt: a 500 for that request only."""


def run_loop(wake_fd, drain):
    """Drive one asyncio loop until the host stops it; `drain` runs queued requests."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.add_reader(wake_fd, drain)
    try:
        loop.run_forever()
    finally:
        loop.remove_reader(wake_fd)


@types.coroutine
def resume(coro, yielded):
    """Finish, inside a Task, a coroutine whose first step already ran.

    The native fast path steps a handler's coroutine once outside any Task;
    if it suspended, this hands the Task the object it yielded and relays
    every later send/throw, exactly as `await coro` would have.
    """
    while True:
        try:
            sent = yield yielded
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # noqa: B036 - relayed, including CancelledError
            try:
                yielded = coro.throw(exc)
            except StopIteration as done:
                return done.value
            except (SystemExit, KeyboardInterrupt) as stop:
                raise _contained(stop) from stop
        else:
            try:
                yielded = coro.send(sent)
            except StopIteration as done:
                return done.value
            except (SystemExit, KeyboardInterrupt) as stop:
                # A Task re-raises these out of run_forever, which would end
                # this loop for every request; keep it to this one.
                raise _contained(stop) from stop


def _contained(stop):
    return HandlerExit(f"handler raised {type(stop).__name__}({', '.join(map(repr, stop.args))})")
