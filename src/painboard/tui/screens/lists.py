"""Read-only lists the palette opens: the treatment plan and the plugins (with any errors).

Each is read in a thread worker (app.read) and shown as a table that wraps, never cuts."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from painboard.terminal_text import clean


def plan_rows(pb) -> list[tuple[Text, ...]]:
    """Every plan item, stopped ones too (dim), with when it is due in words."""
    from painboard.services import plan_item_when

    rows = []
    for it in pb.plan(include_stopped=True):
        style = "" if it.status == "active" else "dim"
        status = "" if it.status == "active" else f" ({it.status})"
        rows.append((Text(clean(it.label()) + status, style=f"bold {style}".strip()),
                     Text(it.category.replace("_", " "), style="dim"), Text(clean(plan_item_when(it)), style=style)))
    return rows


def plugin_rows(pb) -> list[tuple[Text, ...]]:
    """Every plugin found, what it adds, its warnings and, in words, why one failed to load;
    the ones that failed first."""
    rows = []
    for p in sorted(pb.plugin_list(), key=lambda p: p.error is None):
        t = Text()
        t.append(clean(f"{p.name} {p.version or ''}".strip()), "bold")
        t.append(clean(f"  {p.source}" + (f": {p.location}" if p.location and p.source != "builtin" else "")), "dim")
        adds = "; ".join(f"{k}: {', '.join(v)}" for k, v in p.registers.items() if v)
        if adds:
            t.append(f"\n  adds {adds}")
        for w in p.warnings:
            t.append(f"\n  warning: {clean(w)}", "yellow")
        if p.error:
            t.append(f"\n  could not load: {clean(p.error)}", "bold red")
        rows.append((t,))
    return rows


class ListScreen(ModalScreen):
    """A titled, scrolling table read off the UI thread; Esc closes."""

    DEFAULT_CSS = "#list-dialog { width: 100; }"
    BINDINGS = [Binding("escape,q", "close", "close")]

    def __init__(self, title: str, rows, empty: str) -> None:
        super().__init__()
        self.title_text, self.rows, self.empty = title, rows, empty
        self.loaded = False

    def compose(self) -> ComposeResult:
        box = VerticalScroll(classes="dialog", id="list-dialog")
        box.border_title = self.title_text
        box.border_subtitle = "↑↓ scroll · Esc closes"
        with box:
            yield Static(Text("reading…", style="dim"), id="list-body")

    def on_mount(self) -> None:
        self.query_one("#list-dialog").focus()
        self.app.read(lambda: self.rows(self.app.pb), self._show)

    def _show(self, rows) -> None:
        self.loaded = True
        body = self.query_one("#list-body", Static)
        if not rows:
            body.update(Text(self.empty, style="dim"))
            return
        table = Table.grid(padding=(0, 2), expand=True)
        if len(rows[0]) == 1:
            table.add_column(ratio=1)
        else:
            table.add_column(max_width=40)  # names as wide as they need, up to a point
            table.add_column(max_width=24)
            table.add_column(ratio=1)  # the rest, wrapping at words
        for row in rows:
            table.add_row(*row)
        body.update(table)

    def action_close(self) -> None:
        self.dismiss(None)


def plan_screen() -> ListScreen:
    return ListScreen("Treatment plan", plan_rows,
                      "the plan is empty: add items with 'painboard plan add' from a shell")


def plugins_screen() -> ListScreen:
    return ListScreen("Plugins", plugin_rows, "no plugins found")
