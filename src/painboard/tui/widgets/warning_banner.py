"""The banner at the top of the dashboard while a warning sign is logged and not yet reported.

It states what was logged and when, and the care team's own words and number; never what the
sign means. It stays until the sign is marked as reported (! in a session that can write)."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from painboard.terminal_text import clean
from painboard.tui.css import sibling_css
from painboard.tui.format import short_when


class WarningBanner(Widget):
    DEFAULT_CSS = sibling_css(__file__)

    signs = reactive(list, always_update=True)

    def __init__(self, tz, read_only: bool = False, **kw) -> None:
        super().__init__(**kw)
        self.tz = tz
        self.read_only = read_only

    def watch_signs(self, signs: list) -> None:
        self.set_class(bool(signs), "-shown")

    def render(self) -> Text:
        t = Text()
        if not self.signs:
            return t
        first = self.signs[0]
        more = f"  (+{len(self.signs) - 1} more)" if len(self.signs) > 1 else ""
        how = f", {first['severity']}" if first.get("severity") else ""
        t.append(f"⚠ Warning sign logged at {short_when(first['occurred_at'], self.tz).strip()}: "
                 f"{clean(first['name'])}{how}{more}\n")
        t.append(clean(first.get("shown") or ""))
        t.append("\n" + ("read-only session: marked as reported from the person's own session"
                         if self.read_only else "! when your team knows (who was told)"))
        return t
