"""Every key painboard knows, in one screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static
from painboard.figures.severity import CONTROLLED_MAX, SEVERE_MIN
from painboard.tui.format import OMED_WORDS
from painboard.tui.widgets.trend import AVG, BAND, EPISODE, TODAY, WORST

# (section, key, what it does); the test checks every main-screen binding is listed here.
KEYS: list[tuple[str, str, str]] = [
    ("Log", "0-9", "log pain now: the score goes on the quick log line"),
    ("Log", "Enter / Esc", "save / clear it, or a form; Tab: where, what it felt like, …"),
    ("Log", "l", "the full log form (when, pattern, site, …)"),
    ("Log", "b", "✱ breakthrough: starts now, asks the peak; b again ends it"),
    ("Log", "s  !", "a symptom or warning sign; ! marks the sign reported"),
    ("Log", "d  z", "delete a recent entry; z undoes the last edit or delete"),
    ("Log", "R", "records of every kind: e edit, d delete, z undo"),
    ("Plan", "↑ ↓", "move the selection in today's plan"),
    ("Plan", "space", "tick the selected item; again the same day undoes it"),
    ("Plan", "u  backspace", "undo today's latest rescue dose (or the selected item's)"),
    ("Review", "r", "daily review: today's pain, relief, how pain got in the way"),
    ("Chart", "w m t y a", "chart range: 7 days, 30 days, 90 days, 1 year, all"),
    ("Chart", "[  ]", "shorter / longer chart range"),
    ("Figures", "M", "every metric over the last 7 days, in full"),
    ("Figures", "i", "radiation timeline (flare, response by week) and insights"),
    ("Figures", "Tab", "between the plan and Today; arrows and PgUp/PgDn scroll"),
    ("Other", "e", "export your log for your care team"),
    ("Other", "I", "import a file from another app; Tab completes the path"),
    ("Other", "f5", "read the database again now"),
    # One row, so the whole list fits at 80x24 (the legend scrolls below it).
    ("Other", "? ctrl+p q", "this help; command palette (every command by name); quit"),
]

LEGEND = (f"{AVG} average  {WORST} worst  {EPISODE} breakthrough  R radiation  I infusion  P procedure\n"
          f"{BAND * 2} pain 0-10: {CONTROLLED_MAX} or less controlled, {SEVERE_MIN} or more severe  {TODAY} today\n"
          "[x] done  [ ] due  [!] overdue  [-] skipped  [+] as needed  ( ) coming up\n"
          "▲ worth a look  ▲▲ worth raising with your care team; painboard never advises treatment\n"
          + OMED_WORDS)


class HelpScreen(ModalScreen):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,question_mark,q", "close", "close")]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for _, key, what in KEYS:
            table.add_row(key, what)
        box = VerticalScroll(classes="dialog", id="help-dialog")
        box.border_title = "Keys"
        box.border_subtitle = "Esc, ? or q closes"
        with box:
            yield Static(table, id="help-keys")
            yield Static(Text(LEGEND, style="dim"), id="help-legend")

    def action_close(self) -> None:
        self.dismiss(None)
