"""A route's middleware chain and handler, composed into the one callable a worker runs.

Where each piece runs follows its kind, whatever the mix: `def` code on the
sync pool, `async def` code on an asyncio loop. A chain that is all `def`
runs on a sync thread from start to end. Any other chain runs on a loop, and
its `def` pieces are offloaded to the sync pool and awaited (consecutive ones
in one hop), so a blocking `def` handler never stalls the loop's other
requests. Outside the siphon process (siphon.testing) `def` pieces run inline.
"""
import asyncio
import contextvars
import functools
import inspect

from . import _registry, _worker
from ._response import Response
from ._runtime import native

__all__ = ["compose", "middleware_result"]


def middleware_result(guard, early):
    """What a guard returned, when it is not None: a Response, or TypeError."""
    if isinstance(early, Response):
        return early
    raise TypeError(
        f"middleware {_registry.callable_name(guard)} returned {type(early).__name__}; "
        f"expected None or http.Response"
    )


def _run_guards(guards, req):
    """Run `def` guards in order; the first answer (a Response) or None."""
    for guard in guards:
        early = guard(req)
        if early is not None:
            return middleware_result(guard, early)
    return None


async def offload(fn, *args):
    """Await fn(*args) run on the sync pool, as if it ran here.

    It runs in a copy of this request's contextvars context (a context can be
    entered by one thread at a time, and the Task may need its own, e.g. to be
    cancelled); what it set there is adopted afterwards, so a ContextVar set
    by a `def` guard is seen by the handler, as in an all-`def` chain.
    """
    if native is None:
        return fn(*args)
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    context = contextvars.copy_context()
    native.sync_call(context.run, (fn, *args), functools.partial(_worker.settle_from_thread, loop, future))
    result = await future
    for var, value in context.items():
        if var.get(_UNSET) is not value:
            var.set(value)
    return result


_UNSET = object()


def _segments(middleware):
    """Consecutive guards of one kind: [(is_async, [guard, ...]), ...]."""
    segments = []
    for guard in middleware:
        is_async = _registry.is_async_callable(guard)
        if segments and segments[-1][0] == is_async:
            segments[-1][1].append(guard)
        else:
            segments.append((is_async, [guard]))
    return segments


def compose(middleware, registration):
    """(callable, is_async) for a route: guards in order, then the handler."""
    handler = registration.handler
    segments = _segments(middleware)
    if not registration.is_async and all(not is_async for is_async, _ in segments):
        if not middleware:
            return handler, False

        def guarded(req):
            early = _run_guards(middleware, req)
            return early if early is not None else handler(req)
        return guarded, False

    handler_is_async = registration.is_async

    async def guarded_async(req):
        for is_async, guards in segments:
            if is_async:
                for guard in guards:
                    early = guard(req)
                    if inspect.isawaitable(early):
                        early = await early
                    if early is not None:
                        return middleware_result(guard, early)
            else:
                early = await offload(_run_guards, guards, req)
                if early is not None:
                    return early
        if not handler_is_async:
            return await offload(handler, req)
        result = handler(req)
        if inspect.isawaitable(result):
            result = await result
        return result

    if not middleware:
        return handler, True
    return guarded_async, True
