"""What the server makes of a handler's return value, for siphon.testing.

The server checks a handler's result in native/handler_result.cpp, after the
handler returned (a Response may have been changed since its construction
checked it). These are the same checks, in the same order, with the same log
messages, so the harness answers 500 exactly where the server does.
"""
import types

from ._response import Response, is_header_name, is_header_value

__all__ = ["InvalidResult", "wire_fields", "failure_message"]

_FRAMING = ("content-length", "transfer-encoding")  # the server's own: a handler's are dropped


class InvalidResult(Exception):
    """The handler's result breaks a return rule; str() is the server's log wording."""


def _utf8(text):
    # The server reads str as UTF-8 and treats an unencodable one (lone surrogates) as empty.
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return b""


def _status(response):
    try:
        status = response.status
    except Exception as exc:  # noqa: BLE001 - a broken attribute is a result error, like in C++
        raise InvalidResult(f"returned a Response whose status could not be read: {exc!r}") from None
    code = status if isinstance(status, int) and not isinstance(status, bool) else -1
    if not 100 <= code <= 599:
        raise InvalidResult(f"returned a Response with invalid status {status!r}")
    if code < 200:
        raise InvalidResult(f"returned an informational status {code} as its final response")
    return int(code)


def _headers(response):
    try:
        headers = response.headers
    except Exception as exc:  # noqa: BLE001
        raise InvalidResult(f"returned a Response whose headers could not be read: {exc!r}") from None
    if headers is None:
        return []
    if not isinstance(headers, dict):
        raise InvalidResult("returned a Response whose headers are not a dict")
    pairs = []
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidResult("returned a header name or value that is not str")
        raw_name, raw_value = _utf8(name), _utf8(value)
        if not raw_name:
            raise InvalidResult("returned an empty header name")
        if not is_header_name(name):
            raise InvalidResult(f"returned an invalid header name {name!r}")
        if not is_header_value(raw_value.decode("utf-8")):
            raise InvalidResult(f"returned header {name} with CR, LF or NUL in its value")
        if name.lower() in _FRAMING:
            continue
        pairs.append((name, raw_value.decode("utf-8")))
    return pairs


def _body(response):
    try:
        body = response.body
    except Exception as exc:  # noqa: BLE001
        raise InvalidResult(f"returned a Response whose body could not be read: {exc!r}") from None
    if isinstance(body, bytes):
        return bytes(body)
    if isinstance(body, str):
        return _utf8(body)
    if body is None:
        return b""
    raise InvalidResult(f"returned a Response whose body is {type(body).__name__}, not bytes")


def wire_fields(result):
    """(status, [(name, value)], body) to send for `result`, or InvalidResult."""
    if not isinstance(result, Response):
        advice = ""
        if type(result) is types.CoroutineType:
            result.close()  # as the server does: no "never awaited" warning on top of the error
            advice = " (a coroutine: declare the handler `async def`)"
        raise InvalidResult(f"returned {type(result).__name__}, expected http.Response{advice}")
    return _status(result), _headers(result), _body(result)


def failure_message(route_name, request, why):
    """The server's error line for a failed request (target siphon.handler)."""
    try:
        described = f"{request.method} {request.path}"
    except Exception:  # noqa: BLE001
        described = "request"
    return f"handler {route_name} ({described}) {why}"
