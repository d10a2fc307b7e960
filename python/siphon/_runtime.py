"""Whether we run inside the siphon process, and the native module if so."""
try:
    import _siphon_native as native  # built into the siphon addon
except ImportError:  # plain CPython: pytest, a REPL, an editor
    native = None

EMBEDDED = native is not None
