"""Mark the warning sign on the banner as reported: who was told (now is when)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from painboard.terminal_text import clean
from painboard.tui.dialogs.base import Dialog


class ReportedDialog(Dialog):
    CSS_PATH = "reported.tcss"
    FIELD_INPUTS = {"to": "r-to"}

    def __init__(self, sign: dict) -> None:
        super().__init__()
        self.sign = sign

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="reported-dialog"):
            yield Static(f"Reported: {clean(self.sign['name'])}", classes="title")
            with Horizontal(classes="row"):
                yield Label("Who was told")
                yield Input(id="r-to", placeholder="like oncology nurse")
            yield Static("The sign stays in your history with who was told and when.", classes="hint")
            yield Static("", classes="message")
            yield Static("Enter save · Esc cancel", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#r-to", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        who = self.value(event.input)
        pb = self.app.pb

        def done(row) -> None:
            self.app.notify(f"marked as reported to {row['reported_to']}: {row['name']}", timeout=4)
            self.dismiss(row)

        self.save_with(lambda: pb.mark_reported(self.sign["id"], who or ""), done)
