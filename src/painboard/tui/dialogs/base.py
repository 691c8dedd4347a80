"""What every painboard dialog shares: Escape cancels, Enter saves, errors stay in the dialog."""

from __future__ import annotations

import time
from typing import Any, Callable

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from painboard.errors import BadInput, DatabaseBusy, PainboardError


class TermsSuggester(Suggester):
    """Completes the last comma-separated term from a list (sites, qualities)."""

    def __init__(self, terms) -> None:
        super().__init__(use_cache=False, case_sensitive=False)
        self.terms = list(terms)

    async def get_suggestion(self, value: str) -> str | None:
        head, sep, last = value.rpartition(",")
        stem = last.lstrip()
        if not stem:
            return None
        for t in self.terms:
            if t.startswith(stem.lower()) and t != stem.lower():
                pad = last[: len(last) - len(stem)]
                return f"{head}{sep}{pad}{t}"
        return None


class Dialog(ModalScreen):
    """A modal form. Subclasses call ``save_with(fn, done)``; the write runs in a thread."""

    BINDINGS = [Binding("escape", "cancel", "cancel"),
                # priority: run as the app reads the key, before it hands on the keys typed
                # after it, so those land in the next field (a burst "55 Tab 4")
                Binding("tab", "focus_next_field", "next field", show=False, priority=True),
                Binding("shift+tab", "focus_previous_field", "previous field", show=False, priority=True)]

    # Map BadInput.field to the input that should get the focus.
    FIELD_INPUTS: dict[str, str] = {}

    def __init__(self) -> None:
        super().__init__()
        self._saving = None
        self._saving_since = 0.0

    def on_mount(self) -> None:
        for inp in self.query(Input):
            inp.cursor_blink = self.app.cursor_blink
        # The subclass focuses its first field in its on_mount: keys typed ahead come after.
        hold = getattr(self.app, "key_hold", None)
        if hold is not None:
            self.call_after_refresh(hold.release)

    def action_focus_next_field(self) -> None:
        self.focus_next()

    def action_focus_previous_field(self) -> None:
        self.focus_previous()

    def action_cancel(self) -> None:
        if self._saving is not None:
            self._saving.cancel()  # a retry loop for a busy database stops here
        self.dismiss(None)

    def say(self, text: str, error: bool = False) -> None:
        msg = self.query_one(".message", Static)
        msg.update(text)
        msg.set_class(error, "-error")

    def save_with(self, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        if self._saving is not None:
            return  # already saving: Enter pressed twice
        self.say("saving…")
        self._saving_since = time.monotonic()

        def ok(result: Any) -> None:
            self._saving = None
            if self not in self.app.screen_stack:  # Esc came while an attempt was under way
                self.app.notify("saved after all: that attempt was already under way", timeout=6)
                return
            done(result)

        def failed(exc: PainboardError) -> None:
            self._saving = None
            if self not in self.app.screen_stack:
                self.app.notify(str(exc), severity="error", timeout=6)
                return
            self.say(str(exc), error=True)
            if isinstance(exc, BadInput) and exc.field:
                target = self.FIELD_INPUTS.get(exc.field.split(".")[0])
                if target:
                    self.query_one(f"#{target}", Input).focus()

        def busy(exc: DatabaseBusy) -> None:
            if self not in self.app.screen_stack:
                return
            held = f" (held by PID {exc.pid})" if exc.pid else ""
            self.say(f"database busy{held}: still trying, what you typed is kept. Esc gives up.")

        self._saving = self.app.write(fn, ok, on_error=failed, on_busy=busy)

    @staticmethod
    def value(inp: Input) -> str | None:
        v = inp.value.strip()
        return v or None
