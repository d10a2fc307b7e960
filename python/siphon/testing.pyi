"""Type stubs for siphon.testing: HttpTestHarness and what it records."""
from collections.abc import Iterable, Mapping
from types import ModuleType, TracebackType
from typing import NamedTuple

from ._memory_cache import MemoryCache
from .http import ClientError, Response

_Headers = Mapping[str, str] | Iterable[tuple[str, str]]
_ClientSettings = str | None | Mapping[str, str | int | None]
_CacheSettings = None | Mapping[str, int | str | None]

class NoCannedResponseError(ClientError):
    """An outbound call outside the siphon process had no canned answer queued for it."""

class SentRequest(NamedTuple):
    """One outbound http.Client call as the harness saw it; also readable as sent["method"]."""

    method: str
    url: str
    path: str
    headers: dict[str, str]
    body: bytes
    client: str | None
    query: str

class LogLine(NamedTuple):
    """One line the script logged (or the harness logged for it)."""

    level: str
    target: str
    message: str

class HttpTestHarness:
    """A siphon server without the network, for one routing script at a time."""

    logs: list[LogLine]
    def __init__(
        self,
        script: str | None = None,
        *,
        clients: Mapping[str, _ClientSettings] | None = None,
        caches: Mapping[str, _CacheSettings] | None = None,
    ) -> None: ...
    def load_script(self, path: str) -> ModuleType:
        """Import the script into a fresh module with a fresh route registry."""
    @property
    def module(self) -> ModuleType:
        """The loaded script's module."""
    def start(self) -> None:
        """Run the on_startup hooks."""
    def stop(self) -> None:
        """Run the on_shutdown hooks and close the harness's event loop."""
    def __enter__(self) -> HttpTestHarness: ...
    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None: ...
    def request(
        self,
        method: str,
        path: str,
        *,
        headers: _Headers | None = None,
        body: bytes | str | None = None,
        client: str = "127.0.0.1:12345",
    ) -> Response:
        """Answer `method path` as siphon would: the Response a client would see."""
    def get(self, path: str, *, headers: _Headers | None = None, client: str = "127.0.0.1:12345") -> Response: ...
    def head(self, path: str, *, headers: _Headers | None = None, client: str = "127.0.0.1:12345") -> Response: ...
    def delete(self, path: str, *, headers: _Headers | None = None, body: bytes | str | None = None, client: str = "127.0.0.1:12345") -> Response: ...
    def options(self, path: str, *, headers: _Headers | None = None, client: str = "127.0.0.1:12345") -> Response: ...
    def post(self, path: str, *, headers: _Headers | None = None, body: bytes | str | None = None, client: str = "127.0.0.1:12345") -> Response: ...
    def put(self, path: str, *, headers: _Headers | None = None, body: bytes | str | None = None, client: str = "127.0.0.1:12345") -> Response: ...
    def patch(self, path: str, *, headers: _Headers | None = None, body: bytes | str | None = None, client: str = "127.0.0.1:12345") -> Response: ...
    def add_response(
        self,
        status: int = 200,
        headers: _Headers | None = None,
        body: bytes | str | None = None,
        *,
        client: str | None = None,
        url: str | None = None,
        method: str | None = None,
        error: type[BaseException] | BaseException | None = None,
        times: int | None = 1,
    ) -> None:
        """Queue the answer to an outbound http.Client call."""
    @property
    def sent_requests(self) -> list[SentRequest]:
        """Every outbound call the script made, in order."""
    @property
    def unused_responses(self) -> list[object]:
        """Queued answers no call has used up yet."""
    @property
    def cache(self) -> MemoryCache:
        """The in-memory `cache` namespace scripts see; seed it with set_data(name, {...})."""
    def reset(self) -> None:
        """Forget what was sent, every canned answer, the captured logs and the cache's contents."""
