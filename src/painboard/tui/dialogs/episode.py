"""Start a breakthrough episode: the onset is when b was pressed; ask only for the peak."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from painboard.tui.dialogs.base import FIELD_LABELS, Dialog


class EpisodeDialog(Dialog):
    FIELD_INPUTS = {"peak": "peak"}

    def __init__(self, onset: datetime) -> None:
        super().__init__()
        self.onset = onset

    def compose(self) -> ComposeResult:
        tz = self.app.tz
        with Vertical(classes="dialog", id="episode-dialog"):
            yield Static(f"✱ Breakthrough episode, started {self.onset.astimezone(tz):%H:%M}", classes="title")
            with Horizontal(classes="row"):
                yield Label(FIELD_LABELS["peak"])
                yield Input(id="peak", restrict=r"\d{0,2}", max_length=2, classes="-short")
            yield Static("Details can wait. Press b again when it has eased to record the end;\n"
                         "a rescue dose ticked meanwhile is linked to it.", classes="hint")
            yield Static("", classes="message")
            yield Static("Enter save · Esc cancel", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#peak", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        peak = self.value(event.input)
        if peak is None:
            self.say("type the peak, 0 to 10", error=True)
            return
        pb = self.app.pb

        def done(ep) -> None:
            self.app.notify(f"✱ breakthrough episode started {pb.local(ep.onset):%H:%M}, peak {ep.peak}/10: "
                            "b again to end it", timeout=4)
            self.dismiss(ep)

        self.save_with(lambda: pb.start_episode(peak, onset=self.onset), done)
