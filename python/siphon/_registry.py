"""What a script registers with the decorators in siphon.http.

Decorators write into the *current* registry. The loader swaps in a fresh one
for every (re)load, so a reload never sees the routes of the previous version.
"""
import inspect

from ._routes import parse_pattern

__all__ = ["Registry", "RouteRegistration", "current", "activate"]


def callable_name(fn):
    module = getattr(fn, "__module__", None) or "?"
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__
    return f"{module}.{name}"


def is_async_callable(fn):
    if inspect.iscoroutinefunction(fn):
        return True
    call = getattr(fn, "__call__", None)
    return call is not None and inspect.iscoroutinefunction(call)


class RouteRegistration:
    __slots__ = ("pattern", "methods", "handler", "name", "is_async")

    def __init__(self, pattern, methods, handler):
        self.pattern = pattern
        self.methods = methods
        self.handler = handler
        self.name = callable_name(handler)
        self.is_async = is_async_callable(handler)


class Registry:
    def __init__(self):
        self.routes = []
        self.middleware = []
        self.startup = []
        self.shutdown = []
        self._owners = {}  # (method, shape) -> RouteRegistration

    def add_route(self, path, methods, handler):
        if not callable(handler):
            raise TypeError(f"@http.route({path!r}) must decorate a function, not {type(handler).__name__}")
        pattern = parse_pattern(path)
        if methods is None:
            methods = ["GET"]
        elif isinstance(methods, str):
            methods = [methods]
        normalised = []
        for method in methods:
            if not isinstance(method, str) or not method or not method.isascii() or not method.isalpha():
                raise ValueError(f"@http.route({path!r}): invalid method {method!r}")
            method = method.upper()
            if method not in normalised:
                normalised.append(method)
        if not normalised:
            raise ValueError(f"@http.route({path!r}): methods must not be empty")
        registration = RouteRegistration(pattern, tuple(normalised), handler)
        for method in normalised:
            owner = self._owners.get((method, pattern.shape))
            if owner is not None:
                raise ValueError(
                    f"duplicate route {method} {path}: {owner.name} and {registration.name} "
                    f"both handle it"
                )
        for method in normalised:
            self._owners[(method, pattern.shape)] = registration
        self.routes.append(registration)
        return handler

    def add_hook(self, kind, fn):
        if not callable(fn):
            raise TypeError(f"@http.{kind} must decorate a function, not {type(fn).__name__}")
        getattr(self, kind.replace("on_", "")).append(fn)
        return fn

    def add_middleware(self, fn):
        if not callable(fn):
            raise TypeError(f"@http.middleware must decorate a function, not {type(fn).__name__}")
        self.middleware.append(fn)
        return fn


_current = Registry()


def current():
    return _current


def activate(registry):
    """Make `registry` receive registrations; returns the previous one."""
    global _current
    previous, _current = _current, registry
    return previous
