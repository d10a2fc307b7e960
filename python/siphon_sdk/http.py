"""siphon_sdk.http: the response and request types the Rust SDK's tests build, as siphon's own."""
from siphon import http as _http

__all__ = ["MockResponse", "MockRequest", "HttpStatusError"]

HttpStatusError = _http.HTTPStatusError


class MockResponse(_http.Response):
    """An http.Response with lower-case header names and header(name), as the Rust SDK's MockResponse.

    Queue one for an outbound call (HttpTestHarness.add_response) or compare a
    harness answer against it; a script may also return it.
    """

    __slots__ = ()

    def __init__(self, status=200, headers=None, body=None):
        if isinstance(headers, dict):
            headers = {name.lower() if isinstance(name, str) else name: value for name, value in headers.items()}
        super().__init__(status, headers, body)

    def header(self, name):
        """One header by case-insensitive name, or None."""
        return self.headers.get(name.lower())


def MockRequest(*, method="GET", path="/", path_params=None, query_params=None, headers=None,
                client="127.0.0.1:0", body=b""):
    """An http.Request built with the Rust SDK's keyword names."""
    return _http.Request(method, path, headers, body, path_params=path_params, query_params=query_params,
                         client=client)
