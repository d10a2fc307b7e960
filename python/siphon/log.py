"""Log through siphon's own logger: same level filter and format as its lines.

    from siphon import log
    log.info("registered trunk %s", trunk_id)
"""
import sys

from ._runtime import native as _native

__all__ = ["debug", "info", "warn", "warning", "error"]

DEBUG, INFO, WARN, ERROR = 10, 20, 30, 40


def _caller_module(depth):
    try:
        return sys._getframe(depth).f_globals.get("__name__", "script")
    except (AttributeError, ValueError):
        return "script"


def _format(msg, args):
    text = str(msg)
    if args:
        try:
            text = text % args
        except (TypeError, ValueError):
            text = " ".join([text, *map(str, args)])
    return text


if _native is not None:
    _emit = _native.log
    _level = _native.log_level
else:
    from ._log_sink import emit as _emit

    def _level():
        return DEBUG


def _log(level, msg, args):
    if level >= _level():
        _emit(level, _caller_module(3), _format(msg, args))


def debug(msg, *args):
    """Log `msg` at debug level; `msg % args` when args are given."""
    _log(DEBUG, msg, args)


def info(msg, *args):
    """Log `msg` at info level; `msg % args` when args are given."""
    _log(INFO, msg, args)


def warn(msg, *args):
    """Log `msg` at warn level (log.warning is the same); `msg % args` when args are given."""
    _log(WARN, msg, args)


warning = warn


def error(msg, *args):
    """Log `msg` at error level; `msg % args` when args are given."""
    _log(ERROR, msg, args)
