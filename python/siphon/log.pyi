"""Type stubs for siphon.log: lines go through siphon's logger (level filter and format)."""

def debug(msg: object, *args: object) -> None:
    """Log at debug level; `msg % args` when args are given."""

def info(msg: object, *args: object) -> None:
    """Log at info level; `msg % args` when args are given."""

def warn(msg: object, *args: object) -> None:
    """Log at warn level; `msg % args` when args are given."""

def warning(msg: object, *args: object) -> None:
    """Same as warn()."""

def error(msg: object, *args: object) -> None:
    """Log at error level; `msg % args` when args are given."""
