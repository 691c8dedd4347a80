"""The quick log: a one-line form always on the dashboard. A digit typed anywhere on the
dashboard lands here, Enter saves it, Tab opens the log form with the score in it for the
details, Esc clears. (MainScreen's keys call start, type, save, details and clear.)

Issue 22: a digit used to open a modal form, and building and drawing that form over the
dimmed dashboard was ten times the cost of a bare Input echoing the key. The score now goes
into a widget that is already on the screen, and the first frame after the digit draws those
few cells alone: the focus (which redraws the plan as it leaves it) follows a frame later.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Label, Static

from painboard.terminal_text import clean
from painboard.tui.css import sibling_css

HINT = "Enter saves · Tab details · Esc clears"
STILL_SAVING = "still saving the score shown: Esc gives up"


class QuickScore(Widget, can_focus=False):
    """The score: up to two digits. It takes the focus while it holds the keys (can_focus
    follows), so Tab from the panels does not stop here.

    Not a Textual Input: a changed Input value resizes it (a layout of the whole screen);
    this draws its few cells again and nothing else."""

    MAX_DIGITS = 2  # "1" then "0" give 10; "12" is said to be out of range when Enter saves it

    value: reactive[str] = reactive("")
    # Holding the keys: drawn bold with a cursor. Not a CSS class: restyling costs more than
    # the digit's whole frame.
    active: reactive[bool] = reactive(False)

    def check_consume_key(self, key: str, character: str | None) -> bool:
        # With the focus here, a letter is refused here rather than taken as the dashboard's
        # (the key line then shows what works: digits, Enter, Tab, Esc). Not the digits: the
        # screen's priority bindings type them in order with Enter, which they also handle
        # (a digit sent on to this widget would reach it after an Enter typed behind it).
        return character is not None and character.isprintable() and not character.isdigit()

    def on_key(self, event: events.Key) -> None:
        if event.character is not None and event.character.isprintable():
            event.stop()
            event.prevent_default()
            self.parent.type(event.character)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self.parent.type(event.text.strip())

    def render(self) -> Text:
        if not self.active:
            return Text(self.value or "0-10", "" if self.value else "dim")
        return Text(self.value, "bold").append(" ", "reverse")  # the cursor: where the next digit goes


class QuickLog(Horizontal):
    """`Log pain now [7 ] Enter saves · Tab details · Esc clears`, and what became of a save."""

    DEFAULT_CSS = sibling_css(__file__)

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.typed_at: datetime | None = None  # an entry is stamped when its first digit was typed
        self._saving = None  # the write under way (a worker), kept while the database is busy
        self._said = HINT
        self.score = QuickScore(id="quick-score")

    def compose(self) -> ComposeResult:
        yield Label("Log pain now", id="quick-label")
        yield self.score
        yield Static(HINT, id="quick-message", markup=False)

    @property
    def active(self) -> bool:
        """The line holds the keys: a digit started a score, not yet saved or cleared."""
        return self.score.active

    def start(self, digit: str) -> None:
        """A digit typed on the dashboard: a new score (or the next digit of this one)."""
        if self.active:
            self.type(digit)
            return
        from painboard.tui.format import utcnow

        score = self.score
        self.typed_at = utcnow()
        score.value = digit
        score.active = True
        if self._said != HINT:
            self.say(HINT)
        # The focus a frame later: moving it redraws the plan as it leaves it, which would
        # hold up the digit's own frame. Until then the screen's keys route to this line.
        self.call_after_refresh(self.take_focus)

    def take_focus(self) -> None:
        score = self.score
        if self.active and self.screen.focused is not score and self.screen.is_current:
            score.can_focus = True
            self.screen.set_focus(score, scroll_visible=False)
        hold = getattr(self.app, "key_hold", None)
        if hold is not None:
            hold.release()  # the keys typed after the digit (MainScreen.form_keys) come here now

    def type(self, text: str) -> None:
        score = self.score
        if self._saving is not None:
            self.say(STILL_SAVING, error=True)
        elif text.isdigit() and len(score.value) + len(text) <= score.MAX_DIGITS:
            score.value += text
            if self._said != HINT:  # an error said about an earlier score
                self.say(HINT)
        else:
            self.say("the score is a number from 0 to 10", error=True)

    def delete_left(self) -> None:
        if self._saving is None:
            self.score.value = self.score.value[:-1]

    def say(self, text: str, error: bool = False) -> None:
        msg = self.query_one("#quick-message", Static)
        msg.update(Text(clean(text)))  # an error may quote what was typed: never markup
        msg.set_class(error, "-error")
        self._said = text

    def clear(self) -> None:
        """Esc: the score goes and the dashboard has the keys again. While a save waits for a
        busy database, Esc gives it up (an attempt already under way may still land)."""
        if self._saving is not None:
            self._saving.cancel()
            self._saving = None
        self._free()

    def _free(self) -> None:
        score = self.score
        score.value = ""
        score.active = False
        self.typed_at = None
        self.say(HINT)
        score.can_focus = False
        if self.screen.focused is score:
            self.screen.focus_plan()

    def save(self) -> None:
        """Enter: the score saved at once, stamped when it was typed."""
        from painboard.errors import BadInput
        from painboard.models import PainEntry
        from painboard.tui.dialogs.base import in_user_words, write_kept
        from painboard.tui.format import utcnow

        if self._saving is not None:
            return  # already saving: Enter pressed twice
        raw = self.score.value
        if not raw:
            self.say("Pain (0-10): type a number from 0 to 10", error=True)
            return
        fields = dict(intensity=raw, occurred_at=self.typed_at or utcnow())
        try:
            PainEntry.build(**fields)  # a typo shown at once, before any database work
        except BadInput as exc:
            self.say(in_user_words(exc), error=True)
            return
        pb = self.app.pb

        def done(entry) -> None:
            from painboard.tui.dialogs.log_entry import show_logged

            self._free()
            show_logged(self.app, entry)

        def settled() -> None:
            if self._saving is worker:
                self._saving = None

        # "here": this save is still the line's (Esc gave it up, or a later one started)
        def busy_words(exc) -> str:  # one line at 80 columns
            held = f" (PID {exc.pid})" if exc.pid else ""
            return f"database busy{held}: retrying, {raw} kept · Esc gives up"

        worker = None
        self._saving = worker = write_kept(self.app, lambda: pb.log_pain(**fields), done, say=self.say,
                                           settled=settled, here=lambda: self._saving is worker,
                                           busy_words=busy_words)

    def details(self) -> None:
        """Tab: the log form, with this score and its time, for where, what it felt like, …"""
        from painboard.tui.dialogs.log_entry import LogEntryDialog

        if self._saving is not None:
            self.app.key_hold.release()  # no form comes: the keys held after Tab go on
            self.say(STILL_SAVING, error=True)
            return
        raw = self.score.value
        dialog = LogEntryDialog(intensity=int(raw) if raw else None, opened_at=self.typed_at,
                                start="sites" if raw else "intensity")
        self.app.push_screen(dialog, self._after_details)

    def _after_details(self, entry) -> None:
        if entry is not None:  # saved from the form: the line is free again
            self._free()
        # Esc in the form: back here with the score as it was (Enter saves it, Esc clears)
