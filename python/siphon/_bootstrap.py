"""Interpreter set-up the addon runs once, before any script."""
import logging
import os
import site
import sys


def add_virtualenv(venv):
    """Put `venv`'s site-packages first on sys.path (VIRTUAL_ENV / script.python.venv)."""
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    candidates = [
        os.path.join(venv, "lib", version, "site-packages"),
        os.path.join(venv, "lib64", version, "site-packages"),
    ]
    found = [path for path in candidates if os.path.isdir(path)]
    if not found:
        raise FileNotFoundError(
            f"no {version} site-packages under {os.path.abspath(venv)} "
            f"(was the virtualenv made with a different Python?)"
        )
    before = list(sys.path)
    for path in found:
        site.addsitedir(path)
    added = [path for path in sys.path if path not in before]
    sys.path[:] = added + [path for path in sys.path if path not in added]


class _HostLogHandler(logging.Handler):
    """Sends `logging` records through siphon's logger (same format, level, stream)."""

    def __init__(self, emit):
        super().__init__()
        self._emit = emit
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record):
        try:
            level = 40 if record.levelno >= logging.ERROR else 30 if record.levelno >= logging.WARNING \
                else 20 if record.levelno >= logging.INFO else 10
            self._emit(level, record.name, self.format(record))
        except Exception:  # a logging failure must never break a handler
            self.handleError(record)


def add_include_paths(paths):
    """Put script.include_paths first on sys.path, in their order (the script's own folder goes before them at load)."""
    sys.path[:] = list(paths) + [path for path in sys.path if path not in paths]


def _keep_signals_with_the_host():
    """Refuse signal handlers on Python's main thread, which is the host's.

    Scripts run on siphon's worker threads, where CPython refuses them by
    itself; but an `async def` handler may take its first step on the JS
    thread (Python's main thread), and a handler installed there would take
    SIGTERM or SIGINT away from siphon's graceful shutdown.
    """
    import signal
    import threading

    def guarded(original):
        def refuse(*args, **kwargs):
            if threading.current_thread() is threading.main_thread():
                raise ValueError(
                    f"signal.{original.__name__}() is not available in siphon: the host owns signals "
                    f"(use @http.on_shutdown for cleanup)"
                )
            return original(*args, **kwargs)
        refuse.__name__ = original.__name__
        refuse.__doc__ = original.__doc__
        return refuse

    signal.signal = guarded(signal.signal)
    signal.set_wakeup_fd = guarded(signal.set_wakeup_fd)


def configure(venv):
    """Run once at start-up: the virtualenv, script.include_paths, signals, and `logging` routed to the host logger."""
    from ._runtime import host_settings, native

    if venv:
        add_virtualenv(venv)
    add_include_paths(host_settings().get("include_paths", []))
    _keep_signals_with_the_host()
    root = logging.getLogger()
    root.handlers[:] = [_HostLogHandler(native.log)]
    host_level = native.log_level()
    root.setLevel({10: logging.DEBUG, 20: logging.INFO, 30: logging.WARNING}.get(host_level, logging.ERROR))
