"""siphon_sdk.mock_module, for tests that call install() before loading a script.

With siphon's package the real `siphon` module is already what scripts import
outside the server, so install() only returns it. reset() resets every live
siphon_sdk harness.
"""
import siphon

from . import http_testing

__all__ = ["install", "reset", "get_log", "get_cache"]


def install():
    """Return the `siphon` module scripts import (nothing to install: it is siphon's own)."""
    return siphon


def reset():
    """Forget sent requests, canned answers, logs and cache contents of every live harness."""
    for harness in http_testing.live_harnesses():
        harness.reset()


def _latest():
    harnesses = http_testing.live_harnesses()
    if not harnesses:
        raise RuntimeError("no siphon_sdk HttpTestHarness exists yet")
    return harnesses[-1]


def get_log():
    """The captured log of the most recent harness."""
    return _latest().log


def get_cache():
    """The in-memory cache of the most recent harness."""
    return _latest().cache
