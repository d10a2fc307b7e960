"""siphon-http's Python API: ``from siphon import http, log``.

Inside the ``siphon`` process the request type and logger are native; in a
plain interpreter (pytest, a REPL) the same names are pure Python with the same
behaviour, so scripts can be unit-tested without a server (see siphon.testing).
"""
from . import http, log

__all__ = ["http", "log"]
