"""SVG snapshots of the main screen, quick log, review and help at 80x24 and 120x40, and of
the review and export dialogs at 60x20.

The clock is frozen (conftest.NOW), the cursor does not blink and NO_COLOR is cleared.
Regenerate with: .venv/bin/pytest tests/tui/test_tui_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_main_screen(size, demo_pb, make_app, helpers, snap_compare):
    assert snap_compare(make_app(demo_pb), terminal_size=size, run_before=helpers.settled_after())


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_quick_log(size, demo_pb, make_app, helpers, snap_compare):
    assert snap_compare(make_app(demo_pb), terminal_size=size, run_before=helpers.settled_after("6"))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_review(size, demo_pb, make_app, helpers, snap_compare):
    assert snap_compare(make_app(demo_pb), terminal_size=size, run_before=helpers.settled_after("r"))


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_help(size, demo_pb, make_app, helpers, snap_compare):
    assert snap_compare(make_app(demo_pb), terminal_size=size, run_before=helpers.settled_after("question_mark"))


# At 60x20 the review's questions and the export's periods once were cut mid-word (issue 19).
NARROW = (60, 20)


def test_snapshot_review_60x20(demo_pb, make_app, helpers, snap_compare):
    assert snap_compare(make_app(demo_pb), terminal_size=NARROW, run_before=helpers.settled_after("r"))


def test_snapshot_export_60x20(demo_pb, make_app, helpers, snap_compare, monkeypatch):
    monkeypatch.chdir("/tmp")  # the default file name is under the working folder: a fixed one here
    assert snap_compare(make_app(demo_pb), terminal_size=NARROW, run_before=helpers.settled_after("e"))
