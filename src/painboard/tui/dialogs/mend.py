"""Edit or delete one record of any kind (the records screen's e and d): the same use-cases
as 'painboard edit KIND ID' and 'painboard delete KIND ID', the same one undo (z).

The edit form is prefilled with the record; only the fields changed are sent, and a change the
record would be refused for is said in the form, with nothing saved (a busy database is
retried while what was typed stays in the form)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from painboard.terminal_text import clean
from painboard.tui.dialogs.base import FIELD_LABELS, Dialog

TITLES = {"entry": "pain entry", "episode": "breakthrough episode", "review": "daily review",
          "event": "dose or session", "item": "plan item"}
LABELS = {"at": "When", "end": "Ended", "site": "Where", "quality": "What it felt like", "worse": "Made worse by",
          "better": "Made better by", "duration": "How long (minutes)", "relief": "Relief",
          "max-per-day": "Most a day", "mme-factor": "Morphine factor (OMED)", "rrule": "Schedule rule",
          "start": "Start date", "end-date": "End date"}


def label_of(kind: str, word: str) -> str:
    if kind == "episode" and word == "relief":
        return "Relief after (minutes)"
    if kind == "review" and word == "relief":
        return "Relief from treatment %"
    from painboard.mending import FIELDS

    column = FIELDS[kind][word][0]
    if kind in ("entry", "review") and column in FIELD_LABELS:  # as the log and review forms say it
        return FIELD_LABELS[column]
    return LABELS.get(word, word.replace("-", " ").capitalize())


class EditRecordDialog(Dialog):
    """Dismissed with (before, after) when saved, or None."""

    DEFAULT_CSS = "#edit-dialog { height: auto; } #edit-fields { height: auto; }"
    AUTO_FOCUS = "Input"  # the first field, before any key typed ahead is let go
    BINDINGS = [Binding("ctrl+s", "save", "save")]

    def __init__(self, kind: str, row: dict[str, Any], texts: dict[str, str], words: str) -> None:
        super().__init__()
        self.kind, self.row, self.texts, self.words = kind, row, texts, words
        from painboard.mending import FIELDS

        # An error names the field by its word or by its column: both lead to the input.
        self.FIELD_INPUTS = {w: f"f-{w}" for w in texts} | {c: f"f-{w}" for w, (c, _) in FIELDS[kind].items()}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="edit-dialog"):
            yield Static(f"Edit {TITLES[self.kind]}", classes="title")
            yield Static(Text(clean(self.words)), classes="hint")
            with Vertical(id="edit-fields"):  # not a scroll: that would take the focus first
                for word, text in self.texts.items():
                    with Horizontal(classes="row"):
                        yield Label(label_of(self.kind, word))
                        yield Input(text, id=f"f-{word}")  # selected on focus: typing replaces it
            yield Static("", classes="message")
            yield Static("Type to replace a field · Tab next field · Enter save · Esc keep it as it was", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query(Input).first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        changes = {w: self.query_one(f"#f-{w}", Input).value for w in self.texts}
        changes = {w: v for w, v in changes.items() if v.strip() != self.texts[w].strip()}
        if not changes:
            self.dismiss(None)  # nothing changed: nothing to save
            return
        pb = self.app.pb
        key = self.row["day"] if self.kind == "review" else self.row["id"]
        self.save_with(lambda: pb.edit_record(self.kind, key, changes), self.dismiss)


class DeleteRecordDialog(Dialog):
    """Asks before deleting; dismissed with the deleted row, or None (Esc or n keeps it)."""

    BINDINGS = [Binding("enter,y", "confirm", "delete"), Binding("n", "cancel", "keep it")]

    def __init__(self, kind: str, row: dict[str, Any], words: str) -> None:
        super().__init__()
        self.kind, self.row, self.words = kind, row, words

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="delete-record-dialog"):
            yield Static(f"Delete this {TITLES[self.kind]}?", classes="title")
            yield Static(Text(clean(self.words)))
            if self.kind == "item":
                yield Static("Its recorded doses and sessions go with it (z puts them all back).", classes="hint")
            yield Static("", classes="message")
            yield Static("Enter or y delete · Esc or n keep it", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#delete-record-dialog").focus()

    def action_confirm(self) -> None:
        pb = self.app.pb
        key = self.row["day"] if self.kind == "review" else self.row["id"]
        self.save_with(lambda: pb.delete_record(self.kind, key), self.dismiss)


def undo_last(screen, then=None) -> None:
    """z: undo the last edit or delete made in this database (by the dashboard or the CLI)."""
    app = screen.app
    if app.refuse_if_read_only("undo"):
        return

    def done(what: str | None) -> None:
        screen.notify(f"undone: the {what}" if what else "nothing to undo: no edit or delete since the last undo",
                      timeout=4)
        if then is not None:
            then()

    app.write(app.pb.undo_last, done)
