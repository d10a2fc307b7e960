"""Where siphon.log lines go outside the siphon process: stderr, or whoever captures them.

Inside siphon they go to the host's logger instead (log.py picks).
"""
import contextlib
import sys
import threading

__all__ = ["emit", "capture"]

_NAMES = {10: "DEBUG", 20: "INFO", 30: "WARN", 40: "ERROR"}
_capturers = []
_lock = threading.Lock()


def emit(level, target, message):
    """One log line: to the innermost capture, else to stderr."""
    with _lock:
        record = _capturers[-1] if _capturers else None
    name = _NAMES.get(level, "ERROR")
    if record is not None:
        record(name, target, message)
    else:
        print(f"{name:5} {target}: {message}", file=sys.stderr)


@contextlib.contextmanager
def capture(record):
    """While the block runs, every line is passed to record(level_name, target, message) instead."""
    with _lock:
        _capturers.append(record)
    try:
        yield
    finally:
        with _lock:
            _capturers.remove(record)
