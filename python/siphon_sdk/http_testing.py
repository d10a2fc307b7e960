"""siphon_sdk.http_testing.HttpTestHarness: the Rust SDK's harness API over siphon.testing's.

    harness = HttpTestHarness()
    harness.add_response(MockResponse(status=200, body=b'{"name":"alice"}'))
    harness.load_script("rest_api.py")
    resp = harness.request("GET", "/users/42")
    assert harness.sent_requests[0]["path"] == "/v1/users/42"

Requests are answered as the siphon server answers them (routing, 404/405,
HEAD, the return rules), which is where it differs from the Rust SDK's mock:
see docs/coming-from-rust.md. Every method of siphon.testing.HttpTestHarness
is available too.
"""
import os
import tempfile
import weakref
from urllib.parse import urlencode

from siphon import http as _http
from siphon import testing as _testing

from .http import MockResponse

__all__ = ["HttpTestHarness"]

# Keys of `config` the harness uses: http.yaml's clients and servers, siphon.yaml's cache list.
_CONFIG_KEYS = ("clients", "servers", "cache")

_live = []  # weak references to the harnesses made, oldest first (mock_module)


def live_harnesses():
    """The harnesses still in use, oldest first."""
    _live[:] = [ref for ref in _live if ref() is not None]
    return [ref() for ref in _live if ref() is not None]


class CapturedLog:
    """harness.log: what the script logged. `messages` as (level, message) pairs, levels lower-case."""

    def __init__(self, lines):
        self._lines = lines

    @property
    def messages(self):
        """[("info", "text"), ...] in order."""
        return [(line.level.lower(), line.message) for line in self._lines]

    @property
    def lines(self):
        """The siphon.testing.LogLine entries (level, target, message)."""
        return list(self._lines)

    def clear(self):
        """Forget the captured lines."""
        self._lines.clear()


class HttpTestHarness(_testing.HttpTestHarness):
    """HttpTestHarness(config=None): `config` holds http.yaml's `clients` and `servers` and siphon.yaml's `cache` list.

    An outbound call with no queued answer gets 200 with an empty body, as in
    the Rust SDK (siphon.testing's own harness raises instead).
    """

    def __init__(self, config=None):
        config = dict(config or {})
        unknown = sorted(set(config) - set(_CONFIG_KEYS))
        if unknown:
            raise ValueError(f"HttpTestHarness config: unsupported keys {unknown} (supported: {', '.join(_CONFIG_KEYS)})")
        caches = {entry["name"]: {k: v for k, v in entry.items() if k != "name"} for entry in config.get("cache") or []}
        super().__init__(clients=config.get("clients"), caches=caches)
        self._transport.listen_addrs = [server["listen"] for server in config.get("servers") or []]
        self._answer_by_default()
        self._sources = tempfile.TemporaryDirectory(prefix="siphon-sdk-")
        _live.append(weakref.ref(self))

    def _answer_by_default(self):
        self._transport.default = self._transport.canned(200, None, b"", times=None)

    def add_response(self, response=200, headers=None, body=None, **match):
        """Queue `response` (a MockResponse, or status, headers, body as siphon.testing takes them) for the next outbound call."""
        if isinstance(response, _http.Response):
            response, headers, body = response.status, response.headers, response.body
        super().add_response(response, headers, body, **match)

    def set_response(self, path, response):
        """Answer every outbound call to `path` (the URL's path) with `response` once the queue is empty."""
        self._transport.set_path_response(path, response.status, response.headers, response.body)

    def load_source(self, source, name="script.py"):
        """Load a script given as text (written to a temporary file named `name`)."""
        path = os.path.join(self._sources.name, os.path.basename(name) or "script.py")
        with open(path, "w", encoding="utf-8") as file:
            file.write(source)
        return self.load_script(path)

    def run_startup(self):
        """Run the on_startup hooks (start())."""
        self.start()

    def request(self, method="GET", path="/", *, headers=None, body=None, query_params=None,
                client="127.0.0.1:12345"):
        """Answer `method path` (query_params appended to its query) as siphon would; returns a MockResponse."""
        if query_params:
            path = f"{path}{'&' if '?' in path else '?'}{urlencode(query_params)}"
        answer = super().request(method, path, headers=headers, body=body, client=client)
        return MockResponse(answer.status, answer.headers, answer.body)

    def reset(self):
        """Forget what was sent, the canned answers, the captured log and the cache's contents."""
        super().reset()
        self._answer_by_default()

    def close(self):
        """Run the on_shutdown hooks if started, and release the harness."""
        self.stop()
        self._sources.cleanup()

    @property
    def log(self):
        """The captured log: .messages as (level, message) pairs, .lines, .clear()."""
        return CapturedLog(self.logs)
