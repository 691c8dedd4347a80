"""Radiation and insights: a radiation timeline (baseline, sessions, flare days, response by
week) and the insights, from the figures of `painboard metrics` over the last 30 days.

Symbols carry the meaning (16 colours and no colour both read): the legend is on screen.
The screen only words the metrics' results; the arithmetic is in painboard.figures.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from painboard.terminal_text import clean
from painboard.tui.format import OMED_WORDS

PERIOD_DAYS = 30
NAMES = ("radiation-flare", "radiation-response", "insights", "breakthrough", "end-of-dose")
# day marks on the timeline
DAY_MARKS = {"baseline": "b", "session": "R", "flare": "▲", "back": "✓", "data": "·", "none": " "}
RESULT_MARKS = {"complete response": "●", "partial response": "◐", "progression": "▲",
                "indeterminate": "?", "not enough data": "∅", "not yet": "…"}
LEGEND = ("b baseline  R session  ▲ flare  ✓ back to baseline  · day with a worst\n"
          "● complete  ◐ partial  ▲ progression  ? indeterminate  ∅ no data  … not yet\n"
          + OMED_WORDS)
SHORT = {"complete response": "complete", "partial response": "partial", "not enough data": "no data",
         "not yet": "", "indeterminate": "indeterminate", "progression": "progression"}
HOURS = "▁▂▃▄▅▆▇█"


def _short(iso: str) -> str:
    return f"{date.fromisoformat(iso):%-d %b}"


def _day(s: str | None) -> date | None:
    return date.fromisoformat(s) if s else None


def timeline(flare: dict[str, Any], until: date) -> tuple[str, str]:
    """One mark per day from the baseline's first day to 14 days after the last session (or the
    data's end), and a date line under it."""
    base = flare["baseline"]
    start, first, last = _day(base["since"]), _day(flare["first_session"]), _day(flare["last_session"])
    sessions = {_day(s) for s in flare["sessions"]}
    flare_days = {_day(s) for s in flare["flare_days"]}
    back = _day(flare.get("returned_on"))
    end = min(last + timedelta(days=14), max(until, last))
    marks, d = [], start
    while d <= end:
        if d in sessions:
            m = "session"
        elif d in flare_days:
            m = "flare"
        elif d == back:
            m = "back"
        elif d < first:
            m = "baseline"
        else:
            m = "data"
        marks.append(DAY_MARKS[m])
        d += timedelta(days=1)
    axis = f"{start:%-d %b}".ljust(len(marks) - 6) + f"{end:%-d %b}".rjust(6)
    return "".join(marks), axis


def hour_profile(by_hour: list[dict[str, Any]]) -> str:
    """24 marks, one per hour: the mean pain on a 0-10 scale, a space where data is too thin."""
    out = []
    for h in by_hour:
        m = h.get("mean")
        out.append(" " if m is None else HOURS[round(min(max(m, 0), 10) / 10 * (len(HOURS) - 1))])
    return "".join(out)


def radiation_lines(flare: dict | None, response: dict | None, today: date) -> list[str]:
    if not flare or not flare.get("details"):
        return ["No radiation session recorded in the last 12 weeks."]
    lines = []
    responses = {c["first_session"]: c for c in (response or {}).get("details", {}).get("courses", [])}
    for c in flare["details"]["courses"]:
        b = c["baseline"]
        n = len(c["sessions"])
        when = _short(c["first_session"]) if n == 1 else \
            f"{_short(c['first_session'])} to {_short(c['last_session'])} ({n} sessions)"
        lines.append(f"{c['item']}, {when}")
        if b["enough"]:
            lines.append(f" baseline {_short(b['since'])} to {_short(b['until'])}: worst {b['worst']:.1f}, "
                         f"OMED {b['omed']:.0f} mg a day")
        else:
            lines.append(f" baseline: not enough data ({b['days_with_worst']} of 7 days with a worst)")
        marks, axis = timeline(c, today)
        lines.append(" " + marks)
        lines.append(" " + axis)
        flare_words = c["result"]
        if c["flare_days"]:
            flare_words = "▲ " + ", ".join(_short(d) for d in c["flare_days"]) + f" ({c['result']})"
        if c.get("returned_on"):
            flare_words += f"  ✓ back {_short(c['returned_on'])}"
        lines.append(f" flare: {flare_words}")
        r = responses.get(c["first_session"])
        if r:
            weeks = "  ".join(f"w{w['week']} {RESULT_MARKS.get(w['result'], '?')} "
                              f"{SHORT.get(w['result'], w['result'])}" for w in r["weeks"])
            lines.append(f" response: {weeks}")
    return lines


def insight_lines(ins: dict | None) -> list[str]:
    if not ins or not ins.get("details"):
        return ["No insights: nothing was logged."]
    d = ins["details"]
    mn = d["min_n"]
    lines = [f"{d['entries']} entries, {d['episodes']} episodes; fewer than {mn}: too little data"]

    def ranked(rows: list[dict], what: str) -> str:
        shown = [f"{r['name']} {r['n']}× {what} {r['mean']:.1f}" for r in rows if r["enough"]][:3]
        return ", ".join(shown) if shown else "too little data"

    lines.append(f"triggers: {ranked(d['triggers'], 'peak')}")
    lines.append(f"activities: {ranked(d['activities'], 'mean')}")
    lines.append(f"by hour  |{hour_profile(d['by_hour'])}|  (0-10, blank: too little data)")
    lines.append("          00    06    12    18   ")
    rr, r = d["rescue_relief"], d["rescue"]  # the same relief figure as the breakthrough profile (M)
    lines.append(f"rescue dose: relief a median {rr['median_min']:.0f} min after (n={rr['n']})" if rr["n"]
                 else "rescue dose: no relief recorded")
    lines.append(f"  pain scores {r['before']:.1f} before, {r['after']:.1f} after (n={r['n']})" if r["enough"]
                 else f"  pain scores before and after: too little data ({r['n']} of {r['doses']} doses)")
    helps = [f"after {h['name']}, pain {h['change']:.1f} {'lower' if h['lower'] else 'higher'} (n={h['n']})"
             for h in d["helps"] if h["enough"]][:3]
    lines.append("what helps: " + (", ".join(helps) if helps else "too little data"))
    return lines


class InsightsScreen(Screen):
    """Radiation timeline and insights; Esc or i goes back."""

    CSS_PATH = "insights.tcss"
    BINDINGS = [Binding("escape,i", "close", "back")]

    def __init__(self) -> None:
        super().__init__()
        self.rows_pending = True  # the tests' settle waits for the read
        self.results: dict[str, dict[str, Any]] = {}

    def compose(self) -> ComposeResult:
        yield Static("Radiation and insights", id="ins-title", markup=False)
        with VerticalScroll(id="ins-body"):
            box = Static("reading…", id="ins-radiation", markup=False)
            box.border_title = "Radiation"
            yield box
            box = Static("", id="ins-insights", markup=False)
            box.border_title = "Insights"
            yield box
            yield Static(LEGEND, id="ins-legend", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, group="read", exclusive=True)
    def load(self) -> None:
        pb = self.app.pb
        today = pb.today()
        since, until = today - timedelta(days=PERIOD_DAYS - 1), today + timedelta(days=1)
        try:
            res = {r.name: r.model_dump() for r in pb.compute_metrics(since, until) if r.name in NAMES}
            err = None
        except Exception as exc:  # the screen says what failed instead of closing the app
            res, err = {}, str(exc)
        self.app.call_from_thread(self.show, res, since, today, err)

    def show(self, res: dict[str, dict[str, Any]], since: date, today: date, err: str | None) -> None:
        self.results = res
        self.query_one("#ins-title", Static).update(
            f"Radiation and insights, {since:%-d %b} to {today:%-d %b %Y}  (Esc back)")
        if err:
            self.query_one("#ins-radiation", Static).update(clean(f"could not read the figures: {err}"))
        else:
            rad = radiation_lines(res.get("radiation-flare"), res.get("radiation-response"), today)
            # Triggers and activities are the user's words: cleaned of terminal controls, line by line.
            self.query_one("#ins-radiation", Static).update("\n".join(clean(x) for x in rad))
            self.query_one("#ins-insights", Static).update(
                "\n".join(clean(x) for x in insight_lines(res.get("insights"))))
        self.rows_pending = False

    def action_close(self) -> None:
        self.app.pop_screen()
