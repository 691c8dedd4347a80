"""What every painboard dialog shares: Escape cancels, Enter saves, errors stay in the dialog."""

from __future__ import annotations

import re
import time
from typing import Any, Callable

from rich.text import Text

from textual.binding import Binding
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.containers import Horizontal
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import Input, Label, RadioButton, Select, Static

from painboard.terminal_text import clean
from painboard.tui.format import NARROW
from painboard.errors import BadInput, DatabaseBusy, PainboardError


# The one mapping from a record's field names to the labels the dialogs show, so that an error
# names the field as the form does ("Relief from treatment %", not "relief_pct").
FIELD_LABELS: dict[str, str] = {
    "intensity": "Pain (0-10)", "sites": "Where", "qualities": "What it felt like",
    "activity": "Doing what when it began", "worse": "Made worse by", "better": "Made better by",
    "duration_min": "How long (minutes)", "duration": "How long (minutes)", "note": "Note",
    "at": "When", "occurred_at": "When", "pattern": "Pattern",
    "peak": "Peak pain so far (0-10)", "onset": "Started",
    "worst": "Worst in the last 24 h", "least": "Least in the last 24 h", "average": "On average",
    "now": "Right now", "relief_pct": "Relief from treatment %",
    "interference": "How much pain got in the way", "day": "Day",
    "out": "File", "path": "File",
}


def _plain(message: str) -> str:
    """pydantic's wording ("Input should be 'a' or 'b'") in plain words."""
    m = re.fullmatch(r"Input should be ((?:'[^']*'(?:, | or )?)+)", message)
    if m:
        choices = re.findall(r"'([^']*)'", m.group(1))
        return "choose " + ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else f"choose {choices[0]}"
    for pattern, words in ((r"Input should be a valid integer.*", "must be a whole number"),
                           (r"Input should be a valid number.*", "must be a number"),
                           (r"Input should be a valid (date|datetime).*", "must be a date and time like 2026-11-28 14:30"),
                           (r"Field required", "is needed"), (r"Input should be (.*)", r"should be \1")):
        if re.fullmatch(pattern, message):
            return re.sub(pattern, words, message)
    return message


def in_user_words(exc: Exception) -> str:
    """An error as a dialog shows it: the form's label for the field, then plain words."""
    if not isinstance(exc, BadInput) or not exc.field:
        return str(exc)
    from painboard.models import INTERFERENCE_DOMAINS

    top = exc.field.split(".")[0]
    label = FIELD_LABELS.get(top, top.replace("_", " "))
    message = _plain(exc.message)
    if top == "interference":  # "sleep must be ..." names the domain by its key
        key, _, rest = message.partition(" ")
        if key in INTERFERENCE_DOMAINS:
            message = f"{INTERFERENCE_DOMAINS[key]}: {rest}"
    else:  # "is higher than worst": another field named in the message, by its label too
        message = re.sub(r"\b(worst|least|peak|onset|relief_pct|duration_min)\b",
                         lambda w: FIELD_LABELS[w.group(1)].lower(), message)
    return f"{label}: {message}"


def pattern_row() -> Horizontal:
    """A pain's pattern: one of three, picked from a list (Enter opens it, arrows, Enter picks)."""
    from typing import get_args

    from painboard.models import Pattern

    return Horizontal(Label(FIELD_LABELS["pattern"]),
                      Select([(p, p) for p in get_args(Pattern)], prompt="not said (Enter to choose)", id="pattern",
                             compact=True),
                      classes="row")


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


def write_kept(app, fn: Callable[[], Any], done: Callable[[Any], None], *, say: Callable[..., None],
               here: Callable[[], bool], settled: Callable[[], None],
               failed: Callable[[PainboardError], None] | None = None,
               busy_words: Callable[[DatabaseBusy], str] | None = None):
    """One write from a form (a dialog, the dashboard's quick log), in a thread worker: "saving…",
    retried while the database is busy with the form keeping what was typed, the outcome said
    in the form while it is still ``here``, else as a toast (``busy_words``: a one-line form's
    shorter words for the wait). ``settled`` runs first when the attempt ends either way; the
    worker is returned (cancel it to give up)."""
    say("saving…")

    def ok(result: Any) -> None:
        wanted = here()
        settled()
        if not wanted:  # given up while an attempt was under way
            app.notify("saved after all: that attempt was already under way", timeout=6)
            return
        done(result)

    def not_saved(exc: PainboardError) -> None:
        wanted = here()
        settled()
        if not wanted:
            app.notify(in_user_words(exc), severity="error", timeout=6)
            return
        say(in_user_words(exc), error=True)
        if failed is not None:
            failed(exc)

    def busy(exc: DatabaseBusy) -> None:
        if here():
            held = f" (held by PID {exc.pid})" if exc.pid else ""
            say(busy_words(exc) if busy_words else
                f"database busy{held}: still trying, what you typed is kept. Esc gives up.")

    return app.write(fn, ok, on_error=not_saved, on_busy=busy)


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

    def on_resize(self) -> None:
        try:
            self.fit_words(self.app.size.width < NARROW)
        except NoMatches:  # a resize reaching a form being taken down (its parts go one by one)
            pass

    def fit_words(self, narrow: bool) -> None:
        """A form with short words for a narrow terminal sets them here (on mount and resize)."""

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
        msg.update(Text(clean(text)))  # an error may quote what was typed: never markup
        msg.set_class(error, "-error")

    def save_with(self, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        if self._saving is not None:
            return  # already saving: Enter pressed twice
        self._saving_since = time.monotonic()

        def settled() -> None:
            self._saving = None

        def failed(exc: PainboardError) -> None:
            if isinstance(exc, BadInput) and exc.field:
                target = self.FIELD_INPUTS.get(exc.field.split(".")[0])
                if target:
                    self.query_one(f"#{target}").focus()

        self._saving = write_kept(self.app, fn, done, say=self.say, settled=settled, failed=failed,
                                  here=lambda: self in self.app.screen_stack)  # Esc: no longer here

    @staticmethod
    def value(inp: Input) -> str | None:
        v = inp.value.strip()
        return v or None


class MarkedButton(RadioButton):
    """A choice that shows it is chosen by a mark, "(•)", not by colour alone (NO_COLOR, 16 colours)."""

    @property
    def _button(self) -> Content:
        return Content.styled("(•)", "bold") if self.value else Content("( )")
