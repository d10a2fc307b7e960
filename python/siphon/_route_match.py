"""Matching a request path to a route, with the server's rules, for siphon.testing.

The server matches in src/server/router.ts; this is the same algorithm over the
patterns _routes.parse_pattern produced: a static segment beats {param}, which
beats {*rest}; {param} never matches an empty segment; {*rest} takes the
remaining segments (at least one, maybe empty). When the best pattern lacks the
method, the next matching one is tried; HEAD falls back to GET per pattern.
test/50.harness-differential.test.mjs fails when the two drift apart.
"""
from typing import NamedTuple

__all__ = ["RouteTable", "Found", "MethodNotAllowed"]

# A pattern's precedence is its segment kinds in order: comparing these keys
# visits patterns in the order the router's depth-first walk does.
_RANK = {"static": 0, "param": 1, "rest": 2}


class Found(NamedTuple):
    route: int          # index into the script's routes
    values: list        # raw (still percent-encoded) parameter values, in pattern order
    head: bool          # HEAD answered by a GET route: the body is dropped


class MethodNotAllowed(NamedTuple):
    allow: str          # the Allow header value


class _Shape:
    """Every route registered for one pattern shape: the router's terminal node."""

    def __init__(self, segments):
        self.segments = segments
        self.key = tuple(_RANK[kind] for kind, _ in segments)
        self.methods = {}  # method -> route index

    def bind(self, parts):
        """The raw parameter values if `parts` (the path's segments) match, else None."""
        values = []
        for depth, (kind, text) in enumerate(self.segments):
            if depth >= len(parts):
                return None
            if kind == "rest":
                values.append("/".join(parts[depth:]))
                return values
            if kind == "static":
                if parts[depth] != text:
                    return None
            elif parts[depth] == "":
                return None
            else:
                values.append(parts[depth])
        return values if len(parts) == len(self.segments) else None


class RouteTable:
    def __init__(self, patterns_and_methods):
        """`patterns_and_methods`: (RoutePattern, methods) per route, in registration order."""
        shapes = {}
        for index, (pattern, methods) in enumerate(patterns_and_methods):
            shape = shapes.setdefault(pattern.shape, _Shape(pattern.segments))
            for method in methods:
                shape.methods[method] = index
        self._shapes = sorted(shapes.values(), key=lambda shape: shape.key)

    def match(self, method, path):
        """Found, MethodNotAllowed, or None for no matching pattern (404)."""
        parts = path[1:].split("/")
        allowed = set()
        for shape in self._shapes:
            values = shape.bind(parts)
            if values is None:
                continue
            route = shape.methods.get(method)
            head = False
            if route is None and method == "HEAD":
                route = shape.methods.get("GET")
                head = route is not None
            if route is not None:
                return Found(route, values, head)
            allowed.update(shape.methods)
            if "GET" in shape.methods:
                allowed.add("HEAD")
        return MethodNotAllowed(", ".join(sorted(allowed))) if allowed else None
