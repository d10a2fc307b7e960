"""Log through siphon's own logger: same level filter and format as its lines.

    from siphon import log
    log.info("registered trunk %s", trunk_id)
"""
import sys

from ._runtime import native as _native

__all__ = ["debug", "info", "warn", "warning", "error"]

DEBUG, INFO, WARN, ERROR = 10, 20, 30, 40
_NAMES = {DEBUG: "DEBUG", INFO: "INFO", WARN: "WARN", ERROR: "ERROR"}


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
    _sink = []  # siphon.testing captures lines here

    def _emit(level, target, message):
        if _sink:
            _sink[-1].append((_NAMES[level], target, message))
        else:
            print(f"{_NAMES[level]:5} {target}: {message}", file=sys.stderr)

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
