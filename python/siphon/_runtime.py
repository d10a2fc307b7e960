"""Whether we run inside the siphon process, and the native module if so."""
import json

try:
    from . import _native as native  # built into the siphon addon (native/py_module.cpp)
except ImportError:  # plain CPython: pytest, a REPL, an editor
    native = None

EMBEDDED = native is not None

_host_settings = None


def host_settings():
    """What the host tells Python about its config (src/runtime.ts pythonSettings):
    {"clients": {name: {"base_url", "timeout_ms"}}, "listen_addrs": [...], "include_paths": [...]}.
    Empty outside siphon."""
    global _host_settings
    if _host_settings is None:
        _host_settings = json.loads(native.client_config() or "{}") if native is not None else {}
    return _host_settings
