"""Log a symptom: a warning sign from the team's list, a side effect, or the person's own words.

Typing completes from the list (→ or End takes the suggestion); severity is a word or 0-3.
A warning sign, once saved, shows the team's words and number, and the banner stays at the
top of the dashboard until it is marked as reported."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Static

from painboard.warning_signs import SEVERITIES, SIDE_EFFECTS, DEFAULT_SIGNS
from painboard.tui.dialogs.base import Dialog

KIND_WORDS = {"warning_sign": "on your care team's list: they asked to be told",
              "side_effect": "a side effect, kept for your visit",
              "own_words": "in your own words: y below if your team asked to hear about it"}


class SymptomDialog(Dialog):
    CSS_PATH = "symptom.tcss"
    FIELD_INPUTS = {"name": "s-name", "severity": "s-severity", "note": "s-note", "at": "s-name"}

    def __init__(self, names: list[str] | None = None) -> None:
        super().__init__()
        # The team's list is read by the caller off the UI thread; the default until it comes.
        self.names = names or list(DEFAULT_SIGNS) + list(SIDE_EFFECTS)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="symptom-dialog"):
            yield Static("Log a symptom", classes="title")
            with Horizontal(classes="row"):
                yield Label("What")
                yield Input(id="s-name", placeholder="type: the list completes (→ takes it)",
                            suggester=SuggestFromList(self.names, case_sensitive=False))
            with Horizontal(classes="row"):
                yield Label("How bad")
                yield Input(id="s-severity", placeholder="none, mild, moderate, severe (or 0-3)",
                            suggester=SuggestFromList(SEVERITIES, case_sensitive=False))
            with Horizontal(classes="row"):
                yield Label("Note")
                yield Input(id="s-note")
            with Horizontal(classes="row"):
                yield Label("Team asked to hear about it")
                yield Input(id="s-sign", restrict=r"[ynYN]?", max_length=1, classes="-short", placeholder="y/n")
            yield Static("", id="s-kind", classes="hint")
            yield Static("", classes="message")
            yield Static("Enter save · Tab next · Esc cancel", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#s-name", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "s-name":
            return
        from painboard.warning_signs import TeamList, Sign, same_words

        team = TeamList(tuple(Sign(n) for n in self.names if same_words(n) not in SIDE_EFFECTS))
        text = event.value.strip()
        # Only words here: a name on the list is a warning sign whatever the y/n says (the
        # list is the team's), and the y/n is read once, at saving, so no late message races it.
        self.query_one("#s-kind", Static).update(KIND_WORDS[team.kind_of(text)] if text else "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        name = self.value(self.query_one("#s-name", Input))
        if name is None:
            self.say("What: say what you noticed", error=True)
            self.query_one("#s-name", Input).focus()
            return
        severity = self.value(self.query_one("#s-severity", Input))
        note = self.value(self.query_one("#s-note", Input))
        warning = self.query_one("#s-sign", Input).value.strip().lower() == "y"
        pb = self.app.pb

        def done(got) -> None:
            s = got.symptom
            if got.message:
                self.app.notify(f"⚠ logged {s.name}. {got.message}", timeout=10)
            else:
                self.app.notify(f"logged {s.name}", timeout=3)
            self.dismiss(got)

        self.save_with(lambda: pb.log_symptom(name, severity=severity, note=note, warning=warning), done)
