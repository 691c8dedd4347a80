"""The log form (l) and the quick log's details (a score typed on the dashboard, then Tab):
one entry of pain."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select, Static

from painboard.errors import BadInput
from painboard.tui.messages import EntryLogged
from painboard.models import KNOWN_QUALITIES, KNOWN_SITES, PainEntry, parse_when, utcnow
from painboard.tui.dialogs.base import Dialog, TermsSuggester, in_user_words, pattern_row

# id, label, placeholder; the optional fields Tab reaches after the score.
OPTIONAL = [
    ("sites", "Where", "e.g. left hip, lower back"),
    ("qualities", "What it felt like", "e.g. aching, sharp"),
    ("activity", "Doing what when it began", "e.g. walking"),
    ("worse", "Made worse by", "e.g. standing, coughing"),
    ("better", "Made better by", "e.g. rest, heat pad"),
    ("duration", "How long (minutes)", ""),
    ("note", "Note", ""),
]
FULL_ONLY = [
    ("at", "When", "now, 14:30, yesterday 22:10"),
]


def show_logged(app, entry) -> None:
    """A pain entry just saved (the log form, the quick log line): on the dashboard at once,
    before the refresh every write triggers, and said in a toast."""
    main = getattr(app, "main_screen", None)
    if main is not None and main.is_mounted:
        main.post_message(EntryLogged(entry))
    app.notify(f"logged {entry.intensity}/10 at {app.pb.local(entry.occurred_at):%H:%M}", timeout=3)


def _terms(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]



class LogEntryDialog(Dialog):
    BINDINGS = [Binding("escape", "cancel", "cancel"), Binding("ctrl+s", "save", "save"),
                # priority: run by the app before it hands on the keys typed after Tab, so
                # they land in the next field (a burst "ribs Tab sharp")
                Binding("tab", "next_field", "next field", show=False, priority=True),
                Binding("shift+tab", "previous_field", "previous field", show=False, priority=True)]
    FIELD_INPUTS = {"intensity": "intensity", "sites": "sites", "qualities": "qualities",
                    "activity": "activity", "worse": "worse", "better": "better",
                    "duration_min": "duration", "note": "note", "at": "at", "occurred_at": "at",
                    "pattern": "pattern"}

    def __init__(self, intensity: int | None = None, full: bool = False, opened_at: datetime | None = None,
                 start: str = "intensity") -> None:
        """``full``: the log form (l), with when and the pattern. Otherwise the quick log's
        details (Tab on the dashboard's quick log line): stamped ``opened_at``, when its score
        was typed, not when it saves; the focus starts in field ``start``."""
        super().__init__()
        self.intensity = intensity
        self.full = full
        self.opened_at = opened_at or utcnow()
        self.start = start

    def _row(self, fid: str, label: str, placeholder: str) -> Horizontal:
        suggester = (TermsSuggester(KNOWN_SITES) if fid == "sites" else
                     TermsSuggester(KNOWN_QUALITIES) if fid == "qualities" else None)
        return Horizontal(
            Label(label),
            Input(id=fid, placeholder=placeholder, suggester=suggester,
                  restrict=r"\d{0,5}" if fid == "duration" else None,
                  classes="-short" if fid == "duration" else ""),
            classes="row")

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="log-dialog"):
            yield Static("Log pain" if self.full else "Log pain now", classes="title")
            with Horizontal(classes="row"):
                yield Label("Pain (0-10)")
                yield Input("" if self.intensity is None else str(self.intensity), id="intensity",
                            restrict=r"\d{0,2}", max_length=2, classes="-short", placeholder="0-10",
                            select_on_focus=False)  # "1" then "0" must give 10
            if self.full:
                for fid, label, placeholder in FULL_ONLY:
                    yield self._row(fid, label, placeholder)
                yield pattern_row()
            for fid, label, placeholder in OPTIONAL:
                yield self._row(fid, label, placeholder)
            yield Static("", classes="message")
            yield Static("Enter save · Tab next field · Esc cancel", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        inp = self.query_one(f"#{self.start}", Input)
        inp.focus()
        inp.cursor_position = len(inp.value)

    def action_next_field(self) -> None:
        self._step_field(1)

    def action_previous_field(self) -> None:
        self._step_field(-1)

    def _step_field(self, step: int) -> None:
        # The fields in the order of the form, set at once: the keys typed after this Tab go
        # wherever the focus is now.
        fields = [w for w in self.query("Input, Select") if w.focusable]  # the pattern is a Select
        here = fields.index(self.focused) if self.focused in fields else -1
        self.set_focus(fields[(here + step) % len(fields)])

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        v = {i.id: self.value(i) for i in self.query(Input)}
        if v.get("intensity") is None:
            self.say("Pain (0-10): type a number from 0 to 10", error=True)
            self.query_one("#intensity", Input).focus()
            return
        pb = self.app.pb
        fields = dict(intensity=v["intensity"], sites=_terms(v.get("sites")),
                      qualities=_terms(v.get("qualities")), activity=v.get("activity"),
                      worse=_terms(v.get("worse")), better=_terms(v.get("better")),
                      duration_min=v.get("duration"), note=v.get("note"))
        try:
            if self.full:
                fields["occurred_at"] = parse_when(v.get("at"), pb.tz, field="at")
                pattern = self.query_one("#pattern", Select).value
                fields["pattern"] = pattern if isinstance(pattern, str) else None  # blank: not said
            else:
                fields["occurred_at"] = self.opened_at
            # Validate here too so a typo is shown at once, before any database work.
            PainEntry.build(**{"occurred_at": utcnow(), **fields})
        except BadInput as exc:
            self.say(in_user_words(exc), error=True)
            target = self.FIELD_INPUTS.get((exc.field or "").split(".")[0])
            if target:
                self.query_one(f"#{target}").focus()
            return

        def done(entry) -> None:
            show_logged(self.app, entry)
            self.dismiss(entry)

        self.save_with(lambda: pb.log_pain(**fields), done)
