"""Every metric over the last 7 days in a view of its own, with its full text: nothing hidden
at 80x24 however many metrics the built-ins and plugins register."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from painboard.terminal_text import clean, clean_lines
from painboard.plugins import BUILTIN_MODULES
from painboard.tui.format import LEVEL_LEGEND, LEVEL_MARKS, OMED_WORDS, attr_or_key


def metrics_table(metrics: list, app=None) -> Table:
    from painboard.tui.colours import level_style

    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(no_wrap=True, width=3)
    table.add_column(style="bold", ratio=2)
    table.add_column(ratio=5)  # the text wraps at word boundaries, never cut
    for m in metrics:
        level = attr_or_key(m, "level") or "ok"
        label = attr_or_key(m, "label") or attr_or_key(m, "name") or "metric"
        if attr_or_key(m, "error"):
            text = Text("could not be computed: " + clean(attr_or_key(m, "error")), style="italic")
        else:
            text = Text(clean_lines(attr_or_key(m, "text") or "–"),
                        style=level_style(app, level) if app else "")
        plugin = attr_or_key(m, "plugin")
        label_text = Text(clean(label))
        if plugin and plugin != "painboard" and plugin not in BUILTIN_MODULES:  # only an outside plugin's name
            label_text.append(f"\n({clean(plugin)})", "dim")
        table.add_row(LEVEL_MARKS.get(level, "").strip(), label_text, text)
    return table


class MetricsScreen(ModalScreen):
    """Opened with M or the palette's "Metrics"; Esc closes."""

    CSS_PATH = "metrics.tcss"
    BINDINGS = [Binding("escape,q,M", "close", "close")]

    def compose(self) -> ComposeResult:
        snap = getattr(self.app, "snapshot", None)
        metrics = list(getattr(snap, "metrics", None) or [])
        box = VerticalScroll(classes="dialog", id="metrics-dialog")
        box.border_title = "Metrics, last 7 days"
        box.border_subtitle = "↑↓ scroll · Esc closes"
        with box:
            if metrics:
                yield Static(metrics_table(metrics, self.app), id="metrics-table")
            else:
                # metrics None: the first read (first_read.py) drew the figures; these follow
                reading = snap is None or getattr(snap, "metrics", None) is None
                yield Static(Text("reading the metrics…" if reading else "no metrics registered", "dim"),
                             id="metrics-table")
            yield Static(Text(LEVEL_LEGEND + "; painboard never advises treatment\n" + OMED_WORDS, style="dim"),
                         id="metrics-legend")

    def on_mount(self) -> None:
        self.query_one("#metrics-dialog").focus()

    def action_close(self) -> None:
        self.dismiss(None)
