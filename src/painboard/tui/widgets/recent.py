"""The latest entries, newest first (shown when the window has room)."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive

from painboard.tui.css import sibling_css
from textual.widget import Widget

from painboard.terminal_text import clean
from painboard.tui.format import short_when


class RecentEntries(Widget):
    DEFAULT_CSS = sibling_css(__file__)

    entries = reactive(list, always_update=True)

    def __init__(self, tz, **kw) -> None:
        super().__init__(**kw)
        self.tz = tz

    def render(self) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("Recent entries\n", "bold")
        if not self.entries:
            t.append(" none yet", "dim")
        for e in self.entries:
            t.append(f" {short_when(e['occurred_at'], self.tz):>9} ", "dim")
            t.append(f"{e['intensity']:>2}/10", "bold")
            bits = [", ".join(e.get("sites") or []), ", ".join(e.get("qualities") or []), e.get("activity") or "",
                    e.get("note") or ""]
            extra = " · ".join(b for b in bits if b)
            if extra:
                t.append(f"  {clean(extra)}")
            t.append("\n")
        t.rstrip()
        return t
