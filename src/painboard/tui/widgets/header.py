"""The top line: date and time, the latest score and whether the screen is live."""

from __future__ import annotations

import re
from datetime import datetime

from rich.text import Text
from textual.reactive import reactive

from painboard.tui.css import sibling_css
from textual.widget import Widget

from painboard.figures.severity import severity_band
from painboard.tui.format import utcnow, when


def _fit(text: str, room: int) -> str:
    """The state's few words in the room there is: a long path by its file name, else left out
    (the chart says it in full) rather than cut in the middle of a word."""
    if len(text) <= room:
        return text
    short = re.sub(r"(?:[\w.~-]*/)+([\w.-]+)", r"\1", text)
    return short if len(short) <= room else ""


class DashHeader(Widget):
    """`painboard  Sun 29 Nov 14:05 ...  now 4/10  ●live`."""

    DEFAULT_CSS = sibling_css(__file__)

    now_score: reactive[int | None] = reactive(None)
    now_at: reactive[datetime | None] = reactive(None)
    # loading | live | busy | moved (the file went away under the session) | error
    state: reactive[str] = reactive("loading")
    state_text: reactive[str] = reactive("")
    read_only: reactive[bool] = reactive(False)
    clock: reactive[str] = reactive("")

    def __init__(self, tz, **kw) -> None:
        super().__init__(**kw)
        self.tz = tz

    def on_mount(self) -> None:
        self.tick()
        # Minutes are enough: a cheap repaint over a slow link.
        self.set_interval(10, self.tick)

    def tick(self) -> None:
        self.clock = utcnow().astimezone(self.tz).strftime("%a %-d %b %H:%M")

    def render(self) -> Text:
        left = Text.assemble((" painboard", "bold"), "  ", self.clock)
        right = Text()
        if self.read_only:
            right.append(" read-only ", "reverse")
            right.append("  ")
        if self.now_score is None:
            right.append("now –/10" if self.state != "loading" else "loading…", "dim")
        else:
            right.append("now ")
            right.append(f"{self.now_score}/10", self._score_style())
            if self.now_at is not None:
                right.append(f" ·{when(self.now_at, self.tz)}", "dim")
        right.append("  ")
        symbol, style = {"live": ("●live", "green"), "busy": ("◌busy", "yellow bold"),
                         "moved": ("✗moved", "red bold"), "error": ("✗offline", "red bold"),
                         "loading": ("○", "dim")}[self.state]
        right.append(symbol, style)
        if left.cell_len + right.cell_len + 1 > self.size.width:
            # Narrow (60 columns, read-only): the time alone, so the score keeps its "when".
            left = Text.assemble((" painboard", "bold"), "  ", self.clock.rsplit(" ", 1)[-1])
        room = self.size.width - left.cell_len - right.cell_len - 3
        state_text = _fit(self.state_text, room)
        if state_text:
            right.append(f" {state_text}", style)
        right.append(" ")
        gap = max(1, self.size.width - left.cell_len - right.cell_len)
        out = left + Text(" " * gap) + right
        out.truncate(self.size.width)
        return out

    def _score_style(self) -> str:
        from painboard.tui.colours import band_style

        return band_style(self.app, severity_band(self.now_score))
