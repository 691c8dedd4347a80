"""Import: a file from another app (or painboard's own export), all rows or none.

The path completes file and folder names (Tab takes the grey suggestion); the format the file
is recognised as is shown before anything is written (Enter checks a path it has not seen,
Enter again imports); a bar follows the reading; the result stays in the dialog.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from pathlib import Path

from textual.app import ComposeResult
from textual import events
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.suggester import Suggester
from textual.widgets import Input, Label, ProgressBar, RadioButton, RadioSet, Select, Static

from painboard.errors import BadInput, DatabaseBusy, PainboardError
from painboard.import_child import ImportCancelled, stop
from painboard.tui.dialogs.base import Dialog

AUTO = "(auto)"  # the format list's first choice: whatever the file is recognised as
# The date orders an importer may be told (-O date_order=...), in the words shown.
DATE_ORDERS = [("auto", "auto"), ("dmy", "day first"), ("mdy", "month first"), ("ymd", "year first")]
KIND_WORDS = {"pain_entry": "pain entries", "episode": "breakthrough episodes", "daily_review": "daily reviews",
              "plan_item": "plan items", "plan_event": "plan events"}
HINT = "Enter looks at the file (nothing is written yet) · Tab completes · Esc closes"
HINT_READY = "Enter or ctrl+s imports · Tab next field · Esc closes"
PROGRESS_EVERY = 0.05  # seconds: a flood of progress calls from the reader merges into 20 a second


def complete_path(value: str) -> str | None:
    """``value`` completed to the first file or folder name it starts (folders end in /).

    The typed text is kept as typed (a leading ~ stays); hidden names only when the typed part
    starts with a dot. None when nothing longer matches.
    """
    if not value:
        return None
    folder, stem = os.path.split(os.path.expanduser(value))
    try:
        with os.scandir(folder or ".") as it:
            names = sorted((e.name + ("/" if e.is_dir() else "")) for e in it
                           if e.name.startswith(stem) and (stem.startswith(".") or not e.name.startswith(".")))
    except OSError:
        return None
    for name in names:
        if len(name) > len(stem):
            return value + name[len(stem):]
    return None


class PathSuggester(Suggester):
    """Grey completion of file and folder names, listed off the event loop."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)  # files come and go; names are exact

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(complete_path, value)


class PathInput(Input):
    """An Input whose Tab completes the path (as the suggestion shows) before moving on."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        # Tab is taken here, in order with the keys typed before it. Left to the dialog's
        # priority Tab binding, it ran as the app read it: after the dialog was up it always
        # moved on without completing, and in a burst before "dow" had reached the field.
        return key == "tab" or super().check_consume_key(key, character)

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "tab":
            event.stop()
            event.prevent_default()
            done = complete_path(self.value) if self.cursor_at_end else None  # not the grey
            if done:  # suggestion: it may not be there yet
                self.value = done
                self.cursor_position = len(done)
            else:
                self.screen.focus_next()  # nothing to complete: Tab moves on as usual
            return
        await super()._on_key(event)


class KeysAhead:
    """Keys typed in one burst with the key that opens the dialog (a paste, a fast typist over
    SSH). Textual hands them to the widget that had the focus on the screen below; that screen
    gives them here and the dialog replays them, in order, in its own fields."""

    WAIT = 1.0  # seconds the opening key has to open the dialog; after that keys are the screen's again

    def __init__(self) -> None:
        self.keys: list[events.Key] = []
        self.dialog: ImportDialog | None = None  # set once the dialog can take keys itself
        self.opening = False  # the dialog is on its way (pushed, not yet mounted)
        self.closed = False
        self.since = time.monotonic()

    def give(self, event: events.Key) -> bool:
        if not self.opening and time.monotonic() - self.since > self.WAIT:
            self.closed = True  # the key did not open the dialog (refused, or bound elsewhere)
        if self.closed:
            return False
        key = events.Key(event.key, event.character)
        if self.dialog is None:
            self.keys.append(key)
        else:
            self.dialog._forward_event(key)
        return True


class ImportDialog(Dialog):
    CSS_PATH = "import_file.tcss"
    BINDINGS = [Binding("escape", "cancel", "cancel"), Binding("ctrl+s", "import", "import")]
    FIELD_INPUTS = {"file": "path", "path": "path"}

    def __init__(self, path: str = "", keys_ahead: KeysAhead | None = None) -> None:
        super().__init__()
        self.start_path = path
        self.keys_ahead = keys_ahead or KeysAhead()
        self.keys_ahead.opening = True
        self.importers: dict = {}
        self.checked: tuple[str, str | None] | None = None  # (path, detected importer name) on screen
        self.result = None
        self._cancel = threading.Event()
        self._last_progress = 0.0
        self._detect_timer = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="import-dialog"):
            yield Static("Import a file", classes="title")
            with Horizontal(classes="row"):
                yield Label("File")
                yield PathInput(self.start_path, id="path", suggester=PathSuggester(),
                                placeholder="path of the file (Tab completes)")
            yield Static("", id="detected")
            with Horizontal(classes="row", id="format-row"):
                yield Label("Format")
                yield Select([("tell from the file", AUTO)], value=AUTO, allow_blank=False, compact=True,
                             id="format")
            with Horizontal(id="date-row"):
                yield Label("Dates")
                with RadioSet(id="date-order"):
                    for i, (_, words) in enumerate(DATE_ORDERS):
                        yield RadioButton(words, value=(i == 0))
            yield ProgressBar(total=100, show_eta=False, id="progress")
            yield Static("", classes="message")
            yield Static("", id="result")
            yield Static(HINT, classes="hint")

    def _forward_event(self, event) -> None:
        # Keys typed in one burst with the key that opened the dialog reach the screen before
        # anything in it has the focus: keep them for the path field, in order.
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self.keys_ahead.dialog is None:
                self.keys_ahead.keys.append(event)
                return
            if self.focused is not None:
                self.focused._forward_event(event)
                return
        super()._forward_event(event)

    def on_mount(self) -> None:
        super().on_mount()
        path = self.query_one("#path", Input)
        self.set_focus(path)
        for event in self.keys_ahead.keys:
            path._forward_event(event)
        self.keys_ahead.keys.clear()
        self.keys_ahead.dialog = self
        self.app.read(lambda: dict(self.app.pb.registry.importers), self._show_formats)
        self._show_dates()

    def on_unmount(self) -> None:
        self.keys_ahead.closed = True
        stop(self._cancel)  # the app quitting mid-import: its child goes with it

    def _show_formats(self, importers: dict) -> None:
        self.importers = importers
        self.query_one("#format", Select).set_options(
            [("tell from the file", AUTO)] + [(f"{imp.label} ({name})", name) for name, imp in importers.items()])
        self._show_dates()
        if self.query_one("#path", Input).value.strip():
            self._detect_soon()

    # -- what the file is -----------------------------------------------------------------
    @property
    def path_text(self) -> str:
        return self.query_one("#path", Input).value.strip()

    @property
    def chosen(self) -> str | None:
        v = self.query_one("#format", Select).value
        return None if v in (AUTO, Select.BLANK) else str(v)

    def importer_name(self) -> str | None:
        """The format the import will use: the one chosen, else the one detected for this path."""
        if self.chosen:
            return self.chosen
        if self.checked and self.checked[0] == self.path_text:
            return self.checked[1]
        return None

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "path":
            return
        self.checked = None
        if self.result is not None:
            self.result = None
            self.query_one("#result", Static).update("")
        self.say("")
        self.query_one("#detected", Static).update("")
        self._hint(HINT)
        self._show_dates()
        self._detect_soon()

    def _detect_soon(self) -> None:
        # While typing, look only after a pause; Enter looks at once.
        if self._detect_timer is not None:
            self._detect_timer.stop()
        self._detect_timer = self.set_timer(0.3, self._detect)

    def _detect(self) -> None:
        text = self.path_text
        if not text:
            return
        self.run_worker(lambda: self._detect_in_thread(text), thread=True, group="detect",
                        exclusive=True, exit_on_error=False)

    def _detect_in_thread(self, text: str) -> None:
        p = Path(text).expanduser()
        if p.is_dir():
            found = (None, "a folder: pick a file in it (Tab lists what it holds)")
        elif not p.is_file():
            found = (None, "no such file")
        else:
            try:
                imp = self.app.pb.detect_importer(p)
                found = (imp.name, f"Looks like: {imp.label} ({imp.name}), {_size(p.stat().st_size)}")
            except BadInput:
                found = (None, "Not recognised: pick its format below")
            except (OSError, PainboardError) as exc:
                found = (None, f"cannot read it: {exc}")
        self.app.call_from_thread(self._show_detected, text, p.is_file(), *found)

    def _show_detected(self, text: str, is_file: bool, name: str | None, words: str) -> None:
        if text != self.path_text:
            return  # the path changed while we looked
        self.checked = (text, name) if is_file else None
        ready = is_file and (name or self.chosen)
        self.query_one("#detected", Static).update(words)
        self._hint(HINT_READY if ready else HINT)
        if self._saving is None:
            self.say("")
        self._show_dates()

    def _hint(self, text: str) -> None:
        self.query_one(".hint", Static).update(text)

    def _show_dates(self) -> None:
        """The date order only for formats that read numeric dates in a locale's order."""
        imp = self.importers.get(self.importer_name() or "")
        needs = imp is not None and "date_order" in (imp.description or "")
        self.query_one("#date-row").display = needs

    def on_select_changed(self, event: Select.Changed) -> None:
        self._show_dates()
        if self.checked and self.checked[0] == self.path_text:
            self._hint(HINT_READY if self.importer_name() else HINT)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.has_focus:  # an order picked: back to the path, where Enter imports
            self.query_one("#path", Input).focus()

    # -- importing ------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_import()

    def action_import(self) -> None:
        if self._saving is not None:
            return  # already importing
        text = self.path_text
        if self.result is not None:
            self.dismiss(self.result)  # Enter after the result closes
            return
        if not text:
            self.say("File: give the path of the file to import", error=True)
            self.query_one("#path", Input).focus()
            return
        if self.app.settings.read_only:
            self.say("read-only session: importing writes to the database, so it is off here; "
                     "open painboard without --read-only to import", error=True)
            return
        if self.checked is None or self.checked[0] != text:
            # Nothing is written before the format is on screen: this Enter only looks.
            if self._detect_timer is not None:
                self._detect_timer.stop()
            self.say("looking at the file…")
            self._detect()
            return
        fmt = self.importer_name()
        if fmt is None:
            self.say("Format: painboard cannot tell what this file is; pick its format", error=True)
            self.query_one("#format", Select).focus()
            return
        options = {}
        order = self.query_one("#date-order", RadioSet).pressed_index
        if self.query_one("#date-row").display and order > 0:
            options["date_order"] = DATE_ORDERS[order][0]
        self._start(Path(text).expanduser(), fmt, options)

    def _start(self, path: Path, fmt: str, options: dict[str, str]) -> None:
        pb = self.app.pb
        cancel = self._cancel = threading.Event()  # this import's own: Esc stops this one only
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=100, progress=0)
        bar.display = True
        self.say(f"reading {path.name}…")

        def progress(done: int, total: int) -> None:  # in the worker thread
            if cancel.is_set():
                raise ImportCancelled()  # Esc: stop reading, write nothing
            now = time.monotonic()
            if done < total and now - self._last_progress < PROGRESS_EVERY:
                return
            self._last_progress = now
            self.app.call_from_thread(self._show_progress, done, total)

        def run():
            # In a child process (import_child): this thread only waits, and cancel kills it.
            return pb.import_file(path, fmt, progress=progress, options=options, cancel=cancel)

        def mine(fn):  # an import stopped by Esc reports nothing over the next one
            return lambda arg: fn(arg) if not cancel.is_set() or not isinstance(arg, ImportCancelled) else None

        self._saving = self.app.write(run, mine(self._done), on_error=mine(self._failed), on_busy=self._busy)

    def _show_progress(self, done: int, total: int) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(total, 1), progress=done)
        if done >= total:
            self.say("writing…")

    def _done(self, result) -> None:
        self._saving = None
        if self not in self.app.screen_stack:  # Esc came after the reading: it was written
            self.app.notify(f"imported after all: {summary(result).splitlines()[0]}", timeout=6)
            return
        self.result = result
        self.query_one("#progress", ProgressBar).update(total=1, progress=1)
        self.say("")
        self.query_one("#result", Static).update(summary(result))
        self.query_one("#path", Input).focus()
        self._hint("Enter or Esc closes · change the path to import another")

    def _failed(self, exc: PainboardError) -> None:
        self._saving = None
        if self not in self.app.screen_stack:
            if not isinstance(exc, ImportCancelled):
                self.app.notify(str(exc), severity="error", timeout=6)
            return
        self.query_one("#progress", ProgressBar).display = False
        text = str(exc)
        if isinstance(exc, BadInput) and "--date-order" in text:
            self.query_one("#date-row").display = True
            self.query_one("#date-order", RadioSet).focus()
            text += " (here: Dates, then Enter)"
        self.say(text + ("" if "nothing was written" in text else "; nothing was written"), error=True)

    def _busy(self, exc: DatabaseBusy) -> None:
        if self not in self.app.screen_stack:
            return
        held = f" (held by PID {exc.pid})" if exc.pid else ""
        self.say(f"database busy{held}: trying again, nothing written yet. Esc gives up.")

    def action_cancel(self) -> None:
        """Esc while importing stops it at once (the child is killed, nothing lands) and the
        dialog says so; Esc otherwise closes."""
        if self._saving is not None:
            stop(self._cancel)
            self._saving.cancel()  # and a retry loop for a busy database stops
            self._saving = None
            self.query_one("#progress", ProgressBar).display = False
            self.say(str(ImportCancelled()), error=True)
            self._hint("Enter imports again · Esc closes")
            return
        super().action_cancel()


def summary(result) -> str:
    """What an import did, in lines: added and already there per kind, and what was left out."""
    lines = [f"Imported from {Path(result.path).name} ({result.format})"]
    for kind, n in result.read.items():
        if n:
            added = result.added.get(kind, 0)
            lines.append(f"  {KIND_WORDS.get(kind, kind)}: {added} added, {n - added} already there")
    if len(lines) == 1:
        lines.append("  nothing to import in this file")
    left_out = ", ".join(f"{what} {n}" for what, n in result.skipped.items() if n)
    if left_out:
        lines.append(f"  skipped: {left_out}")
    return "\n".join(lines)


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} bytes"
