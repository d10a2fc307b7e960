"""Unit-test a siphon routing script in plain Python: no server, no sockets.

    from siphon import http
    from siphon.testing import HttpTestHarness

    def test_greeting():
        with HttpTestHarness("hello.py") as harness:
            response = harness.get("/hello/world")
        assert response.status == 200
        assert response.body == b"hello, world\\n"

The harness answers a request the way the siphon server does: the same routing
(params, precedence, 404, 405 + Allow, HEAD), the same middleware chain, the
same return rules (a raise or a wrong return is a 500 with a logged error).
Outbound http.Client calls get the answers a test queues with add_response();
the `cache` namespace is an in-memory stand-in (harness.cache).
Only what needs a listener is left out: body and header size limits (413,
431), request timeouts (504) and queue overload (503). See docs/testing.md.
"""
import asyncio
import contextlib
import inspect
import os
import sys
import traceback
from typing import NamedTuple

from . import _loader
from . import _log_sink
from . import _memory_cache
from ._memory_cache import MemoryCache
from ._offline_client import CannedTransport, NoCannedResponseError, SentRequest, activated
from ._request_fields import decode_param
from ._response import Response
from ._return_rules import InvalidResult, failure_message, wire_fields
from ._route_match import MethodNotAllowed, RouteTable
from ._runtime import native
from .http import Request

if native is not None:
    raise ImportError("siphon.testing is for a plain Python interpreter (pytest); inside siphon the server answers")

__all__ = ["HttpTestHarness", "LogLine", "SentRequest", "NoCannedResponseError"]

# The server's own answers (src/server/plain-answers.ts and status.ts);
# test/50 compares the harness's answers with the server's.
_PLAIN_TEXT = ("content-type", "text/plain; charset=utf-8")
_INTERNAL_ERROR_BODY = b"Internal Server Error\n"


def is_bodiless(status):
    """Statuses sent without a body or Content-Length (RFC 9110), as src/server/status.ts says."""
    return status < 200 or status in (204, 304)


class LogLine(NamedTuple):
    """One line the script logged (or the harness logged for it, like the server's handler errors)."""

    level: str    # "DEBUG", "INFO", "WARN" or "ERROR"
    target: str   # the logging module's name; "siphon.handler" for a failed request
    message: str


class HttpTestHarness:
    """A siphon server without the network, for one routing script at a time.

    HttpTestHarness(script=None, *, clients=None, caches=None)

    `script`: a path to load now (same as load_script). `clients`: the named
    clients http.yaml would configure, `{"api": "https://api.test"}` or
    `{"api": {"base_url": ..., "timeout_ms": ...}}`; `http.Client("api")`
    fails with UnknownClientError for a name not declared here, as in siphon.
    `caches`: the named caches siphon.yaml's `cache:` would configure,
    `{"sessions": None}` or `{"sessions": {"local_ttl_secs": 30}}`; or seed
    one later with `harness.cache.set_data(name, {...})`.

    Use it as a context manager to run the script's on_startup hooks on entry
    and its on_shutdown hooks on exit; or call start() and stop(). A request
    before start() runs the on_startup hooks first.

    `logs` is a list of every LogLine written while the harness ran script
    code (loading, hooks, requests); clear it at will.
    """

    def __init__(self, script=None, *, clients=None, caches=None):
        self.logs = []  # see the class docstring
        self._transport = CannedTransport(clients)
        self._cache = MemoryCache(caches, warn=lambda text: self._record_log("WARN", "siphon.cache", text))
        self._loaded = None
        self._table = None
        self._started = False
        self._loop = None
        if script is not None:
            self.load_script(script)

    # -- the script ---------------------------------------------------------

    def load_script(self, path):
        """Import the script at `path` into a fresh module with a fresh route registry; returns the module.

        Loading again (the same or another script) replaces the routes and
        module state, as a reload does in siphon; the new script's on_startup
        hooks have not run yet. A script that fails to load raises here.
        """
        with self._session():
            loaded = _loader.load(path)
        self._loaded = loaded
        self._table = RouteTable((route.pattern, route.methods) for route in loaded.registry.routes)
        self._started = False
        return loaded.module

    @property
    def module(self):
        """The loaded script's module, to read or set its module-level state in a test."""
        return self._require_script().module

    def start(self):
        """Run the script's on_startup hooks in order, as siphon does before it accepts requests.

        A hook that raises makes this raise (siphon would exit with status 1).
        Calling start() again while started does nothing.
        """
        loaded = self._require_script()
        if self._started:
            return
        with self._session():
            _loader.run_hooks(loaded, "startup")
        self._started = True

    def stop(self):
        """Run the on_shutdown hooks (all of them; a raise is logged) and close the harness's event loop.

        Does nothing when start() has not run. Tasks the script left running are cancelled.
        """
        try:
            if self._started:
                self._started = False
                with self._session():
                    _loader.run_hooks(self._loaded, "shutdown")
        finally:
            self._close_loop()

    def __enter__(self):
        """Run start() if a script is loaded; returns the harness."""
        if self._loaded is not None:
            self.start()
        return self

    def __exit__(self, *exc_info):
        """Run stop()."""
        self.stop()

    # -- requests -----------------------------------------------------------

    def request(self, method, path, *, headers=None, body=None, client="127.0.0.1:12345"):
        """Answer `method path` as siphon would and return the http.Response a client would see.

        `path` is the request target as sent: percent-encoding kept, with an
        optional `?query`. `headers`: a dict, or (name, value) pairs to repeat
        a header (joined with ", " as siphon does). `body`: bytes, str or None.
        `client`: what req.client says. Nothing is added: no Host, no
        Content-Length, unless you pass them.

        The answer has lower-case header names, a content-length header for
        every status but 204/304, and for HEAD an empty body. 404 and 405
        answers never reach the script. Blocking: from a coroutine use
        `await asyncio.to_thread(harness.request, ...)`.
        """
        loaded = self._require_script()
        _refuse_inside_running_loop()
        if not self._started:
            self.start()  # siphon runs the on_startup hooks before it accepts any request
        method = _check_method(method)
        target = _check_target(path)
        head = method == "HEAD"
        match = self._table.match(method, target.split("?", 1)[0])
        if match is None:
            return _plain_text(404, "Not Found", head)
        if isinstance(match, MethodNotAllowed):
            return _plain_text(405, "Method Not Allowed", head, [("allow", match.allow)])
        registration = loaded.registry.routes[match.route]
        params = dict(zip(registration.pattern.param_names, map(decode_param, match.values)))
        req = Request(method, target, _joined_headers(headers), body, path_params=params, client=client)
        with self._session():
            status, header_pairs, payload = self._run(loaded.routes[match.route], req)
        return _as_seen_by_client(status, header_pairs, payload, head)

    def get(self, path, *, headers=None, client="127.0.0.1:12345"):
        """request("GET", path, ...)."""
        return self.request("GET", path, headers=headers, client=client)

    def head(self, path, *, headers=None, client="127.0.0.1:12345"):
        """request("HEAD", path, ...)."""
        return self.request("HEAD", path, headers=headers, client=client)

    def delete(self, path, *, headers=None, body=None, client="127.0.0.1:12345"):
        """request("DELETE", path, ...)."""
        return self.request("DELETE", path, headers=headers, body=body, client=client)

    def options(self, path, *, headers=None, client="127.0.0.1:12345"):
        """request("OPTIONS", path, ...)."""
        return self.request("OPTIONS", path, headers=headers, client=client)

    def post(self, path, *, headers=None, body=None, client="127.0.0.1:12345"):
        """request("POST", path, ...)."""
        return self.request("POST", path, headers=headers, body=body, client=client)

    def put(self, path, *, headers=None, body=None, client="127.0.0.1:12345"):
        """request("PUT", path, ...)."""
        return self.request("PUT", path, headers=headers, body=body, client=client)

    def patch(self, path, *, headers=None, body=None, client="127.0.0.1:12345"):
        """request("PATCH", path, ...)."""
        return self.request("PATCH", path, headers=headers, body=body, client=client)

    # -- outbound http.Client calls -----------------------------------------

    def add_response(self, status=200, headers=None, body=None, *, client=None, url=None, method=None,
                     error=None, times=1):
        """Queue the answer to an outbound http.Client call.

        `status`, `headers` (dict or pairs), `body` (bytes, str or None) make
        the http.Response the call returns. Or `error`: an exception class or
        instance to raise instead, e.g. http.ClientTimeoutError (a class gets
        the message siphon would give).

        Which calls it answers: `client` (a name declared in clients=), `url`
        (the full URL after joining base_url; without a `?query` it answers
        any query) and `method`; each left None matches anything. Calls take
        the first matching answer in the order queued; it answers `times`
        calls (None: every one). A call no answer matches raises
        NoCannedResponseError in the script, and the harness raises it again
        when the request (or hook) returns, so a missing answer fails the test
        even if the script caught it.
        """
        self._transport.queue(status, headers, body, client=client, url=url, method=method, error=error,
                              times=times)

    @property
    def sent_requests(self):
        """Every outbound call the script made, in order, as SentRequest(method, url, path, headers, body, client, query)."""
        return self._transport.sent

    @property
    def unused_responses(self):
        """Queued answers no call has used up yet (assert it is empty to check every stub was needed)."""
        return self._transport.unused

    # -- the cache namespace ------------------------------------------------

    @property
    def cache(self):
        """The in-memory `cache` namespace scripts see: seed it with set_data(name, {...}), read it in asserts."""
        return self._cache

    def reset(self):
        """Forget what was sent, every canned answer, the captured logs and the cache's contents."""
        self._transport.clear()
        self._cache.clear()
        self.logs.clear()

    # -- internals ----------------------------------------------------------

    def _require_script(self):
        if self._loaded is None:
            raise RuntimeError("no script loaded: pass a path to HttpTestHarness(...) or call load_script(path)")
        return self._loaded

    @contextlib.contextmanager
    def _session(self):
        """While script code runs: its log lines and http.Client calls come to this harness."""
        try:
            with _log_sink.capture(self._record_log), activated(self._transport), _memory_cache.activated(self._cache):
                yield
        finally:
            unanswered, self._transport.unanswered = self._transport.unanswered, []
        if unanswered:
            raise unanswered[0]  # even if the script caught it: the test is missing a canned answer

    def _record_log(self, level, target, message):
        line = LogLine(level, target, message)
        self.logs.append(line)
        # Also to stderr, where pytest shows it beside a failing test.
        print(f"{line.level:5} {line.target}: {line.message}", file=sys.stderr)

    def _run(self, route, req):
        """(status, header pairs, body) for the route's composed callable, as the worker would send."""
        try:
            result = route.callable(req)
            if route.is_async and inspect.isawaitable(result):
                result = self._event_loop().run_until_complete(_awaited(result))
        except Exception as exc:  # noqa: BLE001 - any raise is a 500, as in siphon
            return self._failed(route.name, req, f"raised:\n{_script_traceback(exc)}")
        try:
            return wire_fields(result)
        except InvalidResult as why:
            return self._failed(route.name, req, str(why))

    def _failed(self, route_name, req, why):
        self._record_log("ERROR", "siphon.handler", failure_message(route_name, req, why))
        return 500, [_PLAIN_TEXT], _INTERNAL_ERROR_BODY

    def _event_loop(self):
        # One loop for the harness's lifetime, like a worker's: state a handler
        # keeps across requests (locks, queues) stays usable.
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop

    def _close_loop(self):
        loop, self._loop = self._loop, None
        if loop is None:
            return
        try:
            leftover = asyncio.all_tasks(loop)
            for task in leftover:
                task.cancel()
            if leftover:
                loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


_HARNESS_FILES = (os.path.abspath(__file__), os.path.dirname(os.path.abspath(asyncio.__file__)) + os.sep)


def _script_traceback(exc):
    """The traceback text siphon logs: from the script's first frame, without the harness's and asyncio's."""
    tb = exc.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(_HARNESS_FILES):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb)).rstrip("\n")


async def _awaited(awaitable):
    return await awaitable


def _refuse_inside_running_loop():
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError("HttpTestHarness.request() blocks; from a coroutine call it with "
                       "`await asyncio.to_thread(harness.request, ...)`")


def _check_method(method):
    if not isinstance(method, str) or not method:
        raise TypeError(f"method must be a non-empty str, not {method!r}")
    return method.upper()


def _check_target(path):
    if not isinstance(path, str):
        raise TypeError(f"path must be str, not {type(path).__name__}")
    if not path.startswith("/"):
        raise ValueError(f"path {path!r} must start with '/' (a request target, not a URL)")
    return path


def _joined_headers(headers):
    """Request headers as siphon builds them: lower-case names, repeats joined with ", "."""
    pairs = headers.items() if isinstance(headers, dict) else (headers or ())
    joined = {}
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError("header names and values must be str")
        name = name.lower()
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
    return joined


def _plain_text(status, text, head, extra=()):
    """The server's own short answers (404, 405), which never enter Python."""
    return _as_seen_by_client(status, [_PLAIN_TEXT, *extra], f"{text}\n".encode(), head)


def _as_seen_by_client(status, header_pairs, body, head):
    """The response after the server frames it and a client reads it."""
    headers = {}
    for name, value in header_pairs:
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    if is_bodiless(status):
        body = b""
    else:
        headers["content-length"] = str(len(body))
        if head:
            body = b""  # HEAD: the length of the body a GET would get, and no body
    return Response(status, headers, body)
