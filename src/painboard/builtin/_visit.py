"""What a visit report shows, gathered once: the Markdown summary and the HTML report both render it.

One home for each figure: the arithmetic lives in painboard.figures, read through the period's
figures (figures_of); this module only collects those figures for one period and words the markers
("worth raising with your care team"). It is also the one place of the reports' escaping
rules: every text a person, a file or a plugin wrote goes through ``md_text`` (Markdown) or
``html_text`` (HTML), one line each. It never recommends a dose, a drug or a change of treatment.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from painboard.builtin import figures as _figure_metrics
from painboard.figures.episodes import by_type, durations_min, median_or_none, trigger_counts
from painboard.figures.pain_days import site_counts, trend_words
from painboard.figures.period import figures_of, rows_once
from painboard.figures.rescue import RESCUE_DOSES_MARKER
from painboard.figures.rows import GIVEN
from painboard.figures.severity import CONTROLLED_MAX, fixed
from painboard.plugin_api import PeriodView

RAISE = "worth raising with your care team"
# The metrics of builtin/figures.py, whose texts the Markdown summary words (new_figures).
NEW_FIGURES = tuple(m.name for m in _figure_metrics.METRICS)
# Plan items whose events are marked on the time axis (the dashboard's trend marks the same).
MARKED_CATEGORIES = ("radiation", "bone_strengthening", "procedure")
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
    daily: list[dict[str, Any]]             # view.daily_pain() rows (days with entries)
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
    adherence: dict[str, Any]
    plan_marks: list[PlanMark]
    has_events: bool                        # anything from the plan recorded in the period
    mme: dict[str, Any] | None              # mean, min, max, days, per_drug, words (PeriodFigures.omed_stats)
    notes: list[tuple[date, str]]           # every note of the period, sorted by day
    markers: list[str] = field(default_factory=list)
    mme_not_counted: str = ""               # "not counted (unit): Oramorph", or ""
    # (label, text) of the breakthrough, end-of-dose, radiation and insights metrics (builtin/figures.py)
    new_figures: list[tuple[str, str]] = field(default_factory=list)
    episodes_per_day: float = 0.0
    worst_peak: int | None = None
    rescue_totals: dict[str, Any] = field(default_factory=dict)  # total, per_day, most
    rescue_items: list[dict[str, Any]] = field(default_factory=list)  # each item: doses, most, its own cap
    metrics: list[dict[str, Any]] = field(default_factory=list)  # the report's metric rows (report_metrics)

    def metric(self, name: str) -> dict[str, Any] | None:
        return next((m for m in self.metrics if m["name"] == name), None)


def omed_lines(f: "VisitFigures") -> list[str]:
    """The visit report's OMED lines, worded once for the Markdown and the HTML."""
    out = []
    if f.mme:  # one statistic on every face: the mean with its range (Omed.period_words)
        out.append(f"Oral morphine equivalents from doses recorded: {f.mme['words']}.")
    if f.mme_not_counted:
        out.append(f"Oral morphine equivalents, {f.mme_not_counted}.")
    return out


def omed_by_drug(f: "VisitFigures") -> str:
    """Each drug's share of the period's OMED, in mg (the Markdown summary's extra line)."""
    return ", ".join(f"{n} {fixed(v, 1).removesuffix('.0')} mg" for n, v in (f.mme or {}).get("per_drug", {}).items())


def rescue_lines(f: "VisitFigures") -> list[str]:
    """The period's rescue doses (plain text): all of them, then each item against its own cap."""
    if not f.rescue:
        return []
    r = f.rescue_totals
    out = [f"Rescue doses taken: {r['total']} ({fixed(r['per_day'], 1)} a day); most in a day: {r['most']}."]
    for it in f.rescue_items:
        cap = f" (its own daily maximum {it['cap']})" if it["cap"] else ""
        out.append(f"{it['item']}: {it['doses']} doses, at most {it['most']} in a day{cap}.")
    return out


def bone_line(f: "VisitFigures") -> str | None:
    """The bone-strengthening drug as of the report's end date (the bone-agent metric's text)."""
    m = f.metric("bone-agent")
    return m["text"] if m and not m["error"] and m["value"] is not None else None


def visit_figures(view: PeriodView, with_new_figures: bool = True) -> VisitFigures:
    """The period's figures for a visit report, each read from its one home.

    ``with_new_figures=False`` leaves ``new_figures`` empty, for a report that runs those
    metrics itself (the HTML report), so none is computed twice."""
    pf = figures_of(view)
    days = view.days()
    s = pf.pain_summary
    daily = pf.daily_pain
    eps = pf.episodes
    events = view.events()
    items = {i.id: i for i in view.plan_items()}
    rescue = pf.rescue_per_day
    entries = rows_once(view, "entries")
    metrics = [{"name": r.name, "label": r.label, "text": r.text, "level": r.level, "value": r.value,
                "error": r.error} for r in report_metrics(view)]

    marks = []
    for e in events:
        it = items.get(e["item_id"])
        if it and it.category in MARKED_CATEGORIES and e["status"] in GIVEN:
            marks.append(PlanMark(e["done_at"].astimezone(view.tz), it.label(), it.category,
                                  e["status"], it.id))

    o = pf.period_omed
    mme = pf.omed_stats

    notes = [(r["day"], r["note"]) for r in view.reviews() if r["note"]]
    notes += [(e["occurred_at"].astimezone(view.tz).date(), e["note"]) for e in entries if e["note"]]
    durations = durations_min(eps)
    f = VisitFigures(
        days=days, last=days[-1] if days else view.start, summary=s, daily=daily,
        avg_series=pf.avg_series, worst_series=pf.worst_series, trend=trend_words(pf.avg_series),
        severe_days=pf.severe_days,
        nights=pf.nights_with_pain(threshold=1) if s["n"] else 0,
        sites=site_counts(entries, 4),
        episodes=eps, episode_durations=durations,
        episode_median_min=median_or_none(durations),
        episode_types=by_type(eps), triggers=trigger_counts(eps, 4),
        rescue=rescue, adherence=pf.adherence, plan_marks=marks, has_events=bool(events), mme=mme,
        notes=sorted(notes), mme_not_counted=o.not_counted_words(),
        episodes_per_day=pf.episode_rate, worst_peak=pf.episode_summary()["worst_peak"],
        rescue_totals=pf.rescue_totals, rescue_items=pf.rescue_items_over, metrics=metrics,
        new_figures=new_figures(view) if with_new_figures else [])
    f.markers = markers(f, pf.days_above_controlled, pf.rescue_marker_days)
    return f


def markers(f: VisitFigures, above: int, over: list[date]) -> list[str]:
    """The "Worth raising" box (plain text): the report's own markers and every figure flagged
    above it (a metric at level alert, or whose text says it is worth raising), each once."""
    out: list[str] = []
    if f.summary["n"] and above:
        out.append(f"Average pain above {CONTROLLED_MAX}/10 on {above} of {len(f.daily)} days: {RAISE}.")
    if over:
        out.append(f"More than {RESCUE_DOSES_MARKER} rescue doses a day on {len(over)} days "
                   f"(last {day_words(over[-1])}): {RAISE}.")
    for r in f.rescue_items:
        if r["days_above"]:
            out.append(f"{r['item']} above its own daily maximum ({r['cap']}) on {len(r['days_above'])} days "
                       f"(last {day_words(r['days_above'][-1])}): {RAISE}.")
    for m in f.metrics:
        if not m["error"] and (m["level"] == "alert" or RAISE in m["text"]):
            text = m["text"].split(" Period ")[0].rstrip(".")
            if len(text) > MARKER_CHARS:
                text = text[: MARKER_CHARS - 1].rstrip() + "…"
            out.append(f"{m['label']}: {text}" + ("." if RAISE in text else f": {RAISE}."))
    return out


def new_figures(view: PeriodView) -> list[tuple[str, str]]:
    """The issue-12 metrics' texts from the results painboard's one metric runner handed the
    report (``view.metric_results``); one that failed says so and leaves the others in place."""
    out = []
    for r in report_metrics(view):
        if r.name in NEW_FIGURES:
            out.append((r.label, f"could not be computed ({r.error.split(':')[0]})" if r.error else r.text))
    return out


def report_metrics(view: PeriodView) -> list:
    """The metric results the runner computed for a report (services.export), in tile order:
    those of painboard's built-in modules (a report shows no outside plugin's figure)."""
    return [r for r in getattr(view, "metric_results", None) or [] if str(r.plugin or "").startswith("builtin.")]
