"""The dashboard as a person meets it (issue 19, "The dashboard" and item 6)."""

from __future__ import annotations

import shutil
from pathlib import Path

from painboard.config import Settings
from painboard.services import Painboard

REPO = Path(__file__).resolve().parents[2]
SIZE = (100, 32)


# -- item 6: a refused plugins folder is said in the dashboard too, once ------------------------
async def test_a_refused_plugins_folder_is_a_notice(demo_db, make_app, helpers, tmp_path, monkeypatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    shutil.copy(REPO / "examples" / "plugins" / "good_days.py", folder)
    folder.chmod(0o775)  # as made under umask 002
    monkeypatch.delenv("PAINBOARD_LOAD_PLUGINS", raising=False)
    app = make_app(Painboard(Settings.load(db=demo_db, plugins_dir=folder)))
    notes = helpers.said(app)  # kept as given: a toast leaves app._notifications when it expires
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: notes, what="the plugin notice")
        await helpers.settle(pilot)
        assert notes == [f"plugins folder refused: {folder} can be changed by its group (mode 0775); "
                         f"run 'chmod go-w {folder}' to use it; none of its plugins loaded"]


# -- item 10: u undoes today's latest rescue dose, as the README says ---------------------------
def _taken_today(pb, names):
    from painboard.store import repository as repo

    lo, hi = pb.day_bounds(pb.today())
    with pb.db.unit_of_work() as con:
        return [(e["id"], names[e["item_id"]], e["done_at"]) for e in repo.events(con, lo, hi)
                if e["item_id"] in names and e["status"] == "taken"]


async def test_u_with_a_scheduled_line_selected_undoes_todays_latest_rescue_dose(demo_pb, make_app, helpers):
    from datetime import datetime, timezone

    from painboard.tui.widgets.checklist import PlanChecklist

    names = {it.id: it.name for it in demo_pb.plan() if it.kind == "as_needed"}
    rescue = next(iter(names))
    # Two rescue doses today, the later one at 12:40 (the clock is at 14:05, UTC).
    demo_pb.mark_done(rescue, at=datetime(2026, 11, 28, 12, 40, tzinfo=timezone.utc))
    before = _taken_today(demo_pb, names)
    latest = max(before, key=lambda e: (e[2], e[0]))
    assert latest[2].hour == 12 and latest[2].minute == 40
    app = make_app(demo_pb)
    notes = helpers.said(app)  # kept as given: the toast lasts 5 s
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        line = app.query_one(PlanChecklist).selected_line
        assert line is not None and line.kind != "as_needed"
        await pilot.press("u")
        await helpers.until(pilot, lambda: notes, what="the undo notice")
        await helpers.settle(pilot)
        assert notes == [f"undone: today's latest as-needed dose, {latest[1]} at 12:40"]
    assert _taken_today(demo_pb, names) == [e for e in before if e != latest]


async def test_u_with_no_rescue_dose_today_says_so(demo_pb, make_app, helpers):
    from painboard.store import repository as repo

    names = {it.id: it.name for it in demo_pb.plan() if it.kind == "as_needed"}
    with demo_pb.db.unit_of_work(write=True) as con:
        for ev_id, _, _ in _taken_today(demo_pb, names):
            repo.delete_event(con, ev_id)
    app = make_app(demo_pb)
    notes = helpers.said(app)  # kept as given: the toast lasts 3 s
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        await pilot.press("u")
        await helpers.until(pilot, lambda: notes, what="the notice")
        await helpers.settle(pilot)
        assert notes == ["no as-needed dose recorded today: nothing to undo"]


# -- item 12: the narrow and the wide layouts -------------------------------------------------
async def _screen_after(app, helpers, size, *keys):
    """The screen after the keys, each opening a form: the form waited for, then settled."""
    async with app.run_test(size=size) as pilot:
        await helpers.settle(pilot)
        if keys:
            await pilot.press(*keys)
            await helpers.until(pilot, lambda: app.screen is not app.main_screen, what=f"the form of {keys}")
            await helpers.settle(pilot)
        return helpers.text(app)


async def test_review_at_60x20_words_every_question_whole(demo_pb, make_app, helpers):
    text = await _screen_after(make_app(demo_pb), helpers, (60, 20), "r")
    for label in ("Daily activity", "Mood", "Walking about", "Work, home jobs", "Time w/ others",
                  "Sleep", "Enjoying life"):
        assert f"{label:<15} 0-10" in text, (label, text)  # whole, never cut
    assert "Getting on with " not in text and "Work, including " not in text
    assert "Got in the way (0-10)" in text
    assert "Enter save · Tab next · Esc cancel · relief by 10s" in text


async def test_review_at_80x24_keeps_the_full_questions(demo_pb, make_app, helpers):
    text = await _screen_after(make_app(demo_pb), helpers, (80, 24), "r")
    assert "Work, including jobs around the home 0-10" in text and "Getting on with things in general" in text


async def test_export_at_60x20_shows_every_period(demo_pb, make_app, helpers):
    text = await _screen_after(make_app(demo_pb), helpers, (60, 20), "e")
    assert "( ) 7d  (•) 30d  ( ) 90d  ( ) 1y  ( ) all" in text
    assert "Enter exports · ctrl+s export · Tab next · Esc cancel" in text


async def test_at_120x40_recent_entries_get_the_room_the_plan_does_not_need(demo_pb, make_app, helpers):
    text = await _screen_after(make_app(demo_pb), helpers, (120, 40))
    assert "│ [+] Oxycodone IR 5 mg, as needed (1 of 4 today) │" in text  # the plan's longest line, whole
    rows = text.splitlines()
    # The 12:45 entry (left hip, aching, while sitting): its details go on under it, uncut.
    at = next(i for i, row in enumerate(rows) if "12:45  3/10  left hip · aching" in row)
    assert rows[at + 1].rstrip().endswith("│" + " " * 19 + "sitting")
    assert "achi…" not in text


async def test_header_says_when_the_score_was_given_even_narrow_and_read_only(demo_db, make_app, helpers):
    ro = Painboard(Settings.load(db=demo_db, read_only=True))
    text = await _screen_after(make_app(ro), helpers, (60, 20))
    top = text.splitlines()[0]
    assert top.startswith(" painboard  14:05") and "now 4/10 ·13:10  ●live" in top, top
