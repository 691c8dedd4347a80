"""Pilot tests for every dashboard flow: they check the database rows and what the screen shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.widgets import Input, Select

from painboard.tui.dialogs.episode import EpisodeDialog
from painboard.tui.dialogs.log_entry import LogEntryDialog
from painboard.tui.dialogs.review import ReviewDialog
from painboard.tui.screens.help import HelpScreen
from painboard.tui.screens.main import MainScreen
from painboard.tui.widgets.checklist import PlanChecklist
from painboard.tui.widgets.quick_log import QuickScore

from .conftest import PATIENCE
from datetime import datetime, timezone  # noqa: E402

NOW = datetime(2026, 11, 28, 14, 5, tzinfo=timezone.utc)  # as in conftest.py

SIZE = (80, 24)


async def start(app, helpers, size=SIZE):
    ctx = app.run_test(size=size)
    pilot = await ctx.__aenter__()
    await helpers.settle(pilot)
    return ctx, pilot


def latest(pb):
    return pb.entries(newest_first=True, limit=1)[0]


async def test_main_screen_shows_chart_today_and_plan(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        text = helpers.text(app)
        assert "now 4/10" in text
        assert "Pain, 30 days" in text and "[30d]" in text
        assert "━" in text and "✱" in text  # the average line and breakthrough days
        today = app.snapshot.today
        assert f"average {today.average}  worst {today.worst}" in text and today.worst == 6
        assert "rescue doses" in text and "night pain:" in text
        assert "Morphine SR 30 mg" in text and "Oxycodone IR 5 mg, as needed" in text
        assert "0-9 log" in text and "q quit" in text


async def test_quick_log_digit_then_enter_saves(demo_pb, make_app, helpers):
    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        assert helpers.quick_score(app) == "0-10"  # the line is there before any digit
        await pilot.press("6")
        assert isinstance(app.screen, MainScreen)  # no form: the score is on the dashboard's line
        assert helpers.quick_score(app) == "6"
        await helpers.until(pilot, lambda: isinstance(app.focused, QuickScore), what="the focus on the line")
        await pilot.press("enter")
        await helpers.settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert demo_pb.counts()["pain_entry"] == before + 1
        assert latest(demo_pb)["intensity"] == 6
        assert "now 6/10" in helpers.text(app)
        assert helpers.quick_score(app) == "0-10"  # free for the next score
        assert isinstance(app.focused, PlanChecklist)  # the dashboard has the keys again


async def test_logged_entry_reaches_the_main_screen_as_a_message(demo_pb, make_app, helpers):
    """The main screen handles EntryLogged itself: a 10 raises today's worst before any refresh."""
    from painboard.tui.messages import EntryLogged
    from painboard.tui.widgets.today import TodayPanel

    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        panel = app.screen.query_one(TodayPanel)
        before = panel.today
        entry = demo_pb.log_pain(intensity=10, occurred_at=NOW)
        app.screen.post_message(EntryLogged(entry))
        await pilot.pause()
        assert panel.today.worst == 10 and panel.today.entries == before.entries + 1
        assert app.screen.query_one("#header").now_score == 10


@pytest.mark.slow
async def test_quick_log_optional_fields_by_tab(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("7", "tab", *"ribs", "tab", *"sharp,burn", "tab", *"walk",
                          "tab", *"cough", "tab", *"rest", "tab", *"20", "tab", *"ok", "enter")
        # the keys after Tab wait for the form and Enter saves on a later turn: the entry, then settle
        await helpers.until(pilot, lambda: latest(demo_pb)["note"] == "ok", what="the entry saved")
        await helpers.settle(pilot)
        e = latest(demo_pb)
        assert (e["intensity"], e["sites"], e["qualities"], e["activity"]) == (7, ["ribs"], ["sharp", "burning"], "walk")
        assert (e["worse"], e["better"], e["duration_min"], e["note"]) == (["cough"], ["rest"], 20, "ok")


async def test_quick_log_escape_cancels(demo_pb, make_app, helpers):
    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("3", "escape")
        # the Esc typed after the digit waits for the line to have the focus (a frame later)
        await helpers.until(pilot, lambda: helpers.quick_score(app) == "0-10", what="the line cleared")
        await helpers.settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert helpers.quick_score(app) == "0-10" and isinstance(app.focused, PlanChecklist)
        assert demo_pb.counts()["pain_entry"] == before


async def test_quick_log_bad_score_keeps_the_form(demo_pb, make_app, helpers):
    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("1", "2", "tab", *"ribs", "enter")
        # the keys after Tab wait for the form, then its Enter: the refusal in the form
        await helpers.until(pilot, lambda: isinstance(app.screen, LogEntryDialog) and "0 to 10" in helpers.text(app),
                            what="the refusal in the form")
        assert isinstance(app.screen, LogEntryDialog)
        assert "Pain (0-10)" in helpers.text(app) and "0 to 10" in helpers.text(app)
        assert app.screen.query_one("#intensity", Input).value == "12"
        assert app.screen.query_one("#sites", Input).value == "ribs"  # what was typed is kept
        assert app.focused.id == "intensity"
        assert demo_pb.counts()["pain_entry"] == before


@pytest.mark.slow
async def test_full_log_form_with_time(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("l")
        await helpers.until(pilot, lambda: isinstance(app.screen, LogEntryDialog), what="the log form")
        assert app.screen.full
        await pilot.press("5", "tab", *"9:30", "tab", "enter")
        # the pattern's list opens on the Enter's turn: the keys for it only once it is open
        pattern = app.screen.query_one("#pattern", Select)
        await helpers.until(pilot, lambda: pattern.expanded, what="the pattern's list")
        await pilot.press("down", "enter")
        await helpers.until(pilot, lambda: pattern.value == "constant" and not pattern.expanded, what="constant")
        await pilot.press("tab", *"ribs", "enter")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="the form saved")
        await helpers.settle(pilot)
        rows = [e for e in demo_pb.entries(since=NOW.date()) if e["intensity"] == 5 and e["sites"] == ["ribs"]]
        assert len(rows) == 1
        assert rows[0]["occurred_at"].strftime("%H:%M") == "09:30" and rows[0]["pattern"] == "constant"


async def test_breakthrough_start_rescue_and_end(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("b")
        # pushed is not yet drawn nor focused: its peak field has the keys once it has the focus
        await helpers.until(pilot, lambda: isinstance(app.screen, EpisodeDialog) and app.focused is not None
                            and app.focused.id == "peak", what="episode dialog")
        # focused on mount; drawn once the dialog is laid out, a frame later
        await helpers.until(pilot, lambda: "started 14:05" in helpers.text(app), what="the dialog drawn")
        await pilot.press("8", "enter")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="the episode saved")
        await helpers.settle(pilot)
        ep = demo_pb.open_episode()
        assert ep is not None and ep["peak"] == 8 and ep["onset"] == NOW
        assert "episode since 14:05, peak 8" in helpers.text(app)
        # Tick a rescue dose meanwhile: the as-needed line.
        checklist = app.screen.query_one(PlanChecklist)
        idx = next(i for i, l in enumerate(checklist.lines) if l.kind == "as_needed")
        checklist.highlighted = idx
        doses = checklist.selected_line.count_today
        await pilot.press("space")
        # ticked before b: the episode links the rescue dose only if it is recorded by then
        await helpers.until(pilot, lambda: checklist.lines[idx].count_today == doses + 1, what="the rescue dose")
        await helpers.settle(pilot)
        await pilot.press("b")
        await helpers.until(pilot, lambda: demo_pb.open_episode() is None, what="the episode ended")
        await helpers.settle(pilot)
        assert demo_pb.open_episode() is None
        assert "episode since" not in helpers.text(app)
    from painboard.store import repository as repo

    with demo_pb.db.unit_of_work() as con:
        mine = [e for e in repo.episodes(con, since=NOW) if e["onset"] == NOW]
    assert len(mine) == 1 and mine[0]["rescue_event_id"] is not None and mine[0]["end_at"] is not None


async def test_tick_and_untick_a_scheduled_dose(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        checklist = app.screen.query_one(PlanChecklist)
        idx = next(i for i, l in enumerate(checklist.lines) if l.kind == "scheduled" and l.state != "done")
        await pilot.press("home", *(["down"] * idx))
        await helpers.until(pilot, lambda: checklist.highlighted == idx, what="the line chosen")
        line = checklist.selected_line
        await pilot.press("space")
        await helpers.until(pilot, lambda: checklist.lines[checklist.highlighted].state == "done", what="the tick")
        await helpers.settle(pilot)
        after = checklist.lines[checklist.highlighted]
        assert after.item_id == line.item_id and after.state == "done" and after.event_id is not None
        assert f"[x] {line.text}" in helpers.text(app)
        await pilot.press("space")
        await helpers.until(pilot, lambda: checklist.lines[checklist.highlighted].event_id is None, what="the untick")
        await helpers.settle(pilot)
        again = checklist.lines[checklist.highlighted]
        assert again.item_id == line.item_id and again.event_id is None and again.state != "done"
        assert f"[x] {line.text}" not in helpers.text(app)


async def test_as_needed_dose_and_undo(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        checklist = app.screen.query_one(PlanChecklist)
        idx = next(i for i, l in enumerate(checklist.lines) if l.kind == "as_needed")
        checklist.highlighted = idx
        n = checklist.selected_line.count_today
        await pilot.press("space")
        await helpers.until(pilot, lambda: app.snapshot.today.rescue_doses == n + 1, what="the dose")
        await helpers.settle(pilot)
        assert checklist.selected_line.count_today == n + 1
        assert app.snapshot.today.rescue_doses == n + 1
        assert f"({n + 1} of 4 today)" in helpers.text(app)
        await pilot.press("u")
        await helpers.until(pilot, lambda: app.snapshot.today.rescue_doses == n, what="the undo")
        await helpers.settle(pilot)
        assert checklist.selected_line.count_today == n
        assert f"({n} of 4 today)" in helpers.text(app)


async def test_daily_review_prefilled_and_saved(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("r")
        await helpers.until(pilot, lambda: isinstance(app.screen, ReviewDialog), what="the review")
        await helpers.settle(pilot)
        dlg = app.screen
        pre = demo_pb.review_prefill()
        for key in ("worst", "least", "average", "now"):
            assert dlg.query_one(f"#{key}", Input).value == str(pre[key]), key
        assert pre["worst"] == 6 and pre["now"] == 4
        assert "Walking and getting about" in helpers.text(app)
        assert "BPI" not in helpers.text(app)
        dlg.query_one("#relief_pct", Input).focus()
        await pilot.press(*"50")
        dlg.query_one("#i-walking", Input).focus()
        await pilot.press(*"7")
        dlg.query_one("#note", Input).focus()
        await pilot.press(*"hard", "enter")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="the review saved")
        await helpers.settle(pilot)
        assert isinstance(app.screen, MainScreen)
    saved = [r for r in _reviews(demo_pb) if r["day"] == NOW.date()]
    assert len(saved) == 1
    r = saved[0]
    assert (r["worst"], r["least"], r["now"], r["relief_pct"], r["note"]) == (6, pre["least"], 4, 50, "hard")
    assert r["interference"]["walking"] == 7


async def test_review_bad_relief_names_the_field(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("r")
        await helpers.until(pilot, lambda: isinstance(app.screen, ReviewDialog), what="the review")
        await helpers.settle(pilot)
        app.screen.query_one("#relief_pct", Input).focus()
        await pilot.press(*"55", "enter")
        await helpers.until(pilot, lambda: "steps of 10" in helpers.text(app), what="the refusal")
        await helpers.settle(pilot)
        text = helpers.text(app)
        assert isinstance(app.screen, ReviewDialog)
        assert "Relief from treatment %" in text and "steps of 10" in text
        # the label, never the field's name (issue 11, item 6)
        assert "Relief from treatment %: must be 0 to 100 in steps of 10 (got 55)" in text
        assert "relief_pct" not in text
        assert app.focused.id == "relief_pct"
    assert not [r for r in _reviews(demo_pb) if r["day"] == NOW.date()]


async def test_range_keys_switch_the_chart(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("w")
        await helpers.until(pilot, lambda: app.range_label == "7d", what="the range 7d")
        await helpers.settle(pilot)
        assert app.snapshot.trend.start == NOW.date() - timedelta(days=6)
        assert "Pain, 7 days" in helpers.text(app) and "[7d]" in helpers.text(app)
        assert "Sat 28" in helpers.text(app)  # a week has room for every day's name
        await pilot.press("t")
        await helpers.until(pilot, lambda: app.range_label == "90d", what="the range 90d")
        await helpers.settle(pilot)
        assert app.snapshot.trend.start == NOW.date() - timedelta(days=89)
        assert "R radiation" in helpers.text(app)
        await pilot.press("a")
        await helpers.until(pilot, lambda: app.range_label == "all", what="the range all")
        await helpers.settle(pilot)
        assert "Pain, all time" in helpers.text(app)
        assert app.snapshot.trend.start == NOW.date() - timedelta(days=89)
        await pilot.press("right_square_bracket")  # stops at the longest (issue 11)
        await helpers.settle(pilot)
        assert "[all]" in helpers.text(app)
        await pilot.press("left_square_bracket")
        await helpers.until(pilot, lambda: app.range_label == "1y", what="the range 1y")
        await helpers.settle(pilot)
        assert "[1y]" in helpers.text(app)


async def test_help_lists_every_key(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=(100, 40)) as pilot:
        await helpers.settle(pilot)
        await pilot.press("question_mark")
        await helpers.until(pilot, lambda: isinstance(app.screen, HelpScreen) and "ctrl+p" in helpers.text(app),
                            what="the help")
        text = helpers.text(app)
        for key in ("0-9", "Enter / Esc", "l ", "b ", "space", "u  backspace", "w m t y a", "[  ]", "e ",
                    "f5", "?", "ctrl+p", "q "):
            assert key in text, key
        await pilot.press("escape")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="the help closed")


def test_every_main_binding_is_in_help():
    from painboard.tui.app import PainboardApp
    from painboard.tui.screens.help import KEYS

    listed = " ".join(k for _, k, _ in KEYS)
    names = {"space": "space", "question_mark": "?", "left_square_bracket": "[",
             "right_square_bracket": "]", "backspace": "backspace", "exclamation_mark": "!",
             "enter": "Enter", "escape": "Esc", "tab": "Tab"}
    for b in MainScreen.BINDINGS + PainboardApp.BINDINGS:
        for key in b.key.split(","):
            shown = names.get(key, key)
            assert shown in listed or (key.isdigit() and "0-9" in listed), key


async def test_read_only_refuses_every_write(demo_db, make_app, helpers):
    from painboard.config import Settings
    from painboard.services import Painboard

    ro = Painboard(Settings.load(db=demo_db, read_only=True))
    before = ro.counts()
    app = make_app(ro)
    # each refusal is a 3 s toast: kept as given (under load the six keys take longer than that)
    notes = helpers.said(app, keep=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        assert "read-only" in helpers.text(app) and "now 4/10" in helpers.text(app)
        for n, key in enumerate(("6", "l", "b", "space", "u", "r"), start=1):
            await pilot.press(key)
            await helpers.until(pilot, lambda: len(notes) >= n, what=f"the refusal of {key}")
            await helpers.settle(pilot)
            assert isinstance(app.screen, MainScreen), key
        assert len(notes) == 6 and all(m.startswith("read-only session") for m in notes), notes
        await helpers.until(pilot, lambda: "read-only session" in helpers.text(app), what="the refusal on screen")
    assert ro.counts() == before


@pytest.mark.slow
async def test_command_palette_runs_painboard_commands(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"daily review")
        await helpers.until(pilot, lambda: "Daily review" in helpers.text(app), what="palette hit")
        await pilot.press("enter")
        await helpers.until(pilot, lambda: isinstance(app.screen, ReviewDialog), what="review dialog")


async def test_first_frame_paints_before_the_database_is_read(demo_pb, make_app, helpers):
    import threading

    gate = threading.Event()
    real = demo_pb.snapshot
    calls = []

    def slow_snapshot(*a, **kw):
        calls.append(1)
        gate.wait(PATIENCE)  # held until the test lets it go, however slow the machine
        return real(*a, **kw)

    demo_pb.snapshot = slow_snapshot
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.until(pilot, lambda: calls, what="the first read")
        await helpers.until(pilot, lambda: "0-9 log" in helpers.text(app), what="the footer")
        text = helpers.text(app)
        assert "painboard" in text and "reading your log…" in text and "loading…" in text
        # Typing still works while the read is stuck.
        await pilot.press("question_mark")
        await helpers.until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        await pilot.press("escape")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="the help closed")
        gate.set()
        await helpers.settle(pilot)
        assert "now 4/10" in helpers.text(app)
    assert app.timings["first_paint"] < app.timings["first_data"]


async def test_sixteen_colour_theme_renders_everything(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = "ansi-dark"  # what a TERM=screen session gets
        await helpers.settle(pilot)
        await pilot.press("w")
        await helpers.until(pilot, lambda: app.range_label == "7d", what="the range 7d")
        await helpers.settle(pilot)
        text = helpers.text(app)
        assert "━" in text and "▴" in text and "✱" in text and "[x]" in text
        await pilot.press("6")
        assert "Log pain now" in helpers.text(app)


def test_sixteen_colours_picked_from_term(monkeypatch, demo_pb, make_app):
    app = make_app(demo_pb)
    monkeypatch.setattr(type(app), "is_headless", property(lambda self: False))
    for term, colorterm, few in (("screen", "", True), ("linux", "", True), ("xterm-256color", "", False),
                                 ("screen", "truecolor", False), ("tmux-256color", "", False)):
        monkeypatch.setenv("TERM", term)
        monkeypatch.setenv("COLORTERM", colorterm)
        assert app._few_colours() is few, term


async def test_a_broken_plugin_is_reported_not_fatal(demo_db, make_app, helpers, tmp_path, monkeypatch):
    from painboard.config import Settings
    from painboard.services import Painboard

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "broken_thing.py").write_text("raise RuntimeError('boom')\n")
    monkeypatch.delenv("PAINBOARD_LOAD_PLUGINS", raising=False)
    pb = Painboard(Settings.load(db=demo_db, plugins_dir=plugins))
    app = make_app(pb)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: "could not load" in helpers.text(app), what="the plugin notice")
        assert "broken_thing" in helpers.text(app)
        assert "now 4/10" in helpers.text(app)


def _reviews(pb):
    from painboard.store import repository as repo

    with pb.db.unit_of_work() as con:
        return repo.reviews(con)


async def test_today_shows_each_rescue_item_against_its_own_cap(tui_env, tmp_path, make_app, helpers):
    """Issue 18 item 3 on the dashboard: two rescue drugs active today, each against its own
    cap (by hand: Oxycodone IR 2 of 4, Oramorph 1 of 6; never "3 of 10"); a third that ended
    on 20 Nov is not counted today."""
    from painboard.config import Settings
    from painboard.services import Painboard

    pb = Painboard(Settings.load(db=tmp_path / "rescue.db"))
    pb.add_plan_item(name="Oxycodone IR", dose=5, unit="mg", kind="as_needed", max_per_day=4)
    pb.add_plan_item(name="Oramorph", dose=5, unit="ml", strength="10 mg/5 ml", kind="as_needed", max_per_day=6)
    pb.add_plan_item(name="Morphine IR", dose=10, unit="mg", kind="as_needed", max_per_day=6,
                     start_date=NOW.date() - timedelta(days=20), end_date=NOW.date() - timedelta(days=8))
    for h in (9, 12):
        pb.mark_done("Oxycodone", at=NOW.replace(hour=h))
    pb.mark_done("Oramorph", at=NOW.replace(hour=10))
    app = make_app(pb)
    async with app.run_test(size=(100, 30)) as pilot:
        await helpers.settle(pilot)
        text = helpers.text(app)
        assert "rescue doses 3\n" in text or "rescue doses 3 " in text
        assert "Oxycodone IR 5 mg 2 of 4" in text and "Oramorph 5 ml 1 of 6" in text
        assert "of 10" not in text and "of 16" not in text and "Morphine IR" not in text.split("rescue doses")[1][:120]
