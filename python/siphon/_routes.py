"""Route patterns: parsing, validation and the shape used to spot duplicates.

The JS router (src/server/router.ts) matches the patterns this module accepted;
siphon.testing matches them with the same rules in pure Python.
"""
import re

__all__ = ["RoutePattern", "parse_pattern"]

_PARAM = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)\}")


class RoutePattern:
    __slots__ = ("path", "segments", "param_names", "shape")

    def __init__(self, path, segments, param_names):
        self.path = path
        # Each segment: ("static", text) | ("param", name) | ("rest", name)
        self.segments = segments
        self.param_names = param_names
        self.shape = "/".join(
            text if kind == "static" else ("{}" if kind == "param" else "{*}") for kind, text in segments
        )


def parse_pattern(path):
    """Validate a route pattern and split it into segments (ValueError if bad)."""
    if not isinstance(path, str):
        raise TypeError(f"route path must be str, not {type(path).__name__}")
    if not path.startswith("/"):
        raise ValueError(f"route path {path!r} must start with '/'")
    if "?" in path or "#" in path:
        raise ValueError(f"route path {path!r} must not contain '?' or '#'")
    segments = []
    names = []
    raw_segments = path[1:].split("/")
    for index, raw in enumerate(raw_segments):
        match = _PARAM.fullmatch(raw)
        if match:
            star, name = match.groups()
            if name in names:
                raise ValueError(f"route path {path!r} uses parameter {{{name}}} twice")
            if star and index != len(raw_segments) - 1:
                raise ValueError(f"route path {path!r}: {{*{name}}} must be the last segment")
            names.append(name)
            segments.append(("rest" if star else "param", name))
        elif "{" in raw or "}" in raw:
            raise ValueError(
                f"route path {path!r}: a parameter must be a whole segment, {{name}} or {{*name}}"
            )
        else:
            segments.append(("static", raw))
    return RoutePattern(path, tuple(segments), tuple(names))
