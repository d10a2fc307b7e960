"""Type stubs for siphon.http: what editors complete after `http.`."""
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])
_Handler = TypeVar("_Handler", bound=Callable[[Request], Response | Awaitable[Response]])
_Guard = TypeVar("_Guard", bound=Callable[[Request], Response | None | Awaitable[Response | None]])
_Hook = TypeVar("_Hook", bound=Callable[[], object])

def route(path: str, methods: str | list[str] | tuple[str, ...] | None = None) -> Callable[[_Handler], _Handler]:
    """Register the decorated function for `path` and `methods` (default ["GET"]); a GET route also answers HEAD."""

def middleware(fn: _Guard) -> _Guard:
    """Register a request guard: return None to continue, a Response to answer now."""

def on_startup(fn: _Hook) -> _Hook:
    """Run `fn` once after the script loads and before any listener accepts."""

def on_shutdown(fn: _Hook) -> _Hook:
    """Run `fn` once at shutdown, after in-flight requests finish."""

class Request:
    """An HTTP request as a handler receives it."""

    def __init__(
        self,
        method: str = "GET",
        path: str = "/",
        headers: dict[str, str] | None = None,
        body: bytes | str | None = None,
        *,
        path_params: dict[str, str] | None = None,
        query_params: dict[str, str] | None = None,
        client: str | None = None,
    ) -> None: ...
    @property
    def method(self) -> str:
        """HTTP method, upper-case."""
    @property
    def path(self) -> str:
        """Request path, percent-encoding kept, without the query."""
    @property
    def path_params(self) -> dict[str, str]:
        """Decoded {param} values."""
    @property
    def query_params(self) -> dict[str, str]:
        """Decoded query, last value per key (all of them are in query_string)."""
    @property
    def query_string(self) -> str:
        """The raw query, without '?'."""
    @property
    def headers(self) -> dict[str, str]:
        """Lower-case names, repeats joined with ', '."""
    @property
    def client(self) -> str:
        """"ip:port" of the client."""
    def body(self) -> bytes:
        """The whole request body."""
    def header(self, name: str) -> str | None:
        """One header, case-insensitive, or None."""

class Response:
    """What a handler returns: Response(status=200, headers=None, body=None)."""

    status: int
    headers: dict[str, str]
    body: bytes
    def __init__(self, status: int = 200, headers: dict[str, str] | None = None, body: bytes | str | None = None) -> None: ...
    def raise_for_status(self) -> Response:
        """Raise HTTPStatusError for a 4xx or 5xx status; return self otherwise."""

class HTTPStatusError(RuntimeError):
    """Raised by Response.raise_for_status() for a 4xx or 5xx status."""

    response: Response
    status: int
    def __init__(self, response: Response) -> None: ...

class ClientError(RuntimeError):
    """An outbound request failed: nothing usable came back."""

class ConnectError(ClientError):
    """The connection could not be made (refused, unreachable, DNS)."""

class ClientTimeoutError(ClientError):
    """No complete answer within the client's timeout_ms."""

class TLSError(ClientError):
    """The TLS handshake failed, e.g. the server certificate did not verify."""

class UnknownClientError(ClientError):
    """http.Client("name") named a client that http.yaml does not configure."""

class Client:
    """Outbound HTTP: Client("api") for clients.api in http.yaml, or Client(base_url=...) inline.

    Each request method returns an awaitable in a coroutine and the Response
    itself in a plain function (annotated as Any to allow both).
    """

    def __init__(
        self,
        name: str | None = None,
        *,
        base_url: str | None = None,
        verify: str | None = None,
        cert: str | tuple[str, str] | None = None,
        timeout_ms: int | None = None,
        http2_prior_knowledge: bool = False,
        follow_redirects: bool = True,
    ) -> None: ...
    @property
    def base_url(self) -> str | None: ...
    def request(self, method: str, path: str, body: bytes | str | None = None, headers: dict[str, str] | None = None) -> Any:
        """Send `method path`: `await` it in async def; in def it returns the Response."""
    def get(self, path: str, headers: dict[str, str] | None = None) -> Any: ...
    def delete(self, path: str, headers: dict[str, str] | None = None) -> Any: ...
    def post(self, path: str, body: bytes | str | None = None, headers: dict[str, str] | None = None) -> Any: ...
    def put(self, path: str, body: bytes | str | None = None, headers: dict[str, str] | None = None) -> Any: ...
    def patch(self, path: str, body: bytes | str | None = None, headers: dict[str, str] | None = None) -> Any: ...
    def close(self) -> None:
        """Release an inline client's pool now (`async with` does not; named clients are shared: no-op)."""
    async def __aenter__(self) -> Client: ...
    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None: ...
    def __enter__(self) -> Client: ...
    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None: ...
