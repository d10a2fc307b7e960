"""http.Client's defaults and failure messages, from client_contract.json.

The host (src/client/contract.ts) reads the same file, so a message the
harness fakes for a canned error is the one the server would give.
"""
import json
import os

from ._client_errors import error_for

__all__ = ["DEFAULT_TIMEOUT_MS", "failure", "unreadable_file"]

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "client_contract.json"), encoding="utf-8") as _file:
    _CONTRACT = json.load(_file)

DEFAULT_TIMEOUT_MS = _CONTRACT["default_timeout_ms"]


def failure(name, **fields):
    """The ClientError (subclass) the failure `name` raises, with its message filled from `fields`."""
    entry = _CONTRACT["failures"][name]
    return error_for(entry["kind"], entry["text"].format(**fields))


def unreadable_file(what, path):
    """The ClientError for a TLS file that cannot be read, or None when it can."""
    absolute = os.path.abspath(path)
    try:
        with open(absolute, "rb"):
            return None
    except OSError as exc:
        import errno
        code = errno.errorcode.get(exc.errno, str(exc.errno)) if exc.errno else type(exc).__name__
        return failure("unreadable_file", what=what, path=absolute, code=code)
