"""Loading (and reloading) the user's script, and running its hooks.

Runs on siphon's control thread (native/control_thread.cpp).
"""
import asyncio
import importlib.util
import inspect
import json
import os
import sys
import sysconfig

from . import _registry
from ._chain import compose

__all__ = ["LoadedScript", "load", "run_hooks"]


class RouteSpec:
    """One route as the native dispatcher sees it."""

    __slots__ = ("path", "methods", "callable", "is_async", "name", "param_names")

    def __init__(self, registration, middleware):
        self.path = registration.pattern.path
        self.methods = registration.methods
        self.name = registration.name
        self.param_names = registration.pattern.param_names
        self.callable, self.is_async = compose(middleware, registration)


class LoadedScript:
    def __init__(self, path, module, registry):
        self.path = path
        self.module = module
        self.registry = registry
        self.routes = [RouteSpec(r, registry.middleware) for r in registry.routes]

    def describe(self):
        """The route table the JS router builds from, as JSON."""
        return json.dumps({
            "routes": [
                {"path": r.path, "methods": list(r.methods), "name": r.name,
                 "kind": "async" if r.is_async else "sync", "params": list(r.param_names)}
                for r in self.routes
            ],
            "middleware": [_registry.callable_name(m) for m in self.registry.middleware],
            "startup": [_registry.callable_name(h) for h in self.registry.startup],
            "shutdown": [_registry.callable_name(h) for h in self.registry.shutdown],
        })


def _module_name(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    clean = "".join(c if c.isalnum() or c == "_" else "_" for c in stem) or "script"
    if clean[0].isdigit() or clean in sys.stdlib_module_names or clean == "siphon":
        clean = f"siphon_script_{clean}"
    existing = sys.modules.get(clean)
    if existing is not None and getattr(existing, "__siphon_script__", None) is None:
        clean = f"siphon_script_{clean}"
    return clean


def _forget_local_modules(script_dir):
    """Drop modules imported from the script's own folder so a reload re-imports them."""
    site_dirs = {os.path.realpath(p) for p in sysconfig.get_paths().values() if p}
    root = os.path.realpath(script_dir) + os.sep
    for name, module in list(sys.modules.items()):
        filename = getattr(module, "__file__", None)
        if not filename:
            continue
        real = os.path.realpath(filename)
        if real.startswith(root) and not any(real.startswith(d + os.sep) for d in site_dirs) \
                and "site-packages" not in real:
            del sys.modules[name]


_loaded_once = set()


def load(path):
    """Import the script into a fresh module and collect what it registered."""
    path = os.path.abspath(path)
    script_dir = os.path.dirname(path)
    if script_dir not in sys.path:
        sys.path.insert(0, script_dir)
    if path in _loaded_once:
        _forget_local_modules(script_dir)
    name = _module_name(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path} as a Python module")
    module = importlib.util.module_from_spec(spec)
    module.__siphon_script__ = path
    registry = _registry.Registry()
    previous_registry = _registry.activate(registry)
    previous_module = sys.modules.get(name)
    sys.modules[name] = module  # dataclasses, pickle and typing look scripts up here
    try:
        spec.loader.exec_module(module)
    except BaseException:
        if previous_module is not None:
            sys.modules[name] = previous_module
        else:
            sys.modules.pop(name, None)
        raise
    finally:
        _registry.activate(previous_registry)
    _loaded_once.add(path)
    return LoadedScript(path, module, registry)


_hook_loop = None


def _run(result):
    """Run an awaitable from a hook on the control thread's own loop."""
    global _hook_loop
    if _hook_loop is None:
        _hook_loop = asyncio.new_event_loop()
    return _hook_loop.run_until_complete(result)


def run_hooks(loaded, kind):
    """Run on_startup hooks (the first failure raises) or on_shutdown hooks (all run)."""
    from . import log

    hooks = loaded.registry.startup if kind == "startup" else loaded.registry.shutdown
    for hook in hooks:
        try:
            result = hook()
            if inspect.isawaitable(result):
                _run(result)
        except BaseException:
            if kind == "startup":
                raise
            import traceback
            log.error("on_shutdown hook %s raised:\n%s", _registry.callable_name(hook),
                      traceback.format_exc().rstrip())
