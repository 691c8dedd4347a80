"""Today's figures: average and worst so far, breakthrough episodes, rescue doses, metrics."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from painboard.tui.css import sibling_css
from painboard.terminal_text import clean
from painboard.tui.format import LEVEL_MARKS, attr_or_key, hhmm, metric_text, minutes, num, on_dashboard



class TodayPanel(VerticalScroll, can_focus=True):
    """Read-only figures. It scrolls (Tab focuses it, then arrows, PgUp/PgDn) when the metrics
    are more than its rows; M opens every metric in a view of its own."""

    DEFAULT_CSS = sibling_css(__file__)

    today = reactive(None, always_update=True)
    metrics = reactive(list, always_update=True)

    def __init__(self, tz, **kw) -> None:
        super().__init__(**kw)
        self.tz = tz

    def compose(self) -> ComposeResult:
        yield Static(self.build(), id="today-body")

    def _show(self) -> None:
        if self.is_mounted:
            self.query_one("#today-body", Static).update(self.build())

    def watch_today(self) -> None:
        self._show()

    def watch_metrics(self) -> None:
        self._show()

    def on_focus(self) -> None:
        self._show()

    def on_blur(self) -> None:
        self._show()

    def build(self) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        # The focused panel's title is reversed: visible in 256 and 16 colours and NO_COLOR.
        t.append("Today", "bold reverse" if self.has_focus else "bold")
        t.append("\n")
        d = self.today
        if d is None:
            t.append(" " + getattr(self.app, "loading_text", "reading your log…"), "dim")
            return t
        if d.open_episode:
            ep = d.open_episode
            # Two short lines: one long one was cut before its hint at 80 columns.
            t.append(f"✱ episode since {hhmm(ep['onset'], self.tz)}, peak {ep['peak']}\n", "bold red")
            t.append("   b again when it has eased\n", "dim")
        if d.entries or d.worst is not None:  # a daily review alone gives a worst
            t.append(" average ")
            t.append(num(d.average), "bold")
            t.append("  worst ")
            t.append(num(d.worst), "bold")
            t.append("\n")
        else:
            t.append(" no entries yet today\n", "dim")
        t.append(" ✱ breakthrough ")
        t.append(str(d.episodes), "bold")
        if d.episodes:
            t.append(f" (median {minutes(d.episode_median_min)})")
        t.append("\n")
        t.append(" rescue doses ")
        t.append(str(d.rescue_doses), "bold")
        if d.rescue_max:
            t.append(f" of {d.rescue_max}")
        t.append("\n")
        per_item = getattr(d, "rescue_items", None) or []
        if len(per_item) > 1:  # each item against its own cap, never one sum across drugs
            for r in per_item:
                cap = f" of {r['cap']}" if r["cap"] else ""
                t.append(f"   {r['item'][:22]} {r['n']}{cap}\n", "dim")
        if d.rescue_marker:
            from painboard.figures.rescue import RESCUE_DOSES_MARKER

            t.append(f" ▲ more than {RESCUE_DOSES_MARKER} today: worth\n   raising with your care team\n",
                     "bold yellow")
        t.append(" OMED ")
        t.append(f"{num(d.mme)} mg" if d.mme is not None else "–", "bold")
        t.append("\n")
        if getattr(d, "mme_not_counted", ""):
            t.append(f"   {d.mme_not_counted}\n", "dim")
        t.append(" night pain: ")
        t.append(f"{d.nights_with_pain} of {d.nights}", "bold")
        t.append(" nights\n")
        # each metric declares where it is shown: one the panel's own lines show says so
        metrics = [m for m in self.metrics or [] if on_dashboard(m)]
        if metrics:
            t.append("Last 7 days", "bold")
            t.append("  M: all\n", "dim")
        for m in metrics:
            self._metric(t, m)
        t.rstrip()
        return t

    def _metric(self, t: Text, m) -> None:
        label = clean(attr_or_key(m, "label") or attr_or_key(m, "name") or "metric")
        if attr_or_key(m, "error"):
            t.append(f" {label}: ", "dim")
            t.append("could not be computed\n", "dim italic")
            return
        level = attr_or_key(m, "level") or "ok"
        from painboard.tui.colours import level_style

        style = level_style(self.app, level)
        t.append(f" {LEVEL_MARKS.get(level, '')}{label} ")
        t.append(f"{metric_text(m)}\n", style or "bold")
