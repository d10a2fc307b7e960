"""Whether we run inside the siphon process, and the native module if so."""
try:
    from . import _native as native  # built into the siphon addon (native/py_module.cpp)
except ImportError:  # plain CPython: pytest, a REPL, an editor
    native = None

EMBEDDED = native is not None
