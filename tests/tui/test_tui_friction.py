"""Issue 11, item 6: friction in the dashboard. Pilot tests driven by real keys on a real
demo database: errors in the form's words, the pattern picked from a list, the export dialog's
focus and period marker, the chart's bands and today mark, lines that keep their meaning at
80x24, the read-only session's footer and its message without a database, the palette, and a
footer that fits at 60x20."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from textual.widgets import Input, Select

from painboard.errors import BadInput
from painboard.tui.dialogs.base import FIELD_LABELS, in_user_words
from painboard.tui.dialogs.log_entry import LogEntryDialog
from painboard.tui.dialogs.review import ReviewDialog
from painboard.tui.screens.main import MainScreen

NOW = datetime(2026, 11, 28, 14, 5, tzinfo=timezone.utc)  # as in conftest.py
SIZE = (80, 24)


# -- form errors in the user's words ------------------------------------------------------

def test_errors_name_the_label_and_drop_pydantic_wording():
    from painboard.models import DailyReview, PainEntry, utcnow

    with pytest.raises(BadInput) as bad:
        PainEntry.build(occurred_at=utcnow(), intensity=3, pattern="sometimes")
    text = in_user_words(bad.value)
    assert text == "Pattern: choose constant, intermittent or on movement"
    with pytest.raises(BadInput) as bad:
        DailyReview.build(day=NOW.date(), relief_pct=15)
    assert in_user_words(bad.value) == "Relief from treatment %: must be 0 to 100 in steps of 10 (got 15)"
    with pytest.raises(BadInput) as bad:
        DailyReview.build(day=NOW.date(), interference={"sleep": 12})
    assert in_user_words(bad.value) == "How much pain got in the way: Sleep: must be a whole number from 0 to 10 (got 12)"
    with pytest.raises(BadInput) as bad:
        DailyReview.build(day=NOW.date(), worst=3, least=5)
    assert in_user_words(bad.value) == "Least in the last 24 h: is higher than worst in the last 24 h"


async def test_every_label_in_the_mapping_is_the_one_the_form_shows(demo_pb, make_app, helpers):
    """One mapping for every dialog: each field's label there is the Label text its form shows."""
    from textual.widgets import Label

    app = make_app(demo_pb)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.settle(pilot)
        shown: dict[str, str] = {}
        for key in ("l", "r", "b"):
            await pilot.press(key)
            await helpers.settle(pilot)
            for row in app.screen.query(".row"):
                labels, fields = list(row.query(Label)), [w for w in row.children if w.id]
                if labels and fields:
                    shown[fields[0].id] = str(labels[0].render())
            await pilot.press("escape")
            await helpers.settle(pilot)
    for fid in ("intensity", "at", "pattern", "sites", "qualities", "activity", "worse", "better", "note",
                "worst", "least", "average", "now", "relief_pct", "peak"):
        assert shown[fid] == FIELD_LABELS[fid], fid
    assert shown["duration"] == FIELD_LABELS["duration_min"]


async def test_review_error_uses_the_label_not_the_field_name(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("r")
        await helpers.settle(pilot)
        app.screen.query_one("#relief_pct", Input).focus()
        await pilot.press(*"55", "enter")
        await helpers.settle(pilot)
        text = helpers.text(app)
        assert isinstance(app.screen, ReviewDialog)
        assert "Relief from treatment %: must be 0 to 100 in steps of 10 (got 55)" in text
        assert "relief_pct" not in text


async def test_quick_log_error_uses_the_label(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("1", "2", "enter")
        await pilot.pause()
        text = helpers.text(app)
        assert "Pain (0-10): must be a whole number from 0 to 10 (got 12)" in text
        assert "intensity" not in text


# -- pattern from a list ------------------------------------------------------------------

async def test_pattern_is_picked_from_three_by_keys_alone(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("l")
        assert isinstance(app.screen, LogEntryDialog)
        pattern = app.screen.query_one("#pattern", Select)
        assert [v for _, v in pattern._options if isinstance(v, str)] == ["constant", "intermittent", "on movement"]
        await pilot.press("5", "tab", *"9:30", "tab")
        assert app.focused is pattern
        await pilot.press("enter", "down", "down", "enter")  # the list: not said, constant, intermittent
        await pilot.pause()
        assert pattern.value == "intermittent"
        await pilot.press("tab", *"ribs", "enter")
        await helpers.settle(pilot)
        assert isinstance(app.screen, MainScreen)
    rows = [e for e in demo_pb.entries(since=NOW.date()) if e["intensity"] == 5 and e["sites"] == ["ribs"]]
    assert len(rows) == 1 and rows[0]["pattern"] == "intermittent"
    assert rows[0]["occurred_at"].strftime("%H:%M") == "09:30"
