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
        # Lines to spare (a tall window) let an entry's details go on under it rather than be cut.
        spare = max(0, self.size.height - 1 - len(self.entries))
        for e in self.entries:
            t.append(f" {short_when(e['occurred_at'], self.tz):>9} ", "dim")
            t.append(f"{e['intensity']:>2}/10", "bold")
            bits = [", ".join(e.get("sites") or []), ", ".join(e.get("qualities") or []), e.get("activity") or "",
                    e.get("note") or ""]
            extra = clean(" · ".join(b for b in bits if b))
            if extra:
                lines = self._wrapped(extra) if spare else [extra]
                spare -= len(lines) - 1
                t.append(f"  {lines[0]}")
                for more in lines[1:]:
                    t.append("\n" + " " * DETAIL_AT + more)
            t.append("\n")
        t.rstrip()
        return t

    def _wrapped(self, extra: str) -> list[str]:
        """The details in two lines at most, broken between its parts (where, how it felt, what
        you were doing, the note), else between words; the second line may still be cut."""
        room = self.size.width - DETAIL_AT
        if room < 12 or len(extra) <= room:
            return [extra]
        parts = extra.split(" · ")
        first = parts[0]
        for i, part in enumerate(parts[1:] if len(first) <= room else [], 1):
            if len(first) + 3 + len(part) > room:
                return [first, " · ".join(parts[i:])]
            first += " · " + part
        cut = extra.rfind(" ", 0, room + 1)
        return [extra[:cut], extra[cut + 1:]] if cut > 0 else [extra]


DETAIL_AT = 18  # " Fri 22:05  3/10  ": where an entry's details start
