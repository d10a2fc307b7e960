"""http.Client's transport outside the siphon process: canned answers instead of a network.

In the runtime, outbound calls go to Node's pooled clients. In a plain Python
(pytest, siphon.testing) nothing stands behind http.Client, so a test queues
the answers (HttpTestHarness.add_response) and reads what was sent. A call
nobody queued an answer for raises NoCannedResponseError: a forgotten stub
must never pass for a real request or a silent empty answer. (The siphon_sdk
compatibility harness sets a default answer instead, as the Rust SDK does.)
"""
import asyncio
import threading
from typing import NamedTuple
from urllib.parse import urlsplit

from ._client_contract import DEFAULT_TIMEOUT_MS, failure
from ._client_errors import ClientError, ClientTimeoutError, ConnectError, TLSError
from ._client_wire import body_bytes, flat_headers, upstream_response

__all__ = ["CannedTransport", "NoCannedResponseError", "SentRequest", "activated",
           "configured_clients", "listen_addrs", "define", "close", "send", "unknown_client_hint"]


class NoCannedResponseError(ClientError):
    """An outbound call outside the siphon process had no canned answer queued for it."""


class HeaderDict(dict):
    """Lower-case header names; lookups ignore case (sent["headers"]["Authorization"] works)."""

    def __getitem__(self, name):
        return dict.__getitem__(self, name.lower() if isinstance(name, str) else name)

    def get(self, name, default=None):
        return dict.get(self, name.lower() if isinstance(name, str) else name, default)

    def __contains__(self, name):
        return dict.__contains__(self, name.lower() if isinstance(name, str) else name)


class SentRequest(NamedTuple):
    """One outbound http.Client call as a test harness saw it; also readable as sent["method"]."""

    method: str
    url: str
    path: str      # the URL's path, without the query
    headers: dict  # lower-case names, looked up in any case
    body: bytes
    client: str | None  # the configured client's name; None for an inline Client(base_url=...)
    query: str     # the raw query string, without '?'

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self._fields:
                raise KeyError(key)
            return getattr(self, key)
        return tuple.__getitem__(self, key)


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
        flat = flat_headers(headers)
    else:  # (name, value) pairs: a name may repeat (Set-Cookie)
        flat = [item for pair in headers for item in flat_headers(dict([pair]))]
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
        made = failure("timeout", url=origin_path, timeout_ms=timeout_ms)
    elif issubclass(error, ConnectError):
        made = failure("refused", where=where)
    elif issubclass(error, TLSError):
        made = failure("tls", where=where, detail="canned TLS failure")
    elif issubclass(error, ClientError):
        made = failure("failed", url=origin_path, detail="canned failure")
    else:
        return error()
    return made if type(made) is error else error(str(made))


class CannedTransport:
    """The canned answers, configured client names and sent-call log of one harness.

    An answer is looked for in the queue (add_response, in order), then by
    path (set_path_response), then `default` (None: NoCannedResponseError).
    """

    def __init__(self, clients=None, listen_addrs=()):
        self.clients = {}
        for name, settings in (clients or {}).items():
            self.add_client(name, settings)
        self.listen_addrs = list(listen_addrs)
        self.sent = []
        self.unanswered = []  # NoCannedResponseErrors raised since the harness last looked
        self.default = None
        self._queue = []
        self._by_path = {}
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
                              "timeout_ms": settings.get("timeout_ms") or DEFAULT_TIMEOUT_MS}

    def canned(self, status, headers, body, *, client=None, url=None, method=None, error=None, times=1):
        """A checked answer, not queued yet."""
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
        canned.status, canned.headers, canned.body = status, _canned_headers(headers), body_bytes(body)
        canned.error, canned.client, canned.url = error, client, url
        canned.method = method.upper() if method else None
        canned.times = times
        return canned

    def queue(self, status, headers, body, **match):
        canned = self.canned(status, headers, body, **match)
        with self._lock:
            self._queue.append(canned)

    def set_path_response(self, path, status, headers, body):
        """Answer every call to `path` (the URL's path; with a `?query`, that query only) once the queue has none."""
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValueError(f"path must be a str starting with '/', not {path!r}")
        canned = self.canned(status, headers, body, times=None)
        with self._lock:
            self._by_path[path] = canned

    def clear(self):
        """Forget what was sent and every canned answer."""
        with self._lock:
            self.sent.clear()
            self.unanswered.clear()
            self._queue.clear()
            self._by_path.clear()
            self.default = None

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
            parts = urlsplit(url)
            path = parts.path or "/"
            by_path = self._by_path.get(f"{path}?{parts.query}") or self._by_path.get(path)
            return by_path or self.default

    def answer(self, key, method, url, flat, body, timeout_ms):
        """What Client.request gets back: a Response, or a raised ClientError."""
        client = None if key.startswith("#") else key
        parts = urlsplit(url)
        headers = HeaderDict()
        for i in range(0, len(flat), 2):
            headers[flat[i].lower()] = flat[i + 1]
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
                timeout_ms = self.clients.get(client, {}).get("timeout_ms", DEFAULT_TIMEOUT_MS)
            raise _error_for(canned.error, url, timeout_ms)
        return upstream_response(canned.status, list(canned.headers), canned.body)


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


def listen_addrs():
    return list(_stack[-1].listen_addrs)


def define(settings):
    return "#0"  # inline clients are told apart by URL in tests


def close(key):
    pass


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
