"""Delete a pain entry logged by mistake: pick one of the newest (the newest is selected),
Enter deletes it, Esc keeps everything. The same use-case as 'painboard delete entry ID'."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from painboard.terminal_text import clean
from painboard.tui.dialogs.base import Dialog
from painboard.tui.format import short_when


def entry_words(e: dict[str, Any], tz) -> str:
    """'13:10  4/10  left hip · after a walk', one line, safe to show."""
    bits = [", ".join(e.get("sites") or []), e.get("note") or ""]
    extra = " · ".join(b for b in bits if b)
    return clean(f"{short_when(e['occurred_at'], tz):>9}  {e['intensity']:>2}/10" + (f"  {extra}" if extra else ""))


class DeleteEntryDialog(Dialog):
    """Dismissed with the deleted entry's row (for the screen's restore), or None."""

    AUTO_FOCUS = "OptionList"
    DEFAULT_CSS = "#delete-entries { height: auto; max-height: 10; }"
    BINDINGS = [Binding("enter", "confirm", "delete", show=False)]

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        super().__init__()
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        tz = self.app.tz
        with Vertical(classes="dialog", id="delete-dialog"):
            yield Static("Delete a pain entry", classes="title")
            yield OptionList(*[Option(Text(entry_words(e, tz)), id=str(e["id"])) for e in self.entries],
                             id="delete-entries")
            yield Static("", classes="message")
            yield Static("↑ ↓ choose · Enter delete · Esc keep it", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(OptionList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_confirm()

    def action_confirm(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is None or not self.entries:
            return
        row = self.entries[index]
        pb = self.app.pb
        self.save_with(lambda: pb.delete_entry(row["id"]), self.dismiss)


# What the main screen's d and z do (kept here so the screen holds only its bindings).
def ask_and_delete(screen, recent: list[dict[str, Any]]) -> None:
    """d: the dialog over the newest entries; a deleted one is kept for z in this session."""
    app = screen.app
    if app.refuse_if_read_only("deleting entries"):
        return
    if not recent:
        screen.notify("no entry to delete", timeout=3)
        return

    def deleted(row: dict[str, Any] | None) -> None:
        if row is not None:
            screen.deleted_entries = [*getattr(screen, "deleted_entries", []), row]
            screen.notify(f"deleted {entry_words(row, app.tz).strip()}; z puts it back", timeout=6)

    app.push_screen(DeleteEntryDialog(recent), deleted)


def restore_last(screen) -> None:
    """z: undo the last edit or delete (an entry deleted with d comes back with its number)."""
    from painboard.tui.dialogs.mend import undo_last

    undo_last(screen)
