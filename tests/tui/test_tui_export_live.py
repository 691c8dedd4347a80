"""The export dialog, live updates from a second OS process, and a busy database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, RadioSet

from painboard.config import Settings
from painboard.services import Painboard
from painboard.tui.dialogs.export import ExportDialog
from painboard.tui.dialogs.log_entry import LogEntryDialog
from painboard.tui.screens.main import MainScreen

from .conftest import PATIENCE

pytestmark = [pytest.mark.system]


async def test_export_dialog_writes_the_chosen_format_and_period(demo_pb, make_app, helpers, tmp_path,
                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        await pilot.press("e")
        await helpers.until(pilot, lambda: isinstance(app.screen, ExportDialog), what="the export dialog")
        await helpers.settle(pilot)
        dlg = app.screen
        names = [e.name for e in dlg.exporters]
        assert names and set(names) == {e.name for e in demo_pb.exporters()}
        for e in demo_pb.exporters():
            assert e.label in helpers.text(app)
        # Arrow to CSV, Enter picks it, Tab to the period; right arrow + Enter picks 90 days.
        # each key's binding runs as the key comes back up to the app: wait for what it did
        await pilot.press(*(["down"] * names.index("csv")))
        await helpers.until(pilot, lambda: dlg.exporter.name == "csv", what="csv highlighted")
        await pilot.press("enter", "tab")
        period = dlg.query_one("#period", RadioSet)
        await helpers.until(pilot, lambda: period.has_focus, what="the period")
        await pilot.press("right")
        await helpers.until(pilot, lambda: period._selected == 2, what="90 days highlighted")
        await pilot.press("enter")
        await helpers.until(pilot, lambda: period.pressed_index == 2, what="90 days picked")
        out = dlg.query_one("#out", Input).value
        assert out == str(tmp_path / "painboard-2026-11-28.csv")
        await pilot.press("ctrl+s")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="export to finish")
    lines = Path(out).read_text().splitlines()
    since = demo_pb.today() - timedelta(days=89)
    assert len(lines) - 1 == len(demo_pb.entries(since=since))
    assert oct(os.stat(out).st_mode & 0o777) == "0o600"


async def test_export_dialog_error_stays_in_the_dialog(demo_pb, make_app, helpers, tmp_path):
    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        await pilot.press("e")
        await helpers.settle(pilot)
        dlg = app.screen
        dlg.query_one("#out", Input).value = str(tmp_path / "no-such-folder" / "x.md")
        dlg.query_one("#out", Input).focus()
        await pilot.press("enter")
        await helpers.settle(pilot)
        assert isinstance(app.screen, ExportDialog)
        assert "no-such-folder" in helpers.text(app) or "folder" in helpers.text(app)
        await pilot.press("escape")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="the dialog closed")


async def test_export_dialog_asks_before_replacing_and_never_touches_the_database(demo_pb, make_app, helpers,
                                                                               tmp_path):
    old = tmp_path / "visit.md"
    old.write_text("my notes")
    db_bytes = demo_pb.db.path.read_bytes()
    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        await pilot.press("e")
        await helpers.settle(pilot)
        dlg = app.screen
        out = dlg.query_one("#out", Input)
        out.value = str(demo_pb.db.path)
        out.focus()
        await pilot.press("enter")  # the database: asked first
        await pilot.press("enter")  # and refused even when confirmed
        await helpers.until(pilot, lambda: "belongs to the database" in helpers.text(app), what="refusal")
        assert isinstance(app.screen, ExportDialog)
        out.value = str(old)
        await pilot.press("enter")
        await helpers.until(pilot, lambda: "already exists" in helpers.text(app), what="the question")
        assert old.read_text() == "my notes"
        await pilot.press("enter")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="export to finish")
    assert old.read_text() != "my notes" and demo_pb.db.path.read_bytes() == db_bytes


async def test_read_only_dashboard_export_writes_no_file(demo_pb, make_app, helpers, tmp_path):
    ro = Painboard(Settings.load(db=demo_pb.db.path, read_only=True))
    home = tmp_path / "home"
    home.mkdir()
    victim = home / "authorized_keys"
    victim.write_text("key")
    app = make_app(ro)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        await pilot.press("e")
        await helpers.settle(pilot)
        out = app.screen.query_one("#out", Input)
        for target in (victim, home / "new.md"):
            out.value = str(target)
            out.focus()
            await pilot.press("enter", "enter")
            await helpers.until(pilot, lambda: "read-only session" in helpers.text(app), what="refusal")
            assert isinstance(app.screen, ExportDialog)
    assert victim.read_text() == "key" and sorted(p.name for p in home.iterdir()) == ["authorized_keys"]


def _painboard(*args: str, db: Path, **env) -> subprocess.CompletedProcess:
    e = dict(os.environ, TZ="UTC", PAINBOARD_TZ="UTC", PAINBOARD_LOAD_PLUGINS="", **env)
    e.pop("PAINBOARD_NOW", None)
    return subprocess.run([sys.executable, "-m", "painboard", "--db", str(db), *args], env=e,
                          capture_output=True, text=True, timeout=60)


async def test_a_write_by_another_process_shows_without_a_key(tmp_path, monkeypatch, make_app, helpers):
    """The poll notices it (no key pressed, no refresh asked for). How soon is a timing, which
    with both cores busy is no test: on a quiet machine it is within about 1 s (the poll)."""
    # The real clock here: the other process and the app must agree on "now".
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("PAINBOARD_TZ", "UTC")
    monkeypatch.delenv("PAINBOARD_NOW", raising=False)
    db = tmp_path / "live.db"
    assert _painboard("log", "3", db=db).returncode == 0
    pb = Painboard(Settings.load(db=db))
    app = make_app(pb, poll_interval=1.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        assert "now 3/10" in helpers.text(app)
        done = _painboard("log", "9", db=db)
        assert done.returncode == 0, done.stderr
        await helpers.until(pilot, lambda: "now 9/10" in helpers.text(app), what="now 9/10 in the header")


async def test_busy_database_keeps_the_entry_and_retries(demo_pb, demo_db, make_app, helpers):
    """Another process holds the file: the quick log line says so, keeps the score (a digit
    typed meanwhile does not change what is being saved), and saves it later."""
    demo_pb.db.retry_seconds = 0.3  # report busy quickly in the test
    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        holder = helpers.hold_database(demo_db)
        try:
            await pilot.press("8", "enter")
            await helpers.until(pilot, lambda: "database busy" in helpers.text(app), what="the busy message")
            line = next(ln for ln in helpers.text(app).splitlines() if "Log pain now" in ln)
            assert "retrying, 8 kept · Esc gives up" in line, line  # whole, at 80 columns
            await pilot.press("3")
            assert helpers.quick_score(app) == "8" and "still saving the score shown" in helpers.text(app)
        finally:
            helpers.release_database(holder)
        await helpers.until(pilot, lambda: "now 8/10" in helpers.text(app).splitlines()[0], what="the save")
        await helpers.settle(pilot)
        assert isinstance(app.screen, MainScreen) and helpers.quick_score(app) == "0-10"
    assert demo_pb.counts()["pain_entry"] == before + 1
    assert demo_pb.entries(newest_first=True, limit=1)[0]["intensity"] == 8


async def test_escape_while_busy_gives_up_and_the_dashboard_carries_on(demo_pb, demo_db, make_app, helpers):
    """Esc during a busy-database retry: no later attempt, the main screen stays, refresh works."""
    demo_pb.db.retry_seconds = 0.3
    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        holder = helpers.hold_database(demo_db)
        try:
            await pilot.press("7", "enter")
            await helpers.until(pilot, lambda: "database busy" in helpers.text(app), what="the busy message")
            await pilot.press("escape")
            assert isinstance(app.screen, MainScreen)
        finally:
            helpers.release_database(holder)
        # the cancelled save's worker ends at its next retry (the file is free by then)
        await helpers.until(pilot, lambda: not any(w.group == "write" and not w.is_finished for w in app.workers),
                            what="the cancelled save to stop")
        await helpers.settle(pilot)
        assert isinstance(app.screen, MainScreen), "a late save dismissed the main screen"
        landed = demo_pb.counts()["pain_entry"] - before
        assert landed in (0, 1)
        done = _painboard("log", "4", db=demo_db)
        assert done.returncode == 0, done.stderr
        await helpers.until(pilot, lambda: "now 4/10" in helpers.text(app), timeout=4,
                            what="the dashboard still refreshing")
    assert demo_pb.counts()["pain_entry"] == before + landed + 1


async def test_a_save_that_lands_after_escape_is_reported_not_dismissing_the_dashboard(
        demo_pb, make_app, helpers):
    """Esc while an attempt is already under way: the entry lands, the user is told, and the
    main screen stays (a late dismiss used to pop it and take the dashboard down)."""
    import threading

    gate = threading.Event()
    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        await pilot.press("l")
        # pushed, then mounted: its first field focused (save_with says "saving…" in it)
        await helpers.until(pilot, lambda: isinstance(app.screen, LogEntryDialog) and app.focused is not None
                            and app.focused.id == "intensity", what="the log form")
        dialog = app.screen

        started = threading.Event()

        def slow_save():  # a real write that is still under way when Esc comes
            started.set()
            gate.wait(PATIENCE)  # until the test lets it go, however slow the machine
            return demo_pb.log_pain(intensity=5)

        dialog.save_with(slow_save, lambda entry: dialog.dismiss(entry))
        # Esc only once the attempt is under way: an Esc before it starts rightly cancels it.
        await helpers.until(pilot, started.is_set, what="the attempt to start")
        await pilot.press("escape")
        await helpers.until(pilot, lambda: isinstance(app.screen, MainScreen), what="the form closed")
        gate.set()
        await helpers.until(pilot, lambda: any("saved after all" in str(n.message) for n in app._notifications),
                            what="the late save reported")
        assert demo_pb.counts()["pain_entry"] == before + 1
        assert isinstance(app.screen, MainScreen)
        await helpers.until(pilot, lambda: "now 5/10" in helpers.text(app), what="the refresh after the late save")


async def test_a_quick_log_that_lands_after_escape_is_reported_and_the_line_is_free(
        demo_pb, make_app, helpers, monkeypatch):
    """The quick log line's Esc while its save is already under way: the entry lands, the
    user is told, and the line (cleared by the Esc) takes a new score."""
    import threading

    gate, started = threading.Event(), threading.Event()
    real = demo_pb.log_pain

    def slow_log_pain(**fields):  # a real write that is still under way when Esc comes
        started.set()
        gate.wait(PATIENCE)  # until the test lets it go, however slow the machine
        return real(**fields)

    before = demo_pb.counts()["pain_entry"]
    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await helpers.settle(pilot)
        monkeypatch.setattr(demo_pb, "log_pain", slow_log_pain)
        await pilot.press("9", "enter")
        await helpers.until(pilot, started.is_set, what="the attempt to start")
        await pilot.press("escape")
        assert helpers.quick_score(app) == "0-10"
        gate.set()
        await helpers.until(pilot, lambda: any("saved after all" in str(n.message) for n in app._notifications),
                            what="the late save reported")
        await helpers.until(pilot, lambda: "now 9/10" in helpers.text(app), what="the refresh after the late save")
        assert isinstance(app.screen, MainScreen) and helpers.quick_score(app) == "0-10"
    assert demo_pb.counts()["pain_entry"] == before + 1
