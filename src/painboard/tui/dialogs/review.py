"""The daily review: a few questions about today's pain, prefilled from the last 24 hours."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Label, Static
from textual.widgets.input import Selection

from painboard.models import INTERFERENCE_DOMAINS
from painboard.tui.dialogs import review_symptoms
from painboard.tui.dialogs.base import FIELD_LABELS, Dialog

PAIN = [(key, FIELD_LABELS[key]) for key in ("worst", "least", "average", "now", "relief_pct")]
# The same questions in the few words a narrow terminal (under 80 columns) has room for: the
# full ones were cut mid-phrase at 60 ("Getting on with", "Work, including").
SHORT_DOMAINS = {"activity": "Daily activity", "mood": "Mood", "walking": "Walking about",
                 "work": "Work, home jobs", "relations": "Time w/ others", "sleep": "Sleep",
                 "enjoyment": "Enjoying life"}
KEYS_HINT = "Enter save · Tab next · Esc cancel · relief in steps of 10"
KEYS_HINT_NARROW = "Enter save · Tab next · Esc cancel · relief by 10s"


class ReviewDialog(Dialog):
    CSS_PATH = "review.tcss"
    BINDINGS = [Binding("escape", "cancel", "cancel"), Binding("ctrl+s", "save", "save"),
                Binding("ctrl+n", "no_symptoms", "no side effects or signs")]
    FIELD_INPUTS = {k: k for k, _ in PAIN} | {"note": "note", "interference": "i-activity"}

    def __init__(self) -> None:
        super().__init__()
        self.touched: set[str] = set()
        self.prefill_pending = True  # until the prefill has arrived
        self.save_when_filled = False  # Enter typed ahead of the prefill: save once it is in

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="review-dialog"):
            yield Static("Daily review", classes="title")
            with Horizontal(id="review-cols"):
                with Vertical(id="review-pain"):
                    yield Static("Pain today (0-10)", classes="hint")
                    for key, label in PAIN:
                        with Horizontal(classes="row"):
                            yield Label(label)
                            yield Input(id=key, restrict=r"\d{0,3}", max_length=3, classes="-short",
                                        placeholder="0-100" if key == "relief_pct" else "0-10")
                with Vertical(id="review-interference"):
                    yield Static("How much pain got in the way (0-10)", classes="hint", id="i-hint")
                    for key, label in INTERFERENCE_DOMAINS.items():
                        with Horizontal(classes="row"):
                            yield Label(label, id=f"l-{key}")
                            yield Input(id=f"i-{key}", restrict=r"\d{0,2}", max_length=2, classes="-short",
                                        placeholder="0-10")
            yield review_symptoms.questions()
            with Horizontal(classes="row"):
                yield Label("Note")
                yield Input(id="note")
            yield Static("", classes="message")
            yield Static(KEYS_HINT, classes="hint", id="keys-hint")

    def fit_words(self, narrow: bool) -> None:
        for key, words in INTERFERENCE_DOMAINS.items():
            self.query_one(f"#l-{key}", Label).update(SHORT_DOMAINS[key] if narrow else words)
        self.query_one("#i-hint", Static).update("Got in the way (0-10)" if narrow
                                                 else "How much pain got in the way (0-10)")
        self.query_one("#keys-hint", Static).update(KEYS_HINT_NARROW if narrow else KEYS_HINT)

    def on_mount(self) -> None:
        super().on_mount()
        if not self.query("#worst"):
            return  # taken down before this ran (seen under load): nothing left to fill
        self.on_resize()
        self.query_one("#worst", Input).focus()
        self.say("reading the last 24 hours…")
        self.app.read(self.app.pb.review_prefill, self._prefill)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.has_focus:
            self.touched.add(event.input.id)

    def _prefill(self, pre: dict) -> None:
        """Fill only what the person has not typed in the meantime."""
        self.prefill_pending = False
        if self.save_when_filled:  # after the fill below, so the save keeps the suggestions
            self.call_after_refresh(self.action_save)
        values = {k: pre.get(k) for k, _ in PAIN} | {"note": pre.get("note")}
        values |= {f"i-{k}": v for k, v in (pre.get("interference") or {}).items()}
        for key, v in values.items():
            inp = self.query_one(f"#{key}", Input)
            # A field typed in before the prefill came keeps what was typed, even when its
            # Changed message is still on the way (a burst: "8" Tab already moved the focus).
            if v is None or key in self.touched or inp.value:
                continue
            inp.value = str(v)
            if inp.has_focus:
                # As if focused after the fill: typing replaces the suggested number.
                inp.selection = Selection(0, len(inp.value))
        self.say("prefilled from the last 24 hours: change anything" if any(
            v is not None for v in values.values()) else "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_no_symptoms(self) -> None:
        review_symptoms.answer_none(self)

    def action_save(self) -> None:
        if self.prefill_pending:  # keys typed in a burst: what the form suggests is still coming
            self.save_when_filled = True
            return
        effects, sign = review_symptoms.answers(self)
        v = {i.id: self.value(i) for i in self.query(Input) if not i.id.startswith("sx-")}
        fields = {k: v.get(k) for k, _ in PAIN}
        fields["interference"] = {k: v.get(f"i-{k}") for k in INTERFERENCE_DOMAINS if v.get(f"i-{k}") is not None}
        fields["note"] = v.get("note")
        pb = self.app.pb

        def done(review) -> None:
            self.app.notify(f"daily review saved for {review.day:%a %-d %b}", timeout=3)
            self.dismiss(review)
            if sign:  # which sign: the symptom form, with the team's words once saved
                self.app.main_screen.action_symptom()

        def save():
            records = pb.side_effect_records(effects)  # checked before anything is written
            review = pb.save_review(**fields)
            pb.write_symptoms(records)
            return review

        self.save_with(save, done)
