"""siphon_sdk, as far as tests written for the Rust siphon-http use it, on top of siphon.testing.

    from siphon_sdk.http_testing import HttpTestHarness
    from siphon_sdk.http import MockResponse

If siphon-sip's own SDK (`pip install siphon-sip`) can be imported from
anywhere else on sys.path, it is used instead of this package, whichever
comes first on the path: its mocks are what those tests were written for.
See docs/coming-from-rust.md.
"""
import importlib.machinery
import importlib.util
import os
import sys


def _real_sdk():
    """The spec of a siphon_sdk outside this folder's parent, or None."""
    ours = os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    elsewhere = [entry for entry in sys.path
                 if isinstance(entry, str) and os.path.realpath(entry or os.curdir) != ours]
    return importlib.machinery.PathFinder.find_spec(__name__, elsewhere)


_spec = _real_sdk()
if _spec is not None:
    # The import system returns whatever sys.modules holds under our name once
    # this file has run, so the real SDK replaces us for every importer.
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[__name__] = _module
    _spec.loader.exec_module(_module)
else:
    __all__ = ["http", "http_testing", "mock_module"]
