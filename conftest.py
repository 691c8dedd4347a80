"""What every test folder shares (tests/ and plugins/*/tests): the in-process import switch and
the Hypothesis example counts of the quick run and the full run."""

from __future__ import annotations

import pytest


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
