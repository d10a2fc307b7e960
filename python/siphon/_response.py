"""http.Response and the error raise_for_status() raises.

One implementation serves the runtime and the pure-Python harness, so the
construction rules cannot drift between them.
"""
import re

from ._runtime import native

__all__ = ["Response", "HTTPStatusError"]

# The header rules (native/header_rules.h on the server; test/unit/header-rules
# checks both agree on every character).
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FORBIDDEN_IN_VALUE = ("\r", "\n", "\0")


def is_header_name(name):
    return _TOKEN.fullmatch(name) is not None


def is_header_value(value):
    return not any(bad in value for bad in _FORBIDDEN_IN_VALUE)


class HTTPStatusError(RuntimeError):
    """Raised by Response.raise_for_status() for a 4xx or 5xx status."""

    def __init__(self, response):
        self.response = response
        self.status = response.status
        kind = "client error" if response.status < 500 else "server error"
        super().__init__(f"HTTP {response.status} ({kind})")


def str_dict(value, what):
    """A copy of `value`, which must be a dict[str, str] (None gives {})."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be a dict[str, str], not {type(value).__name__}")
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise TypeError(f"{what} keys and values must be str, got {type(key).__name__}: {type(item).__name__}")
    return dict(value)


def _check_headers(headers):
    headers = str_dict(headers, "headers")
    for name, value in headers.items():
        if not is_header_name(name):
            raise ValueError(f"invalid header name {name!r}")
        if not is_header_value(value):
            raise ValueError(f"header {name!r} has CR, LF or NUL in its value")
    return headers


class PureResponse:
    """What a handler returns: Response(status=200, headers=None, body=None)."""

    __slots__ = ("status", "headers", "body")

    def __init__(self, status=200, headers=None, body=None):
        if type(status) is not int:
            if isinstance(status, bool) or not isinstance(status, int):
                raise TypeError(f"status must be int, not {type(status).__name__}")
            status = int(status)
        if not 100 <= status <= 599:
            raise ValueError(f"status {status} is outside 100-599")
        if body is None:
            body = b""
        elif isinstance(body, str):
            body = body.encode("utf-8")
        elif type(body) is not bytes:
            if not isinstance(body, bytes):
                raise TypeError(f"body must be bytes, str or None, not {type(body).__name__}")
            body = bytes(body)
        self.status = status
        self.headers = {} if headers is None else _check_headers(headers)
        self.body = body

    def raise_for_status(self):
        """Raise HTTPStatusError if the status is 4xx or 5xx; return self otherwise."""
        if self.status >= 400:
            raise HTTPStatusError(self)
        return self

    def __repr__(self):
        return f"<Response {self.status} {len(self.body)} bytes>"


PureResponse.__name__ = PureResponse.__qualname__ = "Response"
PureResponse.__module__ = "siphon.http"

# Inside siphon the native type (native/py_response.cpp) does exactly this
# with no Python frame per request; elsewhere the class above does.
Response = native.Response if native is not None else PureResponse
