"""What every test folder shares (tests/ and plugins/*/tests): the in-process import switch and
the Hypothesis example counts of the quick run and the full run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings


@pytest.fixture
def imports_in_process(monkeypatch):
    """Every import in the test runs in the test's own process (Importing.in_child = False):
    the same reading, checking and all-or-nothing write, without the child's start-up (about
    half a second each). For tests of what an importer reads and says; a module opts in with
    ``pytestmark = pytest.mark.usefixtures("imports_in_process")``. The child itself (limits,
    kill, clean-up, its answers crossing the pipe) keeps its own tests, which use it as the
    app does: tests/test_import_child.py."""
    from painboard.importing import Importing

    monkeypatch.setattr(Importing, "in_child", False)


@pytest.fixture(scope="session")
def _built(tmp_path_factory) -> dict:
    return {}


@pytest.fixture
def built_once(_built, tmp_path_factory):
    """``copy(name, path, build)``: a database at ``path`` as ``build(path)`` leaves one, built
    the first time a test (of this worker) asks for ``name`` and copied, with its WAL, after
    that. For set-ups that take a second (a demo, many CLI steps); ``build`` must not depend on
    the test (its clock and zone are the same for every test asking for ``name``)."""
    def copy(name: str, path: Path, build) -> Path:
        if name not in _built:
            made = tmp_path_factory.mktemp("built") / path.name
            build(made)
            _built[name] = made
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        for suffix in ("", ".wal"):
            if Path(f"{_built[name]}{suffix}").exists():
                shutil.copy2(f"{_built[name]}{suffix}", f"{path}{suffix}")
        return path

    return copy


# -- Hypothesis: a unit test's share of examples in the quick run ------------------------------
# The quick run (`pytest -m "not system and not slow"`, the README's fast subset) tries QUICK
# examples per property (tests/conftest.py, examples()); the whole suite (`pytest`) tries each
# test's own count. `--hypothesis-profile=quick` or `=default` chooses either by hand.
QUICK = 20
settings.register_profile("quick", max_examples=QUICK)


def pytest_configure(config):
    deselects_slow = "not slow" in (config.getoption("markexpr", "") or "")
    if deselects_slow and not config.getoption("hypothesis_profile", None):
        settings.load_profile("quick")
