"""Export: any registered format, a period, a file name."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, OptionList, RadioSet, Static
from textual.widgets.option_list import Option

from painboard.terminal_text import clean, plural
from painboard.tui.format import RANGE_PERIODS
from painboard.tui.dialogs.base import Dialog, MarkedButton

PERIODS = [(words, days) for _, words, days in RANGE_PERIODS]
# Under 80 columns the periods in the chart's own words, so the row is not cut ("( ) al").
SHORT_PERIODS = [label for label, _, _ in RANGE_PERIODS]
KEYS_HINT = "Enter in File exports · ctrl+s export · Tab next · Esc cancel"
KEYS_HINT_NARROW = "Enter exports · ctrl+s export · Tab next · Esc cancel"


class PeriodButton(MarkedButton):
    """A period, its choice marked "(•)"."""


class ExportDialog(Dialog):
    CSS_PATH = "export.tcss"
    BINDINGS = [Binding("escape", "cancel", "cancel"), Binding("ctrl+s", "save", "export")]
    FIELD_INPUTS = {"out": "out", "path": "out"}

    def __init__(self) -> None:
        super().__init__()
        self.exporters: list = []
        self.path_edited = False
        self.replace_confirmed: Path | None = None  # the existing file Enter was pressed twice on

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="export-dialog"):
            yield Static("Export for your care team", classes="title")
            yield Static("Format (arrows pick, Tab next)", classes="hint")
            yield OptionList(id="formats")
            yield Static("Period", classes="hint")
            with RadioSet(id="period"):
                for i, (label, _) in enumerate(PERIODS):
                    yield PeriodButton(label, value=(i == 1))
            with Horizontal(classes="row"):
                yield Label("File")
                yield Input(id="out")
            yield Static("", classes="message")
            yield Static(KEYS_HINT, classes="hint", id="keys-hint")

    def fit_words(self, narrow: bool) -> None:
        for button, (words, _), short in zip(self.query(PeriodButton), PERIODS, SHORT_PERIODS):
            button.label = short if narrow else words
        self.query_one("#keys-hint", Static).update(KEYS_HINT_NARROW if narrow else KEYS_HINT)

    def on_mount(self) -> None:
        super().on_mount()
        self.on_resize()
        pb = self.app.pb
        period = self.query_one("#period", RadioSet)
        # RadioSet highlights its first button on mount; start the highlight on the pressed one
        # so that arrows move from "30 days", not from "7 days".
        if hasattr(period, "_selected"):
            self.call_after_refresh(setattr, period, "_selected", period.pressed_index)
        self.say("looking for export formats…")
        self.app.read(pb.exporters, self._show_formats)

    def _show_formats(self, exporters) -> None:
        self.exporters = list(exporters)
        formats = self.query_one("#formats", OptionList)
        formats.clear_options()
        if not self.exporters:
            self.say("no export formats are registered", error=True)
            return
        formats.add_options([Option(Text(clean(f"{getattr(e, 'label', e.name)}  (.{e.extension.lstrip('.')})")), id=e.name)
                             for e in self.exporters])
        formats.highlighted = 0
        formats.focus()
        self.say("")
        self._default_path()

    @property
    def exporter(self):
        i = self.query_one("#formats", OptionList).highlighted
        return self.exporters[i] if self.exporters and i is not None else None

    def _default_path(self) -> None:
        ex = self.exporter
        if ex is None or self.path_edited:
            return
        day = self.app.pb.today()
        self.query_one("#out", Input).value = str(Path.cwd() / ex.default_file_name(day))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._default_path()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        # Enter confirms the format and leaves the focus where it is, so that the next Tab
        # goes to the period as it would have without Enter (moving on here made it skip one).
        event.stop()
        self.say(f"format: {event.option.prompt}; Tab to the period")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.has_focus:
            self.path_edited = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        ex = self.exporter
        if ex is None:
            self.say("pick a format first", error=True)
            return
        out = self.value(self.query_one("#out", Input))
        if not out:
            self.say("File: give a file name", error=True)
            self.query_one("#out", Input).focus()
            return
        pb = self.app.pb
        if self.app.settings.read_only:
            self.say("read-only session: painboard writes no file here; from a shell, "
                     f"'painboard --read-only export {ex.name} -o -' writes to standard output", error=True)
            return
        index = self.query_one("#period", RadioSet).pressed_index
        days = PERIODS[index if index >= 0 else 1][1]
        since = pb.today() - timedelta(days=days - 1) if days else None
        path = Path(out).expanduser()
        force = self.replace_confirmed == path
        if path.is_file() and not force:
            self.replace_confirmed = path
            self.say(f"{path.name} already exists: Enter again replaces it, or change the name", error=True)
            return

        def done(result) -> None:
            count = getattr(result, "count", None)
            what = plural(count, "record") if count is not None else "your log"
            self.app.notify(f"exported {what} to {getattr(result, 'path', path)}", timeout=6)
            self.dismiss(result)

        # The safe-output rule in services has the last word (never the database, nothing but
        # a regular file); the dialog only asks before replacing.
        self.save_with(lambda: pb.export(ex.name, path, since=since, until=None, force=force), done)
