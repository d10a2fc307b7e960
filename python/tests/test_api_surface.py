"""The pure-Python API matches its stubs and the package version matches package.json.

Editors complete from the .pyi files: a member added to siphon.http, log or
testing without its stub (or the other way round) fails here.
"""
import ast
import inspect
import json
import tomllib
from pathlib import Path

import pytest

from siphon import http, log, testing

PACKAGE = Path(http.__file__).parent
REPO = PACKAGE.parent.parent


def stub_names(module):
    """{name: (methods, attributes) for classes, or None for functions} from the module's .pyi."""
    tree = ast.parse((PACKAGE / f"{module.__name__.rsplit('.', 1)[1]}.pyi").read_text())
    names = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names[node.name] = None
        elif isinstance(node, ast.ClassDef):
            methods = {item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
            attributes = {item.target.id for item in node.body if isinstance(item, ast.AnnAssign)}
            names[node.name] = (methods, attributes)
    return names


_DUNDERS = {"__init__", "__enter__", "__exit__", "__aenter__", "__aexit__"}


def own_members(cls):
    """Public names `cls` defines itself (not inherited from object, tuple or the exception bases)."""
    if issubclass(cls, tuple):  # a NamedTuple: its fields
        return set(cls._fields)
    names = set()
    for klass in cls.__mro__:
        if klass.__module__ == "builtins":
            break
        names |= {name for name in vars(klass) if not name.startswith("_") or name in _DUNDERS}
    return names


@pytest.mark.parametrize("module", [http, log, testing], ids=lambda m: m.__name__)
def test_every_public_name_has_a_stub(module):
    stubs = stub_names(module)
    assert sorted(stubs) == sorted(module.__all__)
    for name, members in stubs.items():
        if members is None:
            continue
        methods, attributes = members
        real = own_members(getattr(module, name))
        assert real <= methods | attributes, f"{module.__name__}.{name}: no stub for {sorted(real - methods - attributes)}"
        assert methods <= real, f"{module.__name__}.{name}: stubs for missing members {sorted(methods - real)}"


@pytest.mark.parametrize("module", [http, log, testing], ids=lambda m: m.__name__)
def test_every_public_member_is_documented(module):
    for name in module.__all__:
        obj = getattr(module, name)
        assert inspect.getdoc(obj), f"{module.__name__}.{name} has no docstring"
        if inspect.isclass(obj) and not issubclass(obj, tuple):
            for member, value in vars(obj).items():
                if not member.startswith("_") and (inspect.isfunction(value) or isinstance(value, property)):
                    assert inspect.getdoc(value), f"{name}.{member} has no docstring"


def test_package_version_follows_package_json():
    pyproject = tomllib.loads((REPO / "python" / "pyproject.toml").read_text())
    package_json = json.loads((REPO / "package.json").read_text())
    assert pyproject["project"]["version"] == package_json["version"]
