"""http.Request outside the siphon process: the same members as the native type."""
from ._request_fields import normalise

__all__ = ["Request"]


class Request:
    """An HTTP request as a handler receives it."""

    __slots__ = ("_method", "_path", "_path_params", "_query_params", "_headers", "_client", "_body", "_query_string")

    def __init__(self, method="GET", path="/", headers=None, body=None, *, path_params=None,
                 query_params=None, client=None):
        (self._method, self._path, self._path_params, self._query_params, self._headers,
         self._client, self._body, self._query_string) = normalise(method, path, headers, body, path_params, query_params, client)

    method = property(lambda self: self._method, doc="HTTP method, upper-case")
    path = property(lambda self: self._path, doc="request path, percent-encoding kept")
    path_params = property(lambda self: self._path_params, doc="decoded {param} values")
    query_params = property(lambda self: self._query_params, doc="decoded query, last value per key")
    headers = property(lambda self: self._headers, doc="lower-case names, repeats joined with ', '")
    client = property(lambda self: self._client, doc='"ip:port" of the client')
    query_string = property(lambda self: self._query_string, doc="the raw query, without '?'")

    def body(self):
        """The whole request body as bytes."""
        return self._body

    def header(self, name):
        """One header, case-insensitive, or None."""
        if not isinstance(name, str):
            raise TypeError(f"header name must be str, not {type(name).__name__}")
        return self._headers.get(name.lower())

    def __repr__(self):
        return f"<Request {self._method} {self._path!r}>"


Request.__module__ = "siphon.http"
