"""The records screen (R): the newest records of every kind, to correct (e) or delete (d), and
z to undo the last edit or delete. The same use-cases as 'painboard edit' and 'painboard delete'."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from painboard.terminal_text import clean

HEADINGS = {"entry": "Pain entries", "episode": "Breakthrough episodes", "review": "Daily reviews",
            "event": "Doses and sessions", "item": "Plan items"}
KEYS = "↑↓ choose · e or Enter edit · d delete · z undo the last change · Esc close"


class RecordsScreen(ModalScreen):
    DEFAULT_CSS = "#records-dialog { width: 100; height: 90%; } #records { height: 1fr; }"
    AUTO_FOCUS = "#records"
    BINDINGS = [Binding("escape,q", "close", "close"), Binding("e", "edit", "edit"),
                Binding("d,delete", "delete", "delete"), Binding("z", "undo", "undo")]

    FORM_KEYS = frozenset({"e", "d", "delete", "enter"})  # keys typed after these wait for the form (typeahead)

    def __init__(self) -> None:
        super().__init__()
        self.records: list[tuple[str, dict[str, Any], str]] = []
        self.rows_pending = True

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="records-dialog"):
            yield Static("Records: correct or delete", classes="title")
            yield OptionList(id="records")
            yield Static(KEYS, classes="hint")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.rows_pending = True
        self.app.read(self.app.pb.records_to_mend, self._show)

    def _show(self, records) -> None:
        keep = self.query_one(OptionList).highlighted
        self.records = list(records)
        ol = self.query_one(OptionList)
        ol.clear_options()
        shown = None
        for i, (kind, _, words) in enumerate(self.records):
            if kind != shown:
                ol.add_option(Option(Text(HEADINGS[kind], style="bold"), disabled=True))
                shown = kind
            ol.add_option(Option(Text(clean("  " + words)), id=str(i)))
        if self.records:
            ol.highlighted = min(keep, ol.option_count - 1) if keep is not None else 1
        self.rows_pending = False
        self.app.key_hold.release()  # keys typed after R come now, to the list

    def selected(self) -> tuple[str, dict[str, Any], str] | None:
        ol = self.query_one(OptionList)
        if ol.highlighted is None:
            return None
        opt = ol.get_option_at_index(ol.highlighted)
        return self.records[int(opt.id)] if opt.id is not None else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_edit()

    def _open(self, what: str, make_dialog, notice) -> None:
        """Open the dialog for the selected record; when it saves, say so and read the list again."""
        got = self.selected()
        if got is None or self.app.refuse_if_read_only(what):
            return

        def done(result) -> None:
            if result is not None:
                self.notify(notice(got[2]), timeout=6)
            self.reload()

        self.app.push_screen(make_dialog(*got), done)

    def action_edit(self) -> None:
        from painboard.mending import edit_texts
        from painboard.tui.dialogs.mend import EditRecordDialog

        self._open("editing records",
                   lambda kind, row, words: EditRecordDialog(kind, row, edit_texts(self.app.pb, kind, row), words),
                   lambda words: "saved; z undoes it")

    def action_delete(self) -> None:
        from painboard.tui.dialogs.mend import DeleteRecordDialog

        self._open("deleting records", DeleteRecordDialog, lambda words: f"deleted {words}; z puts it back")

    def action_undo(self) -> None:
        from painboard.tui.dialogs.mend import undo_last

        undo_last(self, then=self.reload)

    def action_close(self) -> None:
        self.dismiss(None)
