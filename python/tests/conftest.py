"""Shared fixtures for the siphon package's own tests (python3 -m pytest python/tests)."""
import textwrap

import pytest

from siphon.testing import HttpTestHarness


@pytest.fixture
def write_script(tmp_path):
    """write_script(source, name="script.py") -> path of a script with that (dedented) source."""
    def write(source, name="script.py"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(source))
        return str(path)
    return write


@pytest.fixture
def harness_for(write_script):
    """harness_for(source, **kwargs) -> a started HttpTestHarness over that script, stopped afterwards."""
    opened = []

    def make(source, **kwargs):
        harness = HttpTestHarness(write_script(source), **kwargs)
        harness.start()
        opened.append(harness)
        return harness
    yield make
    for harness in opened:
        harness.stop()
