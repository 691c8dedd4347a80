"""Today's figures: average and worst so far, breakthrough episodes, rescue doses, metrics."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive

from painboard.tui.css import sibling_css
from textual.widget import Widget

from painboard.terminal_text import clean
from painboard.tui.format import attr_or_key, hhmm, minutes, num


# Metrics whose figure the panel's own lines above already show (from the same clinical
# functions), so each figure appears once.
SHOWN_ABOVE = {"rescue-doses-today", "nights-with-pain"}


class TodayPanel(Widget, can_focus=True):
    """Read-only figures; Tab focuses it to scroll when metrics make it taller than the screen."""

    DEFAULT_CSS = sibling_css(__file__)

    today = reactive(None, always_update=True)
    metrics = reactive(list, always_update=True)

    def __init__(self, tz, **kw) -> None:
        super().__init__(**kw)
        self.tz = tz

    def render(self) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append("Today\n", "bold")
        d = self.today
        if d is None:
            t.append(" reading…", "dim")
            return t
        if d.open_episode:
            ep = d.open_episode
            t.append(f"✱ episode since {hhmm(ep['onset'], self.tz)}, peak {ep['peak']}", "bold red")
            t.append("  b ends it\n", "dim")
        if d.entries:
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
        if d.rescue_marker:
            from painboard.clinical import RESCUE_DOSES_MARKER

            t.append(f" ▲ more than {RESCUE_DOSES_MARKER} today: worth\n   raising with your care team\n",
                     "bold yellow")
        t.append(" OMED ")
        t.append(f"{num(d.mme)} mg" if d.mme is not None else "–", "bold")
        t.append("\n")
        t.append(" night pain: ")
        t.append(f"{d.nights_with_pain} of {d.nights}", "bold")
        t.append(" nights\n")
        metrics = [m for m in self.metrics or [] if attr_or_key(m, "name") not in SHOWN_ABOVE]
        if metrics:
            t.append("Last 7 days\n", "bold")
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
        mark = {"watch": "▲ ", "alert": "▲▲ "}.get(level, "")
        value, unit = attr_or_key(m, "value"), attr_or_key(m, "unit") or ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            unit = clean(unit)
            text = f"{num(value)}{unit}" if unit.startswith("/") else f"{num(value)} {unit}".strip()
        else:
            text = clean(attr_or_key(m, "text") or "–")
        style = {"watch": "yellow", "alert": "bold red"}.get(level, "")
        t.append(f" {mark}{label} ", style)
        t.append(f"{text}\n", f"bold {style}".strip())
