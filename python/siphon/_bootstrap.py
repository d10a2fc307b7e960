"""Interpreter set-up the addon runs once, before any script."""
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
