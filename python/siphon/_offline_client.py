"""http.Client outside the siphon process: canned answers instead of a network.

In the runtime, outbound calls go to Node's pooled clients. In a plain Python
(pytest, siphon.testing) nothing stands behind http.Client, so a test queues
the answers (HttpTestHarness.add_response) and reads what was sent. A call
nobody queued an answer for raises NoCannedResponseError: a forgotten stub
must never pass for a real request or a silent empty answer.
"""
import asyncio
import threading
from typing import NamedTuple
from urllib.parse import urlsplit

from . import _client
from ._client_errors import ClientError, ClientTimeoutError, ConnectError, TLSError

__all__ = ["CannedTransport", "NoCannedResponseError", "SentRequest", "activated", "send", "configured_clients"]

_DEFAULT_TIMEOUT_MS = 5000


class NoCannedResponseError(ClientError):
    """An outbound call outside the siphon process had no canned answer queued for it."""


class SentRequest(NamedTuple):
    """One outbound http.Client call as a test harness saw it."""

    method: str
    url: str
    path: str      # the URL's path, without the query
    headers: dict  # lower-case names
    body: bytes
    client: str | None  # the configured client's name; None for an inline Client(base_url=...)
    query: str     # the raw query string, without '?'


class _Canned:
    __slots__ = ("status", "headers", "body", "error", "client", "url", "method", "times")

    def matches(self, client, method, url):
        if self.client is not None and self.client != client:
            return False
        if self.method is not None and self.method != method:
            return False
        if self.url is None or self.url == url:
            return True
        # An entry without a query answers the URL whatever its query is.
        return "?" not in self.url and self.url == url.split("?", 1)[0]

    def describe(self):
        where = [f"{k}={v!r}" for k, v in (("client", self.client), ("method", self.method), ("url", self.url)) if v]
        what = type(self.error).__name__ if self.error is not None else self.status
        return f"<canned {what} for {', '.join(where) or 'any call'}>"

    __repr__ = describe


def _canned_headers(headers):
    """Flat [name, value, ...] with lower-case names, as upstream answers reach scripts."""
    if headers is None or isinstance(headers, dict):
        flat = _client._flat_headers(headers)
    else:  # (name, value) pairs: a name may repeat (Set-Cookie)
        flat = [item for pair in headers for item in _client._flat_headers(dict([pair]))]
    return [item.lower() if i % 2 == 0 else item for i, item in enumerate(flat)]


def _error_for(error, url, timeout_ms):
    """`error` as the instance to raise; a class gets the message the runtime would give."""
    if isinstance(error, BaseException):
        return error
    if not (isinstance(error, type) and issubclass(error, BaseException)):
        raise TypeError(f"error must be an exception class or instance, not {type(error).__name__}")
    target = urlsplit(url)
    where = f"{target.hostname}:{target.port or (443 if target.scheme == 'https' else 80)}"
    origin_path = f"{target.scheme}://{target.netloc}{target.path}"
    if issubclass(error, ClientTimeoutError):
        return error(f"request to {origin_path} timed out after {timeout_ms} ms")
    if issubclass(error, ConnectError):
        return error(f"connection refused to {where}")
    if issubclass(error, TLSError):
        return error(f"TLS handshake with {where} failed: canned TLS failure")
    if issubclass(error, ClientError):
        return error(f"request to {origin_path} failed: canned failure")
    return error()


class CannedTransport:
    """The canned answers, configured client names and sent-call log of one harness."""

    def __init__(self, clients=None):
        self.clients = {}
        for name, settings in (clients or {}).items():
            self.add_client(name, settings)
        self.sent = []
        self.unanswered = []  # NoCannedResponseErrors raised since the harness last looked
        self._queue = []
        self._lock = threading.Lock()  # def handlers may call out from several threads

    def add_client(self, name, settings):
        """Declare http.yaml's `clients.<name>`: a base_url string or a dict of settings."""
        if not isinstance(name, str) or not name:
            raise TypeError("client names must be non-empty str")
        if settings is None or isinstance(settings, str):
            settings = {"base_url": settings}
        if not isinstance(settings, dict):
            raise TypeError(f"client {name!r}: settings must be a base_url str or a dict, not {type(settings).__name__}")
        unknown = set(settings) - {"base_url", "timeout_ms"}
        if unknown:
            raise TypeError(f"client {name!r}: unknown settings {sorted(unknown)} (base_url, timeout_ms)")
        self.clients[name] = {"base_url": settings.get("base_url"),
                              "timeout_ms": settings.get("timeout_ms") or _DEFAULT_TIMEOUT_MS}

    def queue(self, status, headers, body, *, client, url, method, error, times):
        if error is None:
            if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
                raise ValueError(f"canned status must be an int in 100-599, not {status!r}")
        elif not isinstance(error, BaseException) and not (isinstance(error, type) and issubclass(error, BaseException)):
            raise TypeError(f"error must be an exception class or instance, not {type(error).__name__}")
        if client is not None and client not in self.clients:
            raise ValueError(f"no client named {client!r} is declared; pass clients={{{client!r}: base_url}} "
                             f"to HttpTestHarness (as http.yaml would)")
        if times is not None and (not isinstance(times, int) or times < 1):
            raise ValueError("times must be a positive int, or None for every matching call")
        canned = _Canned()
        canned.status, canned.headers, canned.body = status, _canned_headers(headers), _client._body_bytes(body)
        canned.error, canned.client, canned.url = error, client, url
        canned.method = method.upper() if method else None
        canned.times = times
        with self._lock:
            self._queue.append(canned)

    @property
    def unused(self):
        with self._lock:
            return list(self._queue)

    def _take(self, client, method, url):
        with self._lock:
            for canned in self._queue:
                if canned.matches(client, method, url):
                    if canned.times is not None:
                        canned.times -= 1
                        if canned.times == 0:
                            self._queue.remove(canned)
                    return canned
        return None

    def answer(self, key, method, url, flat_headers, body, timeout_ms):
        """What `_client.Client.request` gets back: a Response, or a raised ClientError."""
        client = None if key.startswith("#") else key
        parts = urlsplit(url)
        headers = {}
        for i in range(0, len(flat_headers), 2):
            headers[flat_headers[i].lower()] = flat_headers[i + 1]
        with self._lock:
            self.sent.append(SentRequest(method, url, parts.path or "/", headers, body, client, parts.query))
        canned = self._take(client, method, url)
        if canned is None:
            error = NoCannedResponseError(_no_answer_message(client, method, url))
            with self._lock:
                self.unanswered.append(error)
            raise error
        if canned.error is not None:
            if not timeout_ms:
                timeout_ms = self.clients.get(client, {}).get("timeout_ms", _DEFAULT_TIMEOUT_MS)
            raise _error_for(canned.error, url, timeout_ms)
        return _client.upstream_response(canned.status, list(canned.headers), canned.body)


def _no_answer_message(client, method, url):
    by_client = f"client={client!r}, " if client else ""
    return (f"no canned response was queued for {method} {url}; queue one before the request with "
            f"harness.add_response(200, body=..., {by_client}url={url!r}) "
            f"(siphon.testing.HttpTestHarness: outside the siphon process http.Client has no network)")


# The transport of the harness running an operation now; the one below the
# stack answers nothing, so a Client used without a harness fails loudly too.
_stack = [CannedTransport()]


class activated:
    """`with activated(transport):` routes http.Client calls to `transport`."""

    def __init__(self, transport):
        self.transport = transport

    def __enter__(self):
        _stack.append(self.transport)
        return self.transport

    def __exit__(self, *exc_info):
        _stack.remove(self.transport)


def configured_clients():
    return _stack[-1].clients


def unknown_client_hint(name):
    return f"; in tests, declare it: HttpTestHarness(clients={{{name!r}: 'https://...'}})"


async def _answer_when_awaited(transport, call):
    await asyncio.sleep(0)  # a real call suspends the coroutine: let other tasks run
    return transport.answer(*call)


def send(call):
    """Answer `call` from the active transport: awaitable in a coroutine, direct in a plain function."""
    transport = _stack[-1]
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return transport.answer(*call)
    return _answer_when_awaited(transport, call)
