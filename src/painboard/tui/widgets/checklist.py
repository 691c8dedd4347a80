"""Today's plan: the one focusable thing on the main screen, so arrows move its selection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import OptionList

from painboard.tui.css import sibling_css
from textual.widgets.option_list import Option

from painboard.terminal_text import clean
from painboard.tui.format import BOXES

if TYPE_CHECKING:
    from painboard.services import ChecklistLine


def line_key(line: ChecklistLine) -> str:
    return f"{line.item_id}@{line.due_at.isoformat() if line.due_at else ''}"


class PlanChecklist(OptionList):
    """Space ticks the highlighted line (handled by the screen, which owns the writes)."""

    DEFAULT_CSS = sibling_css(__file__)

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.lines: list[ChecklistLine] = []
        self.needed_width = 0  # the longest line's cells: the wide layout gives it that much

    def show(self, lines: list[ChecklistLine]) -> None:
        """Replace the lines, keeping the selection on the same plan item."""
        keep = self.selected_line
        self.lines = list(lines)
        self.clear_options()
        if not lines:
            self.add_option(Option(Text("nothing planned today (painboard plan add …)", style="dim"),
                                   disabled=True))
            return
        prompts = [self._prompt(l) for l in lines]
        self.needed_width = max(p.cell_len for p in prompts)
        self.add_options([Option(p, id=f"{i}") for i, p in enumerate(prompts)])
        index = 0
        if keep is not None:
            same = [i for i, l in enumerate(lines) if line_key(l) == line_key(keep)]
            same = same or [i for i, l in enumerate(lines) if l.item_id == keep.item_id]
            index = same[0] if same else min(self._last_index, len(lines) - 1)
        self.highlighted = index

    @property
    def _last_index(self) -> int:
        return self.highlighted or 0

    @property
    def selected_line(self) -> ChecklistLine | None:
        if self.highlighted is None or not self.lines or self.highlighted >= len(self.lines):
            return None
        return self.lines[self.highlighted]

    @staticmethod
    def _prompt(line: ChecklistLine) -> Text:
        box = BOXES.get(line.state, "[ ]")
        style = {"done": "dim", "skipped": "dim", "missed": "dim", "overdue": "bold", "upcoming": ""}.get(line.state, "")
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(box + " ", {"overdue": "bold red", "done": "green"}.get(line.state, ""))
        t.append(clean(line.text), style)
        if line.state in ("skipped", "missed"):
            t.append(f"  {line.state}", "dim")
        if line.state == "overdue" and line.kind == "scheduled" and line.category != "bone_strengthening":
            t.append("  overdue", "bold red")
        if line.kind == "as_needed" and line.max_per_day and line.count_today >= line.max_per_day:
            t.append("  ▲ at the daily maximum", "bold yellow")
        return t
