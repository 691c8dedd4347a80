"""What a visit report shows, gathered once: the Markdown summary and the HTML report both render it.

One home for each figure: the arithmetic lives in painboard.figures and the period view; this
module only collects those figures for one period, runs the built-in metrics once for both
reports, and words the markers ("worth raising with your care team"). It is also the one place
of the reports' escaping rules: every text a person, a file or a plugin wrote goes through
``md_text`` (Markdown) or ``html_text`` (HTML). It never recommends a dose, a drug or a change
of treatment.
"""

from __future__ import annotations

import html
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from painboard.figures.rescue import RESCUE_DOSES_MARKER, over_rescue_marker, rescue_items_over
from painboard.figures.schedule import active_in
from painboard.figures.severity import CONTROLLED_MAX, fixed, severity_band, severity_level
from painboard.builtin._common import adherence, daily_series, rescue_by_day, rows_once, trend_words
from painboard.plugin_api import PeriodView

RAISE = "worth raising with your care team"
# Plan items whose events are marked on the time axis (the dashboard's trend marks the same).
MARKED_CATEGORIES = ("radiation", "bone_strengthening", "procedure")
# Metrics about "today" only: a report describes its period, so they are not in it.
TODAY_METRICS = ("rescue-doses-today",)
# The breakthrough, end-of-dose, radiation and insights metrics (builtin/figures.py).
NEW_FIGURES = ("breakthrough", "end-of-dose", "radiation-flare", "radiation-response", "insights")
MARKER_CHARS = 240


# -- the one escaping rule of each report format ----------------------------------------------
_MD_SIGNS = re.compile(r"([\\`*_\[\]#|!~])")


def one_line(text: Any) -> str:
    """Any text on one line: every run of white space (newlines included) becomes one space."""
    return " ".join(str(text).split())


def md_text(text: Any) -> str:
    """Any text for the Markdown summary, made inert: one line (nothing can start a heading or
    a list item), HTML escaped (a viewer that renders HTML runs none of it), and Markdown's own
    signs escaped, so no link, image or emphasis is made and the text shows as typed."""
    return _MD_SIGNS.sub(r"\\\1", html.escape(one_line(text), quote=False))


def html_text(text: Any) -> str:
    """Any text for the HTML report, made inert: one line, every sign of markup escaped."""
    return html.escape(one_line(text), quote=True)


def day_words(day: date) -> str:
    return f"{day:%a %-d %b %Y}"


@dataclass
class PlanMark:
    """A radiation session, infusion or procedure recorded as taken or done."""

    at: datetime  # local time
    label: str
    category: str
    status: str
    item_id: int


@dataclass
class VisitFigures:
    days: list[date]
    last: date
    summary: dict[str, Any]                 # view.pain_summary(): n, average, worst, least
    daily: list[dict[str, Any]]             # view.daily_pain() rows (days with figures)
    avg_series: list[float | None]          # one per day of the period
    worst_series: list[float | None]
    trend: str
    severe_days: int
    nights: int
    sites: list[tuple[str, int]]
    episodes: list[dict[str, Any]]
    episode_durations: list[float]
    episode_median_min: float | None
    episode_types: list[tuple[str, int]]
    triggers: list[tuple[str, int]]
    rescue: Counter                         # rescue doses taken per local day
    rescue_items: list[dict[str, Any]]      # each rescue item: doses, most in a day, its own cap
    adherence: dict[str, Any]
    plan_marks: list[PlanMark]
    has_events: bool                        # anything from the plan recorded in the period
    omed_words: str                         # the period's daily OMED, worded once (Omed.period_words)
    omed_per_drug: dict[str, float]
    notes: list[tuple[date, str]]           # every note of the period, sorted by day
    metrics: list[dict[str, Any]] = field(default_factory=list)  # the built-in metrics, run once
    markers: list[str] = field(default_factory=list)
    mme_not_counted: str = ""               # "not counted (unit): Oramorph", or ""

    @property
    def episodes_per_day(self) -> float:
        return len(self.episodes) / len(self.days) if self.days else 0.0

    def metric(self, name: str) -> dict[str, Any] | None:
        return next((m for m in self.metrics if m["name"] == name), None)

    @property
    def new_figures(self) -> list[tuple[str, str]]:
        """(label, text) of the breakthrough, end-of-dose, radiation and insights metrics."""
        return [(m["label"], m["text"]) for m in self.metrics if m["name"] in NEW_FIGURES]


def omed_lines(f: "VisitFigures") -> list[str]:
    """The visit report's OMED lines, worded once for the Markdown and the HTML (plain text)."""
    out = []
    if f.omed_words:
        out.append(f"Oral morphine equivalents from doses recorded: {f.omed_words}.")
    if f.mme_not_counted:
        out.append(f"Oral morphine equivalents, {f.mme_not_counted}.")
    return out


def omed_by_drug(f: "VisitFigures") -> str:
    """Each drug's share of the period's OMED, in mg (the Markdown summary's extra line)."""
    return ", ".join(f"{n} {fixed(v, 1).removesuffix('.0')} mg" for n, v in f.omed_per_drug.items())


def rescue_lines(f: "VisitFigures") -> list[str]:
    """The period's rescue doses (plain text): all of them, then each item against its own cap."""
    if not f.rescue:
        return []
    total = sum(f.rescue.values())
    out = [f"Rescue doses taken: {total} ({fixed(total / len(f.days), 1)} a day); most in a day: "
           f"{max(f.rescue.values())}."]
    for r in f.rescue_items:
        cap = f" (its own daily maximum {r['cap']})" if r["cap"] else ""
        out.append(f"{r['item']}: {r['doses']} doses, at most {r['most']} in a day{cap}.")
    return out


def bone_line(f: "VisitFigures") -> str | None:
    """The bone-strengthening drug as of the report's end date (the bone-agent metric's text)."""
    m = f.metric("bone-agent")
    return m["text"] if m and m["error"] is None and m["value"] is not None else None


def visit_figures(view: PeriodView) -> VisitFigures:
    """The period's figures for a visit report, each read from its one home; the built-in
    metrics run once here for both reports."""
    days = view.days()
    s = view.pain_summary()
    daily = view.daily_pain()
    avg_series = daily_series(view, daily, "average")
    worst_series = daily_series(view, daily, "worst")
    eps = rows_once(view, "episodes")
    events = view.events()
    entries = rows_once(view, "entries")
    o = view.omed()
    notes = [(r["day"], r["note"]) for r in view.reviews() if r["note"]]
    notes += [(e["occurred_at"].astimezone(view.tz).date(), e["note"]) for e in entries if e["note"]]
    durations = [e["duration_min"] for e in eps if e["duration_min"] is not None]
    f = VisitFigures(
        days=days, last=days[-1] if days else view.start, summary=s, daily=daily,
        avg_series=avg_series, worst_series=worst_series, trend=trend_words(avg_series),
        severe_days=sum(1 for w in worst_series if severity_band(w) == "severe"),
        nights=view.nights_with_pain(threshold=1) if s["n"] else 0,
        sites=Counter(x for e in entries for x in (e["sites"] or [])).most_common(4),
        episodes=eps, episode_durations=durations,
        episode_median_min=statistics.median(durations) if durations else None,
        episode_types=Counter(e["type"] or "type not given" for e in eps).most_common(),
        triggers=Counter(e["trigger"] for e in eps if e["trigger"]).most_common(4),
        rescue=rescue_by_day(view, events), rescue_items=rescue_items_over(events, view.plan_items(), view.tz, days),
        adherence=adherence(view), plan_marks=plan_marks(view, events), has_events=bool(events),
        omed_words=o.period_words(len(days)), omed_per_drug=dict(sorted(o.per_drug.items())),
        notes=sorted(notes), mme_not_counted=o.not_counted_words(), metrics=metric_rows(view, skip=TODAY_METRICS))
    f.markers = markers(f)
    return f


def plan_marks(view: PeriodView, events: list[dict[str, Any]]) -> list[PlanMark]:
    """Radiation sessions, infusions and procedures recorded as taken or done in the period."""
    items = {i.id: i for i in view.plan_items()}
    marks = []
    for e in events:
        it = items.get(e["item_id"])
        if it and it.category in MARKED_CATEGORIES and e["status"] in ("taken", "done"):
            marks.append(PlanMark(e["done_at"].astimezone(view.tz), it.label(), it.category, e["status"], it.id))
    return marks


def markers(f: VisitFigures) -> list[str]:
    """The "Worth raising" box: the report's own markers and every figure flagged above it (a
    metric at level alert, or whose text says it is worth raising), each once, in plain text."""
    out: list[str] = []
    above = sum(1 for a in f.avg_series if severity_level(a) != "ok")
    if f.summary["n"] and above:
        out.append(f"Average pain above {CONTROLLED_MAX}/10 on {above} of {len(f.daily)} days: {RAISE}.")
    over = sorted(d for d, n in f.rescue.items() if over_rescue_marker(n))
    if over:
        out.append(f"More than {RESCUE_DOSES_MARKER} rescue doses a day on {len(over)} days "
                   f"(last {day_words(over[-1])}): {RAISE}.")
    for r in f.rescue_items:
        if r["days_above"]:
            out.append(f"{r['item']} above its own daily maximum ({r['cap']}) on {len(r['days_above'])} days "
                       f"(last {day_words(r['days_above'][-1])}): {RAISE}.")
    for m in f.metrics:
        if m["error"] is None and (m["level"] == "alert" or RAISE in m["text"]):
            text = m["text"].split(" Period ")[0].rstrip(".")
            if len(text) > MARKER_CHARS:
                text = text[: MARKER_CHARS - 1].rstrip() + "…"
            out.append(f"{m['label']}: {text}" + ("." if RAISE in text else f": {RAISE}."))
    return out


# -- the built-in metrics, run once for both reports --------------------------------------------
def builtin_metrics() -> list:
    """The metrics painboard's built-in modules register, in tile order."""
    import importlib

    from painboard.plugins import BUILTIN_MODULES

    found: list = []
    for module in BUILTIN_MODULES.values():
        hook = getattr(importlib.import_module(module), "register_metrics", None)
        if hook is not None:
            hook(found.append)
    return sorted(found, key=lambda m: (m.order, m.name))


def metric_rows(view: PeriodView, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Each built-in metric's row (name, label, text, level, value, error), but those named in
    ``skip`` (not computed at all); one that fails says so and leaves the others in place."""
    from painboard.plugins import MetricValue, describe_error

    rows = []
    for m in builtin_metrics():
        if m.name in skip:
            continue
        try:
            v = m.compute(view)
            v = v if isinstance(v, MetricValue) else MetricValue.model_validate(v)
            rows.append({"name": m.name, "label": m.label, "text": v.text, "level": v.level, "value": v.value,
                         "error": None})
        except Exception as exc:  # one metric's failure stays in its own row
            rows.append({"name": m.name, "label": m.label, "text": f"could not be computed ({type(exc).__name__})",
                         "level": "ok", "value": None, "error": describe_error(exc)})
    return rows


def active_plan_in(view: PeriodView) -> list:
    """The plan items active on some day of the period (a report lists no other)."""
    return [it for it in view.plan_items() if active_in(it, view.start, view.end - timedelta(days=1))]
