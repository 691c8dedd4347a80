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
            await helpers.until(pilot, lambda: app.screen is not app.main_screen, what=f"the form of {key}")
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


async def test_quick_log_error_uses_the_label(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("1", "2", "enter")
        # the keys after the first digit wait for the line to have the focus (a frame later)
        await helpers.until(pilot, lambda: "(got 12)" in helpers.text(app), what="the refusal")
        text = helpers.text(app)
        assert "Pain (0-10): must be a whole number from 0 to 10 (got 12)" in text
        assert "intensity" not in text


# -- pattern from a list ------------------------------------------------------------------

async def test_pattern_is_picked_from_three_by_keys_alone(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("l")
        await helpers.until(pilot, lambda: isinstance(app.screen, LogEntryDialog), what="the log form")
        pattern = app.screen.query_one("#pattern", Select)
        assert [v for _, v in pattern._options if isinstance(v, str)] == ["constant", "intermittent", "on movement"]
        await pilot.press("5", "tab", *"9:30", "tab")
        await helpers.until(pilot, lambda: app.focused is pattern, what="the pattern focused")
        await pilot.press("enter")
        # the list opens, and takes the focus, on later turns: its keys only once it has it
        await helpers.until(pilot, lambda: pattern.expanded and app.focused is not None
                            and app.focused.parent is pattern, what="the pattern's list")
        await pilot.press("down", "down", "enter")  # the list: not said, constant, intermittent
        await helpers.until(pilot, lambda: not pattern.expanded and app.focused is pattern, what="the list closed")
        assert pattern.value == "intermittent"
        await pilot.press("tab", *"ribs", "enter")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="the entry saved")
        await helpers.settle(pilot)
        assert isinstance(app.screen, MainScreen)
    rows = [e for e in demo_pb.entries(since=NOW.date()) if e["intensity"] == 5 and e["sites"] == ["ribs"]]
    assert len(rows) == 1 and rows[0]["pattern"] == "intermittent"
    assert rows[0]["occurred_at"].strftime("%H:%M") == "09:30"


# -- read-only sessions -------------------------------------------------------------------

def _footer_text(app) -> str:
    """The key line alone: the last row of the screen."""
    return app.screen._compositor.render_strips()[-1].text


async def test_read_only_footer_shows_what_works_not_the_write_keys(demo_db, make_app, helpers):
    from painboard.config import Settings
    from painboard.services import Painboard

    app = make_app(Painboard(Settings.load(db=demo_db, read_only=True)))
    helpers.said(app, keep=True)  # the refusal's toast stays up until the test has read it
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: "help" in _footer_text(app), what="the key line")
        footer = _footer_text(app)
        for gone in ("0-9", "log", "breakthrough", "tick", "review"):
            assert gone not in footer, (gone, footer)
        for shown in ("e export", "M metrics", "i ", "? help"):
            assert shown in footer, (shown, footer)
        # The write keys still answer, with the refusal rather than silence.
        await pilot.press("space")
        await helpers.until(pilot, lambda: "read-only session" in helpers.text(app), what="the refusal")


async def test_a_normal_session_still_shows_the_write_keys(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: "help" in _footer_text(app), what="the key line")
        footer = _footer_text(app)
        assert "0-9 log" in footer and "space tick" in footer and "r review" in footer


async def test_read_only_without_a_database_says_so(tui_env, make_app, helpers, tmp_path):
    from painboard.config import Settings
    from painboard.tui.app import PainboardApp

    path = tmp_path / "nowhere" / "painboard.db"
    app = PainboardApp(Settings.load(db=path, read_only=True), poll_interval=None, cursor_blink=False)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.until(pilot, lambda: "no database at" in helpers.text(app), what="the no-database message")
        text = helpers.text(app)
        flat = "".join(text.split())  # the message wraps over the chart's lines
        said = f"no database at {path}: nothing to show; run 'painboard demo' or log an entry first"
        assert "".join(said.split()) in flat
        assert "nothing to show (see above)" in text
        assert "reading your log" not in text
        assert "✗offline" in text.splitlines()[0]
    assert not path.exists() and not path.parent.exists()  # a read-only session creates nothing


# -- the key line at 60x20 ----------------------------------------------------------------

@pytest.mark.parametrize("read_only", [False, True], ids=["normal", "read_only"])
async def test_footer_fits_at_60_columns(read_only, demo_db, make_app, helpers):
    from painboard.config import Settings
    from painboard.services import Painboard
    from painboard.tui.widgets.footer import DashFooter

    app = make_app(Painboard(Settings.load(db=demo_db, read_only=read_only)))
    async with app.run_test(size=(60, 20)) as pilot:
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: "help" in _footer_text(app), what="the key line")
        footer = app.screen.query_one(DashFooter)
        keys = list(footer.children)
        # Every key fits inside the line, none overlaps the next: nothing overwrites anything.
        right = [k.region.right for k in keys]
        assert max(right) <= footer.region.right
        for a, b in zip(keys, keys[1:]):
            assert a.region.right <= b.region.x, (a.description, b.description)
        assert footer.virtual_size.width <= footer.size.width  # no hidden part to scroll to
        assert "? help" in _footer_text(app)
        if not read_only:
            assert "0-9 log" in _footer_text(app) and "b episode" in _footer_text(app)
        # Wider again: the full words come back.
        await pilot.resize_terminal(100, 30)
        await helpers.until(pilot, lambda: "b breakthrough" in _footer_text(app) or read_only,
                            what="the wide key line")
        await helpers.until(pilot, lambda: "q quit" in _footer_text(app), what="quit back in the line")


# -- the export dialog --------------------------------------------------------------------

async def test_export_enter_on_format_then_tab_reaches_every_field(demo_pb, make_app, helpers, tmp_path,
                                                                 monkeypatch):
    from textual.widgets import OptionList, RadioSet

    from painboard.tui.dialogs.export import ExportDialog

    monkeypatch.chdir(tmp_path)
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("e")
        await helpers.until(pilot, lambda: isinstance(app.screen, ExportDialog), what="the export dialog")
        await helpers.settle(pilot)
        dlg = app.screen
        assert isinstance(dlg, ExportDialog) and dlg.query_one("#formats", OptionList).has_focus
        # The period shows by a mark, not by colour alone: 30 days at first.
        assert "(•) 30 days" in helpers.text(app) and "( ) 7 days" in helpers.text(app)
        names = [e.name for e in dlg.exporters]
        # each key's binding runs as the key comes back up to the app: wait for what it did
        await pilot.press(*(["down"] * names.index("csv")), "enter")
        await helpers.until(pilot, lambda: "format: " in helpers.text(app), what="csv picked")
        assert dlg.exporter.name == "csv"
        assert dlg.query_one("#formats", OptionList).has_focus  # Enter picked, focus stayed
        await pilot.press("tab")
        period = dlg.query_one("#period", RadioSet)
        await helpers.until(pilot, lambda: app.focused is not dlg.query_one("#formats"), what="the next field")
        assert period.has_focus  # the next field, none skipped
        await pilot.press("left", "enter")
        await helpers.until(pilot, lambda: period.pressed_index == 0 and "(•) 7 days" in helpers.text(app),
                            what="7 days picked")
        assert "( ) 30 days" in helpers.text(app)
        await pilot.press("tab")
        await helpers.until(pilot, lambda: app.focused is not period, what="the next field")
        assert app.focused.id == "out"
        out = dlg.query_one("#out", Input).value
        await pilot.press("enter")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="the export")
    from datetime import timedelta
    from pathlib import Path

    rows = Path(out).read_text().splitlines()[1:]
    assert len(rows) == len(demo_pb.entries(since=demo_pb.today() - timedelta(days=6)))


# -- the chart ----------------------------------------------------------------------------

def _style_at(text, index: int):
    """The Rich style of one character of a rendered Text."""
    from rich.style import Style

    style = Style()
    for span in text.spans:
        if span.start <= index < span.end:
            style += Style.parse(span.style) if isinstance(span.style, str) else span.style
    return style


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_chart_bands_scale_today_and_two_distinct_lines(size, demo_pb, make_app, helpers):
    from painboard.figures.severity import CONTROLLED_MAX, SEVERE_MIN
    from painboard.tui.widgets.trend import AVG, BAND, TODAY, WORST, TrendChart

    app = make_app(demo_pb)
    async with app.run_test(size=size) as pilot:
        await helpers.settle(pilot)
        chart = app.screen.query_one(TrendChart)
        rendered = chart.render()
        lines = rendered.plain.split("\n")
        row = {label: next(i for i, l in enumerate(lines) if l.startswith(label + "┤"))
               for label in ("10", f"{SEVERE_MIN:2d}", f"{CONTROLLED_MAX:2d}", " 0")}
        top, bottom = row["10"], row[" 0"]
        # Each band line sits where its score falls on the 0-10 scale, to the nearest row.
        for value in (SEVERE_MIN, CONTROLLED_MAX):
            r = row[f"{value:2d}"]
            assert abs((bottom - r) - value * (bottom - top) / 10) <= 0.5, value
            assert lines[r].count(BAND) >= 3, lines[r]
        assert "pain 0-10" in lines[top]  # what the ticks count
        assert f"severe ≥{SEVERE_MIN}" in lines[row[f"{SEVERE_MIN:2d}"]]
        # Today marked on the axis and named in the key under it.
        axis = next(l for l in lines if l.startswith("  └"))
        assert axis.count(TODAY) == 1 and f"{TODAY} today" in lines[-1]
        # The last column holds today: the mark is in the right part of the axis.
        assert axis.index(TODAY) > len(axis) * 0.85
        # Average and worst: different glyphs and, with colour, different colours.
        assert AVG != WORST and AVG in rendered.plain and WORST in rendered.plain
        avg_style = _style_at(rendered, rendered.plain.index(AVG, len(lines[0])))
        worst_style = _style_at(rendered, rendered.plain.index(WORST, len(lines[0])))
        assert avg_style.color is not None and worst_style.color is not None
        assert avg_style.color != worst_style.color


async def test_seven_day_chart_names_today_under_its_column(demo_pb, make_app, helpers):
    from painboard.tui.widgets.trend import TrendChart

    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await pilot.press("w")
        await helpers.settle(pilot)
        last = app.screen.query_one(TrendChart).render().plain.split("\n")[-1]
        assert last.rstrip().endswith("today")
        assert "Fri 27" in last  # the day before, by its date


# -- long lines at 80x24 ------------------------------------------------------------------

async def test_long_lines_keep_their_meaning_at_80x24(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        zol = [l for l in app.snapshot.checklist if l.category == "bone_strengthening"]
        assert zol and zol[0].due_in_days > 7
        due = zol[0].due_at.astimezone(app.tz)
        # The whole line, the due date in it, with nothing cut.
        assert zol[0].text == f"{zol[0].text.split(',')[0]}, due {due:%a %-d %b}"
        text = helpers.text(app)
        assert zol[0].text in text and f"{zol[0].text} …" not in text
        # An open episode: both lines whole, the hint how to end it included.
        await pilot.press("b")
        await helpers.settle(pilot)
        await pilot.press("7", "enter")
        await helpers.settle(pilot)
        text = helpers.text(app)
        assert "✱ episode since 14:05, peak 7" in text
        assert "b again when it has eased" in text
        assert "…" not in "".join(l.split("│")[0] for l in text.splitlines()[15:22])  # the Today column


# -- the command palette ------------------------------------------------------------------

async def _palette(pilot, helpers, app, words: str, title: str) -> None:
    from textual.command import CommandList, CommandPalette

    def chosen() -> bool:  # the search runs as the words are typed: Enter only once it has settled
        if not isinstance(app.screen, CommandPalette):
            return False
        hits = app.screen.query_one(CommandList)
        i = hits.highlighted
        return i is not None and title in str(hits.get_option_at_index(i).prompt)

    await pilot.press("ctrl+p")
    await pilot.press(*words)
    await helpers.until(pilot, chosen, what=f"palette hit {title}")
    await pilot.press("enter")


async def test_palette_plan_shows_every_item_in_words(demo_pb, make_app, helpers):
    from painboard.services import schedule_words
    from painboard.tui.screens.lists import ListScreen

    app = make_app(demo_pb)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.settle(pilot)
        await _palette(pilot, helpers, app, "plan", "Every plan item")
        items = demo_pb.plan(include_stopped=True)
        assert items
        # loaded is set as the rows go in; the screen draws them a turn or two later
        await helpers.until(pilot, lambda: isinstance(app.screen, ListScreen) and app.screen.loaded
                            and all(it.label() in helpers.text(app) for it in items), what="the plan list")
        text = helpers.text(app)
        for it in items:
            assert it.label() in text, it.label()
        scheduled = [it for it in items if it.kind == "scheduled"]
        assert scheduled and schedule_words(scheduled[0].rrule) in text
        assert "FREQ=" not in text  # never the raw rule
        await pilot.press("escape")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="back to the main screen")


async def test_palette_plugins_lists_a_failed_plugin_with_its_error(demo_db, make_app, helpers, tmp_path,
                                                                    monkeypatch):
    from painboard.config import Settings
    from painboard.services import Painboard
    from painboard.tui.screens.lists import ListScreen

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "broken_thing.py").write_text("raise RuntimeError('boom')\n")
    monkeypatch.delenv("PAINBOARD_LOAD_PLUGINS", raising=False)
    pb = Painboard(Settings.load(db=demo_db, plugins_dir=plugins))
    app = make_app(pb)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.settle(pilot)
        await _palette(pilot, helpers, app, "plugins", "any that could not load")
        names = [p.name for p in pb.plugin_list()]
        seen: list[str] = []

        def listed() -> bool:  # one screen read holds every line (a read mid-redraw can be blank)
            seen[:] = [helpers.text(app)]
            return isinstance(app.screen, ListScreen) and app.screen.loaded and all(
                w in seen[0] for w in ("broken_thing", "could not load", "boom", *names))

        await helpers.until(pilot, listed, what="the plugin list with the failed plugin and its error")
        assert len(names) > 1


async def test_palette_import_opens_the_import_dialog(demo_pb, make_app, helpers):
    from painboard.tui.dialogs.import_file import ImportDialog

    app = make_app(demo_pb)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        await _palette(pilot, helpers, app, "import", "Import a file")
        # pushed, then up with its formats (a test ending mid-mount took the dialog down under it)
        await helpers.until(pilot, lambda: isinstance(app.screen, ImportDialog) and app.screen.importers,
                            what="the import dialog with its formats")


def test_palette_names_every_command_help_promises():
    from painboard.tui.commands import COMMANDS

    titles = {t for t, _, _ in COMMANDS}
    assert {"Import a file", "Plan", "Metrics", "Plugins", "Export"} <= titles


# -- snapshots of what changed on purpose -------------------------------------------------

def test_snapshot_narrow_60x20(demo_pb, make_app, helpers, snap_compare):
    assert snap_compare(make_app(demo_pb), terminal_size=(60, 20), run_before=helpers.settled_after())


def test_snapshot_read_only_footer(demo_db, make_app, helpers, snap_compare):
    from painboard.config import Settings
    from painboard.services import Painboard

    app = make_app(Painboard(Settings.load(db=demo_db, read_only=True)))
    assert snap_compare(app, terminal_size=(80, 24), run_before=helpers.settled_after())


def test_snapshot_export_dialog(demo_pb, make_app, helpers, snap_compare, tmp_path, monkeypatch):
    monkeypatch.chdir("/tmp")  # the default file name is under the working folder: a fixed one here
    assert snap_compare(make_app(demo_pb), terminal_size=(80, 24), run_before=helpers.settled_after("e"))
