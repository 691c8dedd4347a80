"""What the first frame waits for, and what a quick log shows before the full refresh."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from painboard.config import Settings
from painboard.tui.launch import FRAMES_PER_SECOND

SIZE = (80, 24)


@pytest.mark.system
def test_the_dashboard_path_imports_no_services_pydantic_or_duckdb():
    # What `painboard` (no subcommand: painboard.entry, without the CLI) imports before the first frame.
    code = ("import sys, json; import painboard.entry, painboard.tui.launch, painboard.tui.terminal, "
            "painboard.tui.app, painboard.tui.screens.main, painboard.tui.widgets.footer; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] "
            "in ('pydantic', 'duckdb', 'pluggy', 'dateutil') or m.startswith(('painboard.services', "
            "'painboard.models', 'painboard.store', 'painboard.plugins')))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == []


async def test_the_app_given_settings_builds_its_services_in_a_worker(demo_db, make_app, helpers):
    app = make_app(Settings.load(db=demo_db))
    assert app._pb is None  # nothing built before the first frame
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        text = helpers.text(app)
        assert "now 4/10" in text and "Morphine SR 30 mg" in text and "q quit" in text
        assert app.pb.settings.db_path == demo_db


async def test_quick_log_shows_in_the_header_before_the_full_refresh(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        shown_revision = app.snapshot.revision
        refreshes = []
        app.request_refresh = lambda: refreshes.append(1)  # no full refresh from here on
        await pilot.press("7", "enter")
        await helpers.until(pilot, lambda: "now 7/10" in helpers.text(app).splitlines()[0], timeout=5,
                            what="now 7/10 in the header")
        # the write's worker asks for the refresh after the save's message is posted: the header
        # can show the entry first (under load, well before the worker gets that far)
        await helpers.until(pilot, lambda: refreshes, what="the refresh asked for")
        assert app.snapshot.revision == shown_revision  # shown without a new snapshot
        assert "worst 7" in helpers.text(app)  # today's worst was 6
        newest = demo_pb.entries(newest_first=True, limit=1)[0]
        assert newest["intensity"] == 7


async def test_an_entry_logged_for_earlier_leaves_now_alone(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        app.request_refresh = lambda: None
        await pilot.press("l", "9", "tab", *"9:30", "enter")
        await helpers.until(pilot, lambda: "worst 9" in helpers.text(app), timeout=5, what="today's worst 9")
        top = helpers.text(app).splitlines()[0]
        assert "now 4/10" in top and "now 9/10" not in top  # 13:10's 4 is still the latest
        assert any(e["intensity"] == 9 and e["occurred_at"].strftime("%H:%M") == "09:30"
                   for e in demo_pb.entries(newest_first=True, limit=5))


from painboard.tui.screens.main import MainScreen  # noqa: E402
from .conftest import burst  # noqa: E402


async def test_tab_on_the_quick_log_line_opens_the_form_with_the_score_and_every_field(demo_pb, make_app, helpers):
    from textual.widgets import Input

    from painboard.tui.dialogs.log_entry import LogEntryDialog

    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        burst(app, "5", "tab")
        await helpers.until(pilot, lambda: isinstance(app.screen_stack[-1], LogEntryDialog)
                            and app.focused is not None and app.focused.id == "sites", what="the form")
        dialog = app.screen_stack[-1]
        assert dialog.query_one("#intensity", Input).value == "5" and not dialog.full
        await helpers.until(pilot, lambda: "Where" in helpers.text(app), what="the form drawn")
        text = helpers.text(app)
        assert "Log pain now" in text and "Where" in text and "What it felt like" in text and "Note" in text


async def test_a_burst_through_tab_lands_in_the_forms_fields(demo_pb, make_app, helpers):
    """`3 Tab ribs Tab sharp Enter` in one burst: the keys after Tab wait for the form (it is
    built only then) and land in its fields in order."""
    app = make_app(demo_pb)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        before = demo_pb.counts()["pain_entry"]
        burst(app, "3", "tab", *"ribs", "tab", *"sharp", "enter")
        await helpers.until(pilot, lambda: isinstance(app.screen_stack[-1], MainScreen)
                            and demo_pb.counts()["pain_entry"] == before + 1, what="the save")
        # the line is freed by the form's dismiss callback, a turn after the form is gone
        await helpers.until(pilot, lambda: helpers.quick_score(app) == "0-10", what="the line free again")
        await helpers.settle(pilot)
        assert "now 3/10" in helpers.text(app).splitlines()[0]
        assert helpers.quick_score(app) == "0-10"  # saved from the form: the line is free again
        e = demo_pb.entries(newest_first=True, limit=1)[0]
        assert (e["intensity"], e["sites"], e["qualities"]) == (3, ["ribs"], ["sharp"])


async def test_the_figures_are_drawn_before_the_key_line_and_the_reminders_read(demo_pb, make_app, helpers,
                                                                                monkeypatch):
    # What a person waits for comes first: the key line (a third of a frame's cost) and the
    # reminders' read (its first import of the services holds the GIL) wait for the figures.
    # The key line's fallback for a slow read (KEY_LINE_WAIT after the first frame) is put out
    # of reach: on a loaded machine the read may well be slower, and the order is what counts.
    # "Figures first" is read from the state the app orders on (the screen holds the full
    # snapshot, metrics included): the screen's text can lag its widgets by a frame under load.
    from painboard.tui import app as app_module
    from painboard.tui.screens.main import MainScreen

    monkeypatch.setattr(app_module, "KEY_LINE_WAIT", 600)
    app = make_app(demo_pb)
    seen = []
    add_key_line, read = MainScreen.add_key_line, app.read

    def figures_given() -> bool:
        shown = app.main_screen.snapshot
        return shown is not None and shown.metrics is not None

    def key_line(screen):
        seen.append(("key line", figures_given()))
        add_key_line(screen)

    def a_read(fn, on_done):
        seen.append(("read", figures_given()))
        return read(fn, on_done)

    monkeypatch.setattr(MainScreen, "add_key_line", key_line)
    monkeypatch.setattr(app, "read", a_read)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: "q quit" in helpers.text(app), what="the key line")
        assert "Last 7 days" in helpers.text(app)
    assert seen and all(drawn for _, drawn in seen), seen
    assert ("key line", True) in seen and ("read", True) in seen


def test_collection_resumes_with_the_start_frozen():
    # What the start made is frozen when collection resumes: the collector's first pass does not
    # walk it all again while the metrics are drawn (a fresh Python: gc is process-wide).
    code = ("import gc, json; from painboard.tui.launch import pause_collection, resume_collection\n"
            "pause_collection(); kept = [[i] for i in range(5000)]; paused = gc.isenabled()\n"
            "resume_collection()\n"
            "print(json.dumps([paused, gc.isenabled(), gc.get_freeze_count() >= 5000, gc.get_count()[0]]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    paused, enabled, frozen, young = json.loads(r.stdout)
    assert (paused, enabled, frozen) == (False, True, True)
    assert young < 100  # the young generation starts empty, not with the start's objects


@pytest.mark.parametrize(("own", "expected"), [(None, int(FRAMES_PER_SECOND)), ("30", 30)])
def test_the_dashboard_paces_textual_frames_unless_the_person_chose(own, expected):
    # Textual reads TEXTUAL_FPS when it is imported: what the dashboard's own process ends up
    # with. Textual's own default is 60 frames a second.
    assert int(FRAMES_PER_SECOND) > 60
    code = ("from painboard.tui.launch import pace_frames; pace_frames(); "
            "import textual.constants as c; print(c.MAX_FPS)")
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    if own is not None:
        env["TEXTUAL_FPS"] = own
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) == expected
