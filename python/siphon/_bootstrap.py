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


def configure(venv):
    """Run once at start-up: the virtualenv, script.include_paths, and `logging` routed to the host logger."""
    from ._runtime import host_settings, native

    if venv:
        add_virtualenv(venv)
    add_include_paths(host_settings().get("include_paths", []))
    root = logging.getLogger()
    root.handlers[:] = [_HostLogHandler(native.log)]
    host_level = native.log_level()
    root.setLevel({10: logging.DEBUG, 20: logging.INFO, 30: logging.WARNING}.get(host_level, logging.ERROR))
