"""Field rules for Request objects built from Python (tests, the harness).

Both Request implementations (native in the runtime, _pure_request outside it)
build their fields here, so Request(...) means the same thing in either.
"""
from urllib.parse import parse_qsl, unquote

from ._response import str_dict as _str_dict

__all__ = ["normalise", "decode_query", "decode_param"]


def decode_query(query):
    """The last value of each key (as the Rust siphon-http), '+' as space, percent-decoded as UTF-8."""
    return dict(parse_qsl(query, keep_blank_values=True, errors="replace"))


def decode_param(raw):
    return unquote(raw, errors="replace")


def normalise(method, path, headers, body, path_params, query_params, client):
    """Returns (method, path, path_params, query_params, headers, client, body, query_string)."""
    method = "GET" if method is None else method.upper()
    path = "/" if path is None else path
    query = ""
    if "?" in path:
        path, query = path.split("?", 1)
    if query_params is None:
        query_params = decode_query(query)
    else:
        query_params = _str_dict(query_params, "query_params")
    headers = {name.lower(): value for name, value in _str_dict(headers, "headers").items()}
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):
        raise TypeError(f"body must be bytes, str or None, not {type(body).__name__}")
    client = "127.0.0.1:0" if client is None else client
    return (method, path, _str_dict(path_params, "path_params"), query_params, headers, client, bytes(body), query)
