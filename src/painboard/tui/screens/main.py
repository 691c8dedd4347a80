"""The main screen: header, trend chart, today's figures, the plan checklist, recent entries."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Key, Resize
from textual.reactive import Reactive, reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from typing import TYPE_CHECKING

from painboard.tui.format import RANGES, utcnow
from painboard.tui.css import sibling_css
from painboard.tui.messages import EntryLogged
from painboard.tui.widgets.checklist import PlanChecklist
from painboard.tui.widgets.header import DashHeader
from painboard.tui.widgets.quick_log import QuickLog
from painboard.tui.widgets.recent import RecentEntries
from painboard.tui.widgets.today import TodayPanel
from painboard.tui.widgets.trend import TrendChart
from painboard.tui.widgets.warning_banner import WarningBanner

if TYPE_CHECKING:
    from painboard.services import Snapshot

RANGE_LABELS = [label for _, label, _ in RANGES]
DIGITS = frozenset("0123456789")
# A read-only session's key line leaves out the keys that write (they only say "read-only")
# and shows what works instead.
WRITE_ACTIONS = {"quick_log", "log_form", "breakthrough", "tick", "review", "undo_dose", "symptom", "mark_reported"}
READ_ONLY_SHOWN = {"metrics", "insights"}
# The wide layout's columns (main.tcss has the Today panel's width): the plan at least this
# much, recent entries at least that much (time, score and a site).
WIDE_TODAY, WIDE_PLAN_MIN, WIDE_RECENT_MIN = 34, 30, 36


def _quick_log_bindings() -> list[Binding]:
    """The quick log line's keys. Priority: the app runs them as it reads each key, so a burst
    ("1" "0" Enter) lands on the line in order, whether the focus is there yet or not (a letter
    is the line's to refuse once it is: QuickScore). One footer entry "0-9 log" stands for the
    ten digits. Enter, Tab, Esc and Backspace are the line's only while it holds a score
    (check_action); otherwise the keys do what they did."""
    out = [Binding("0", "quick_log('0')", "log", key_display="0-9", priority=True)]
    out += [Binding(str(d), f"quick_log('{d}')", f"log {d}", show=False, priority=True) for d in range(1, 10)]
    return out + [Binding("enter", "quick('save')", "save", priority=True),
                  Binding("tab", "quick('details')", "details", priority=True),
                  # Tab otherwise as on every screen (a binding here replaces Screen's for the key)
                  Binding("tab", "app.focus_next", "Focus Next", show=False),
                  Binding("escape", "quick('clear')", "clear", priority=True),
                  Binding("backspace", "quick('delete_left')", "delete", show=False, priority=True)]


class MainScreen(Screen):
    # As DEFAULT_CSS, not CSS_PATH: this is the app's first screen (get_default_screen), which
    # Textual registers without loading a CSS_PATH. Not scoped: the rules name the screen.
    DEFAULT_CSS = sibling_css(__file__)
    SCOPED_CSS = False

    BINDINGS = _quick_log_bindings() + [
        Binding("l", "log_form", "log form", show=False),
        Binding("b", "breakthrough", "breakthrough"),
        Binding("s", "symptom", "symptom", show=False),
        Binding("exclamation_mark", "mark_reported", "reported", show=False, key_display="!"),
        Binding("space", "tick", "tick"),
        Binding("r", "review", "review"),
        Binding("e", "export", "export"),
        Binding("I", "import_file", "import a file", show=False),
        Binding("i", "insights", "radiation and insights", show=False),
        Binding("M", "metrics", "metrics", show=False),
        Binding("u,backspace", "undo_dose", "undo dose", show=False),
        Binding("d", "delete_entry", "delete entry", show=False),
        Binding("z", "restore_entry", "undo last edit or delete", show=False),
        Binding("R", "records", "records"),
        Binding("left_square_bracket", "cycle(-1)", "shorter range", show=False, key_display="["),
        Binding("right_square_bracket", "cycle(1)", "longer range", show=False, key_display="]"),
    ] + [Binding(key, f"range('{label}')", f"chart {label}", show=False) for key, label, _ in RANGES] + [
        Binding("f5", "refresh", "refresh", show=False),
    ]

    # Textual repaints the whole screen when the focus moves; here the widgets whose looks
    # follow the focus repaint themselves (their :focus styles, TodayPanel's title), so a
    # digit moving the focus to the quick log line draws that line and the plan, not 24 rows.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    snapshot: reactive[Snapshot | None] = reactive(None, always_update=True)
    db_state: reactive[tuple[str, str]] = reactive(("loading", ""))
    range_label: reactive[str] = reactive("30d")

    def compose(self) -> ComposeResult:
        tz = self.app.tz
        yield WarningBanner(tz, read_only=self.app.read_only, id="warning-banner")  # above everything
        yield DashHeader(tz, id="header")
        yield TrendChart(id="chart")
        with Horizontal(id="panels"):
            yield TodayPanel(tz, id="today")
            with Vertical(id="plan-box"):
                yield Static("Plan", id="plan-title")
                yield PlanChecklist(id="plan")
            yield RecentEntries(tz, id="recent")
        if not self.app.read_only:  # a read-only session logs nothing: a digit says so (a toast)
            yield QuickLog(id="quick-log")
        # The key line (DashFooter) joins after the first frame: see add_key_line.

    def on_mount(self) -> None:
        self.range_label = self.app.range_label
        header = self.query_one(DashHeader)
        header.read_only = self.app.read_only
        if self.app.read_only:
            self._read_only_keys()
        self.query_one(PlanChecklist).focus()
        # Keys typed while the dashboard starts (a burst with the command) waited for this:
        # its widgets, the quick log line among them, are all up now.
        self.keys_ready = True
        hold = getattr(self.app, "key_hold", None)
        if hold is not None:
            hold.release()

    keys_ready = False

    def _read_only_keys(self) -> None:
        from dataclasses import replace

        for key, bindings in self._bindings.key_to_bindings.items():
            self._bindings.key_to_bindings[key] = [
                replace(b, show=False) if b.action.split("(")[0] in WRITE_ACTIONS else
                replace(b, show=True) if b.action in READ_ONLY_SHOWN else b for b in bindings]

    def add_key_line(self) -> None:
        """Mount the key line. Textual's Footer is one widget per key in a scrolling
        container; styling and laying those out was about a third of the first frame's cost,
        so the frame comes first (the panels, saying "reading…"), then the figures, then the
        keys (the app calls this once everything is drawn, or after a moment of waiting)."""
        from painboard.tui.widgets.footer import DashFooter

        if not self.query(DashFooter):
            self.mount(DashFooter(compact=True))

    def on_entry_logged(self, message: EntryLogged) -> None:
        """Show a just-saved entry at once; the refresh every write triggers brings the rest.

        The header's "now" is the latest entry, so a score logged for an earlier time leaves
        it alone; today's worst (and a first entry's average) follow from the entry itself."""
        entry = message.entry
        header = self.query_one(DashHeader)
        if header.now_at is None or entry.occurred_at >= header.now_at:
            header.now_score, header.now_at = entry.intensity, entry.occurred_at
        panel = self.query_one(TodayPanel)
        if panel.today is not None:
            panel.today = panel.today.with_entry(entry.intensity, entry.occurred_at, self.app.tz)

    def on_resize(self, event: Resize) -> None:
        # Layout adapts: recent entries get a column when there is room for one.
        self.set_class(event.size.width >= 110, "-wide")
        self.set_class(event.size.height >= 32, "-tall")
        self._share_columns()

    def _share_columns(self) -> None:
        """Wide: the plan takes what its longest line needs and recent entries the rest (they
        were cut while the plan had room to spare); narrower, the stylesheet's widths."""
        box = self.query_one("#plan-box")
        if not self.has_class("-wide"):
            box.styles.width = None
            return
        need = self.query_one(PlanChecklist).needed_width + 2  # its padding, a scrollbar's room
        room = self.size.width - WIDE_TODAY - WIDE_RECENT_MIN
        box.styles.width = max(WIDE_PLAN_MIN, min(need, room))

    # -- data in ---------------------------------------------------------------------------
    def watch_snapshot(self, snap: Snapshot | None) -> None:
        if snap is None:
            return
        header = self.query_one(DashHeader)
        header.now_score = snap.today.now
        header.now_at = snap.today.now_at
        self.query_one(TrendChart).trend = snap.trend
        today = self.query_one(TodayPanel)
        today.today = snap.today
        today.metrics = list(snap.metrics or [])
        self.query_one(PlanChecklist).show(snap.checklist)
        self._share_columns()
        self.query_one(RecentEntries).entries = snap.recent
        self.query_one(WarningBanner).signs = list(snap.warning_signs)

    def show_loading_text(self, text: str) -> None:
        """Why there is nothing to show yet (no database, an error), in the chart and Today."""
        self.query_one(TrendChart).loading_text = text
        self.query_one(TodayPanel).watch_today()

    def watch_db_state(self, value: tuple[str, str]) -> None:
        header = self.query_one(DashHeader)
        header.state, header.state_text = value

    def watch_range_label(self, label: str) -> None:
        self.query_one(TrendChart).range_label = label

    # -- actions ---------------------------------------------------------------------------
    def action_range(self, label: str) -> None:
        if label not in RANGE_LABELS:
            return
        self.range_label = label
        self.app.range_label = label
        self.app.keep_choice("range", label)
        self.app.request_refresh()

    def action_cycle(self, step: int) -> None:
        # Stops at the ends (7 days, all) rather than wrapping round to the other end.
        i = max(0, min(len(RANGE_LABELS) - 1, RANGE_LABELS.index(self.range_label) + step))
        if RANGE_LABELS[i] != self.range_label:
            self.action_range(RANGE_LABELS[i])

    def action_refresh(self) -> None:
        self.app.request_refresh()

    def action_quick_log(self, digit: str) -> None:
        """A digit: the score on the quick log line, which takes the keys after it (Enter
        saves, Tab the details, Esc clears). Nothing is built or pushed: only that line is
        drawn again (issue 22)."""
        if self.app.refuse_if_read_only("logging"):
            return
        self.query_one(QuickLog).start(digit)

    def action_quick(self, what: str) -> None:
        getattr(self.query_one(QuickLog), what)()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quick":  # the line's Enter, Tab, Esc: only while it holds a score
            quick = self.query(QuickLog)
            return bool(quick) and quick.first().active
        return True

    def form_keys(self) -> frozenset[str]:
        """The keys after which the keys typed next wait for a form (typeahead.py)."""
        from painboard.tui.typeahead import OPENS_A_FORM

        quick = self.query(QuickLog)
        if not quick:  # read-only: no line
            return OPENS_A_FORM
        if quick.first().active:
            return frozenset({"tab"})  # the others are typed on the line (or refused there)
        # A digit: the keys after it wait for the line to have the focus (a frame later), so a
        # letter typed in the same burst is the line's to refuse, not the dashboard's (q quit).
        return OPENS_A_FORM | DIGITS

    def focus_plan(self) -> None:
        self.query_one(PlanChecklist).focus()

    def action_log_form(self) -> None:
        from painboard.tui.dialogs.log_entry import LogEntryDialog

        if self.app.refuse_if_read_only("logging"):
            return
        self.app.push_screen(LogEntryDialog(intensity=None, full=True))

    def action_breakthrough(self) -> None:
        """First press: onset now, ask the peak. With an episode open: end it."""
        from painboard.tui.dialogs.episode import EpisodeDialog

        if self.app.refuse_if_read_only("recording an episode"):
            return
        onset = utcnow()
        pb = self.app.pb

        def decided(open_ep) -> None:
            if open_ep is None:
                self.app.push_screen(EpisodeDialog(onset))
                return
            self.app.write(pb.end_episode, self._episode_ended)

        self.app.read(pb.open_episode, decided)

    def _episode_ended(self, ep: dict) -> None:
        mins = round((ep["end_at"] - ep["onset"]).total_seconds() / 60)
        rescue = "; rescue dose linked" if ep.get("rescue_event_id") else ""
        self.notify(f"✱ breakthrough episode ended after {mins} min{rescue}", timeout=4)

    def action_tick(self) -> None:
        if self.app.refuse_if_read_only("ticking plan items"):
            return
        checklist = self.query_one(PlanChecklist)
        line = checklist.selected_line
        if line is None:
            return
        if getattr(self, "_ticking", False):
            return  # one tick at a time: the next press must see this one's result
        self._ticking = True
        pb = self.app.pb

        def done(what: str) -> None:
            self._ticking = False
            self.notify(f"{what}: {line.label}", timeout=3)

        def failed(exc) -> None:
            self._ticking = False
            self.app._error_notice(exc)

        self.app.write(lambda: pb.toggle(line), done, on_error=failed)

    def on_screen_resume(self) -> None:
        # Back from the quick log's details with Esc: the score is still on its line, with the focus.
        quick = self.query(QuickLog)
        if quick and quick.first().active:
            quick.first().take_focus()
        else:
            self.focus_plan()

    def action_undo_dose(self) -> None:
        if self.app.refuse_if_read_only("undoing a dose"):
            return
        line = self.query_one(PlanChecklist).selected_line
        pb = self.app.pb
        if line is None or line.kind != "as_needed":
            # As the README and help say: today's latest rescue dose, whichever item it was.
            def undone_any(ev) -> None:
                if ev is None:
                    self.notify("no as-needed dose recorded today: nothing to undo", timeout=3)
                    return
                at = ev["done_at"].astimezone(self.app.tz)
                self.notify(f"undone: today's latest as-needed dose, {ev['name']} at {at:%H:%M}", timeout=5)

            self.app.write(lambda: pb.undo_latest_as_needed_dose(), undone_any)
            return

        def done(undone: bool) -> None:
            self.notify(f"undone: one dose of {line.label}" if undone else f"no dose of {line.label} today",
                        timeout=3)

        self.app.write(lambda: pb.undo_last_dose(line.item_id), done)

    def action_delete_entry(self) -> None:
        from painboard.tui.dialogs.delete_entry import ask_and_delete

        ask_and_delete(self, self.snapshot.recent if self.snapshot is not None else [])

    def action_restore_entry(self) -> None:
        from painboard.tui.dialogs.delete_entry import restore_last

        restore_last(self)

    def action_records(self) -> None:
        from painboard.tui.screens.records import RecordsScreen

        self.app.push_screen(RecordsScreen())

    def action_review(self) -> None:
        from painboard.tui.dialogs.review import ReviewDialog

        if self.app.refuse_if_read_only("the daily review"):
            return
        self.app.push_screen(ReviewDialog())

    def action_symptom(self) -> None:
        from painboard.tui.dialogs.symptom import SymptomDialog

        if self.app.refuse_if_read_only("logging a symptom"):
            return
        self.app.read(self.app.pb.known_symptoms, lambda names: self.app.push_screen(SymptomDialog(names)))

    def action_mark_reported(self) -> None:
        from painboard.tui.dialogs.reported import ReportedDialog

        signs = self.query_one(WarningBanner).signs
        if self.app.refuse_if_read_only("marking a warning sign as reported"):
            return
        if not signs:
            self.app.key_hold.release()
            self.notify("no warning sign waiting to be reported", timeout=3)
            return
        self.app.push_screen(ReportedDialog(signs[0]))

    def action_insights(self) -> None:
        from painboard.tui.screens.insights import InsightsScreen

        self.app.push_screen(InsightsScreen())

    def action_metrics(self) -> None:
        from painboard.tui.screens.metrics import MetricsScreen

        self.app.push_screen(MetricsScreen())

    def action_plan_list(self) -> None:
        from painboard.tui.screens.lists import plan_screen

        self.app.push_screen(plan_screen())

    def action_plugins(self) -> None:
        from painboard.tui.screens.lists import plugins_screen

        self.app.push_screen(plugins_screen())

    def action_export(self) -> None:
        from painboard.tui.dialogs.export import ExportDialog

        self.app.push_screen(ExportDialog())

    def action_import_file(self) -> None:
        from painboard.tui.dialogs.import_file import ImportDialog

        ahead = self._keys_ahead if self._keys_ahead is not None and not self._keys_ahead.closed else None
        if self.app.refuse_if_read_only("importing"):
            if ahead is not None:
                ahead.closed = True  # what was typed after I was meant for the dialog: dropped
            return
        self.app.push_screen(ImportDialog(keys_ahead=ahead))

    _keys_ahead = None

    def on_key(self, event: Key) -> None:
        # Keys typed in the same burst as I reach this screen's focus first; they belong to
        # the import dialog that I opens (KeysAhead), not to the dashboard.
        if self._keys_ahead is not None:
            if self._keys_ahead.give(event):
                event.stop()
                event.prevent_default()
                return
            self._keys_ahead = None
        if event.key == "I":
            from painboard.tui.dialogs.import_file import KeysAhead

            self._keys_ahead = KeysAhead()
