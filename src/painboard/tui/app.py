"""The dashboard app: owns the data plumbing (refresh, live polling, writes) in thread workers.

Nothing here touches DuckDB on the UI thread: every call into services runs in a thread
worker and answers back with a message or ``call_from_thread``.

Nothing here imports the services (nor pydantic, nor duckdb) before the first frame: the app
may be given the Settings alone, and the first thread worker that needs the data builds the
Painboard (importing services, models and the store) while the frame is already on screen.
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.worker import get_current_worker

from painboard.config import Settings
from painboard.errors import DatabaseBusy, DatabaseMoved, PainboardError, ReadOnly
from painboard.terminal_text import clean
from painboard.tui.commands import PainboardCommands
from painboard.tui.format import RECENT_SHOWN, range_days, start_range
from painboard.tui.reminders import ReminderNotices, reminders_now

if TYPE_CHECKING:
    from painboard.first_read import FirstRead
    from painboard.services import Painboard, Snapshot


class SnapshotReady(Message):
    """A refresh finished: everything the main screen shows, read in one unit of work."""

    def __init__(self, snapshot: Snapshot, seconds: float) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.seconds = seconds


class DatabaseState(Message):
    """live | busy | moved | error, with a few words for the header."""

    def __init__(self, state: str, text: str = "") -> None:
        super().__init__()
        self.state = state
        self.text = text


KEY_LINE_WAIT = 0.5  # seconds after the first frame; sooner when the first full read is drawn


def _as_app_error(exc: Exception) -> PainboardError:
    """Any failure in a worker, in words the dashboard can show."""
    if isinstance(exc, PainboardError):
        return exc
    return PainboardError(f"something went wrong: {type(exc).__name__}: {exc}")


class PainboardApp(App):
    """painboard's dashboard."""

    TITLE = "painboard"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {PainboardCommands}
    BINDINGS = [
        Binding("question_mark", "help", "help", key_display="?"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, pb: Painboard | Settings, *, poll_interval: float | None = 1.0, cursor_blink: bool = True,
                 range_label: str | None = None, recent: int = RECENT_SHOWN,
                 first_read: FirstRead | None = None, on_started: Callable[[], None] | None = None) -> None:
        super().__init__()
        from painboard.tui.typeahead import KeyHold

        self.key_hold = KeyHold(self)  # keys typed before a form is up wait for it
        if isinstance(pb, Settings):
            self.settings, self._pb = pb, None
        else:
            self.settings, self._pb = pb.settings, pb
        self._pb_lock = threading.Lock()
        self.tz = self.settings.tz
        self.poll_interval = poll_interval
        self.cursor_blink = cursor_blink
        # The range and theme last chosen are kept in the settings file (config.py).
        self.range_label = range_label or start_range(self.settings.range)
        self.recent = recent
        self._first_read = first_read  # the opening snapshot, read by a child process
        self._first_metrics: FirstRead | None = None  # that child, reading the metrics next
        self._wrote = False  # a write from here since the start (the child's metrics are older)
        self._on_started = on_started  # once: the first data is drawn, or the first read failed
        self.snapshot: Snapshot | None = None
        self.timings: dict[str, float] = {"start": time.perf_counter()}
        self._refreshing = False
        self._refresh_again = False
        self._stop = threading.Event()
        self._reminder_notices = ReminderNotices()  # each due reminder shown once (issue 21)

    async def on_event(self, event) -> None:
        if isinstance(event, events.InputEvent) and not self.screen_stack:
            return  # closing: no screen is left to take a key (Textual's own handler raised)
        if self.key_hold.take(event):
            return
        await super().on_event(event)

    @property
    def pb(self) -> Painboard:
        """The use-cases; built on first use, normally by the first refresh worker."""
        if self._pb is None:
            with self._pb_lock:
                if self._pb is None:
                    from painboard.services import Painboard

                    self._pb = Painboard(self.settings)
        return self._pb

    @property
    def read_only(self) -> bool:
        return bool(self.settings.read_only)

    def get_default_screen(self):
        """The main screen is the app's first screen (no blank screen styled before it)."""
        from painboard.tui.screens.main import MainScreen

        self.main_screen = MainScreen()
        return self.main_screen

    def on_mount(self) -> None:
        if self._few_colours():
            self.theme = "ansi-dark"
        elif self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        self._saved = {"theme": self.theme, "range": self.range_label}
        self.theme_changed_signal.subscribe(self, lambda theme: self.keep_choice("theme", theme.name))
        # Paint first: the first read starts after the frame is on screen.
        self.call_after_refresh(self._first_paint)

    def keep_choice(self, key: str, value: str) -> None:
        """Write a changed theme or range to the settings file (a small write, off the UI thread).
        A read-only session writes no file: the choice lasts for this session only."""
        if getattr(self, "_saved", {}).get(key) == value:
            return
        if key == "theme" and value.startswith("ansi-") and self._few_colours():
            return  # picked for the terminal, not by the person
        self._saved[key] = value
        if not self.read_only:
            self._save_config({key: value})

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The palette's Screenshot: an SVG of the screen (health data) by the safe-output rule,
        0600 and never from a read-only session; the toast names the file in plain words."""
        if self.read_only:
            self.notify("read-only session: screenshots are off (no file is written)",
                        severity="warning", timeout=4)
            return None
        from pathlib import Path

        from platformdirs import user_downloads_path
        from textual._files import generate_datetime_filename

        from painboard.safe_output import write_file

        name = filename or generate_datetime_filename(self.title, ".svg", time_format)
        svg = self.export_screenshot().encode("utf-8")
        try:
            target, _ = write_file(Path(path or user_downloads_path()) / name, lambda fh: fh.write(svg),
                                   protected=[self.settings.db_path])
        except (PainboardError, OSError) as exc:
            self.notify(f"screenshot not saved: {exc}", severity="warning", timeout=6)
            return None
        self.notify(f"screenshot saved to {target}", title="Screenshot")
        return str(target)

    @work(thread=True, group="config", exit_on_error=False)
    def _save_config(self, changes: dict) -> None:
        from painboard.config import save_config

        try:
            save_config(changes)
        except OSError as exc:
            self.call_from_thread(self.notify, f"settings not saved: {exc}", severity="warning")

    def _few_colours(self) -> bool:
        # A 16-colour terminal (TERM=screen, linux): use the terminal's own palette, whose
        # colours the person already chose to be readable, instead of approximations.
        if self.is_headless:
            return False
        term = os.environ.get("TERM", "")
        colorterm = os.environ.get("COLORTERM", "")
        return not (colorterm in ("truecolor", "24bit") or "256" in term or "direct" in term)

    def _first_paint(self) -> None:
        self.timings["first_paint"] = time.perf_counter()
        self.request_refresh()
        # The key line joins once everything is drawn (it costs what the figures are waiting
        # for), or after a moment if the read is slow: a person waiting sees the keys.
        self.set_timer(KEY_LINE_WAIT, self.main_screen.add_key_line)
        if self.poll_interval:
            # Time alone changes what is shown: a dose turns overdue, midnight starts a new day.
            self.set_interval(60, self.request_refresh)

    def on_unmount(self) -> None:
        self._stop.set()
        for first in (self._first_read, self._first_metrics):
            if first is not None:
                first.cancel()

    async def action_quit(self) -> None:
        self._stop.set()
        self.exit()

    def action_help(self) -> None:
        from painboard.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # -- reading -------------------------------------------------------------------------
    @property
    def range_days(self) -> int | None:
        return range_days(self.range_label)

    def request_refresh(self) -> None:
        """Ask for fresh data; a flood of requests merges into at most one more read."""
        if self._refreshing:
            self._refresh_again = True
            return
        self._refreshing = True
        self._refresh_again = False
        self._read_snapshot(self.range_days)

    @work(thread=True, group="refresh", exit_on_error=False)
    def _read_snapshot(self, range_days: int | None) -> None:
        t0 = time.perf_counter()
        first, self._first_read = self._first_read, None
        if first is not None:
            if (first.range_days, first.recent) != (range_days, self.recent):
                first.cancel()  # another range was chosen before it came
            elif (snap := first.take()) is not None:  # without the metrics: the child sends
                self._first_metrics = first  # them next, for the refresh after this one
                for notice in first.notices:  # the child upgraded the file: say where its copy is
                    self.call_from_thread(self.notify, notice, timeout=10)
                self.post_message(SnapshotReady(snap, time.perf_counter() - t0))
                return
        if (snap := self._metrics_of_first_read(range_days)) is not None:
            self.post_message(SnapshotReady(snap, time.perf_counter() - t0))
            return
        try:
            snap = self.pb.snapshot(range_days=range_days, recent=self.recent)
        except DatabaseBusy as exc:
            self.post_message(DatabaseState("busy", f"held by PID {exc.pid}" if exc.pid else ""))
            self.call_from_thread(self._refresh_failed, 2.0)
            return
        except Exception as exc:  # never leave the dashboard waiting on a refresh that died
            self.post_message(DatabaseState("moved" if isinstance(exc, DatabaseMoved) else "error",
                                            str(_as_app_error(exc))))
            self.call_from_thread(self._show_why_empty, exc)
            self.call_from_thread(self._refresh_failed, 5.0)
            return
        self.post_message(SnapshotReady(snap, time.perf_counter() - t0))

    def _metrics_of_first_read(self, range_days: int | None) -> Snapshot | None:
        """The first snapshot with the metrics its child process read after it, when nothing was
        written here since and the range is the same; else None (and the child is ended)."""
        first, self._first_metrics = self._first_metrics, None
        if first is None:
            return None
        shown = self.snapshot
        if self._wrote or shown is None or range_days != first.range_days:
            first.cancel()
            return None
        got = first.take_metrics()
        if got is None or got[0] != shown.revision:
            return None
        from dataclasses import replace

        return replace(shown, metrics=got[1])

    def _show_why_empty(self, exc: Exception) -> None:
        """Nothing read yet: the panels say why instead of "reading your log…" for ever."""
        if self.snapshot is not None or not self.is_running:
            return
        path = self.settings.db_path
        if self.read_only and not path.exists():
            why = f"no database at {path}: nothing to show; run 'painboard demo' or log an entry first"
        else:
            why = f"could not read your log: {_as_app_error(exc)}; trying again every few seconds"
        self.loading_text = "nothing to show (see above)"
        self.main_screen.show_loading_text(why)

    def _refresh_failed(self, retry_in: float) -> None:
        self._refreshing = False
        if not self.is_running:  # closing: nothing to retry, no key line to add
            return
        self.main_screen.add_key_line()
        self._started()
        self.set_timer(retry_in, self.request_refresh)

    def on_snapshot_ready(self, msg: SnapshotReady) -> None:
        self._refreshing = False
        if not self.is_running:  # closing: a read that ends now has no screen left to show it on
            return
        self.snapshot = msg.snapshot
        if "first_data" not in self.timings:
            self.timings["first_data"] = time.perf_counter()
            self.call_after_refresh(self._started)
        if msg.snapshot.metrics is not None and "plugins_loaded" not in self.timings:
            # The first full read (at start, the child's): the plugin report and the watch for
            # other writers load the services and plugins in this process, once these figures
            # are drawn (the imports hold the GIL the drawing needs).
            self.timings["plugins_loaded"] = time.perf_counter()
            self.call_after_refresh(self._after_first_full_read)
        self.timings["last_refresh_s"] = msg.seconds
        while self._pb is not None and self._pb.db.notices:  # a copy kept before an upgrade
            self.notify(self._pb.db.notices.pop(0), timeout=10)
        self.main_screen.snapshot = msg.snapshot
        self.main_screen.db_state = ("live", "")
        if msg.snapshot.metrics is not None:  # reminders due now, a failing channel (issue 21)
            self.call_after_refresh(self._read_reminders)
        if msg.snapshot.metrics is None and self._first_metrics is not None:
            # The child sends the metrics next: wait for them now (a worker blocked on the
            # pipe holds no GIL), so they are drawn as soon as these figures are.
            self.request_refresh()
        elif msg.snapshot.metrics is None:
            # No metrics to come from the child: read them once these figures are drawn (the
            # read imports the services, and would hold the GIL while they draw).
            self.call_after_refresh(self.request_refresh)
        elif self._refresh_again:
            self.request_refresh()

    def _read_reminders(self) -> None:
        # once the figures are drawn: the first read of them here imports the services
        self.read(lambda: reminders_now(self.pb), lambda found: self._reminder_notices.show(self, found))

    def _after_first_full_read(self) -> None:
        self.main_screen.add_key_line()
        self.read(lambda: (self.pb.plugin_list(), list(self.pb.registry.notices)),
                  self._report_plugin_failures)
        if self.poll_interval:
            self._poll(self.poll_interval)

    def _started(self) -> None:
        started, self._on_started = self._on_started, None
        if started is not None:
            started()

    def _report_plugin_failures(self, found) -> None:
        # A plugin that failed to load never takes the dashboard down; say so once. A refused
        # plugins folder is said in the registry's own words (why, and the chmod that helps).
        plugins, notices = found
        for notice in notices:
            self.notify(notice, severity="warning", timeout=12)
        for p in plugins:
            if getattr(p, "error", None) and not any(p.error in n for n in notices):
                self.notify(f"plugin {p.name} could not load: see 'painboard plugins'",
                            severity="warning", timeout=8)

    def on_database_state(self, msg: DatabaseState) -> None:
        if self.is_running:  # not while closing: the screen's parts are being taken down
            self.main_screen.db_state = (msg.state, msg.text)

    @work(thread=True, group="poll", exclusive=True, exit_on_error=False)
    def _poll(self, interval: float) -> None:
        """Notice writes by other processes: a cheap stat, then the revision counter."""
        worker = get_current_worker()
        last_stamp = self.pb.db.file_stamp()
        while not self._stop.wait(interval) and not worker.is_cancelled:
            stamp = self.pb.db.file_stamp()
            if stamp == last_stamp:
                continue
            try:
                rev = self.pb.revision()
            except DatabaseBusy:
                continue  # someone is writing: look again next tick
            except DatabaseMoved as exc:  # nothing is created in its place: say so until it is back
                self.post_message(DatabaseState("moved", str(exc)))
                last_stamp = stamp  # look again when the file is back
                continue
            except PainboardError:
                continue
            last_stamp = stamp
            shown = self.snapshot.revision if self.snapshot else None
            if rev != shown or self.main_screen.db_state[0] == "moved":
                self.call_from_thread(self.request_refresh)

    def notify(self, message: str, *, title: str = "", severity="information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every toast: its text is the user's words, never markup, never a terminal escape.

        (Widget.notify comes here too, so this is the one place.)"""
        super().notify(clean(message), title=clean(title), severity=severity, timeout=timeout,
                       markup=False)

    # -- writing -------------------------------------------------------------------------
    def refuse_if_read_only(self, what: str) -> bool:
        if self.read_only:
            self.notify(f"read-only session: {what} is off", severity="warning", timeout=3)
            return True
        return False

    def write(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
              on_error: Callable[[PainboardError], None] | None = None,
              on_busy: Callable[[DatabaseBusy], None] | None = None):
        """Run one write use-case in a thread; retry while the database is busy."""
        return self._write(fn, on_done, on_error, on_busy)

    @work(thread=True, group="write", exit_on_error=False)
    def _write(self, fn, on_done, on_error, on_busy) -> None:
        worker = get_current_worker()
        while not worker.is_cancelled:  # Esc in a dialog cancels: no further attempt starts
            try:
                result = fn()
                self._wrote = True
            except DatabaseBusy as exc:
                # What was typed stays in the form; try again until it lands or is cancelled.
                self.call_from_thread(on_busy or self._busy_notice, exc)
                if self._stop.wait(1.0):
                    return
                continue
            except Exception as exc:  # the caller's state (a form saving, a tick) must reset
                self.call_from_thread(on_error or self._error_notice, _as_app_error(exc))
                return
            self.call_from_thread(on_done, result)
            self.call_from_thread(self.request_refresh)
            return

    def _busy_notice(self, exc: DatabaseBusy) -> None:
        self.main_screen.db_state = ("busy", f"held by PID {exc.pid}, retrying" if exc.pid else "retrying")

    def _error_notice(self, exc: PainboardError) -> None:
        if isinstance(exc, ReadOnly):
            self.notify("read-only session: not saved", severity="warning")
        else:
            self.notify(str(exc), severity="error", timeout=6)

    def read(self, fn: Callable[[], Any], on_done: Callable[[Any], None]):
        """A one-off read (prefill, open episode) in a thread."""
        return self._read(fn, on_done)

    @work(thread=True, group="read", exit_on_error=False)
    def _read(self, fn, on_done) -> None:
        try:
            result = fn()
        except Exception as exc:
            self.call_from_thread(self.key_hold.release)  # no form comes from a failed read
            self.call_from_thread(self._error_notice, _as_app_error(exc))
            return
        self.call_from_thread(on_done, result)

