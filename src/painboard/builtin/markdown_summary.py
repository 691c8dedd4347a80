"""A one-page Markdown visit summary for the care team.

It reports what the log shows and marks the figures clinical.md names as thresholds with
"worth raising with your care team". It never recommends a dose, a drug or a change of
treatment. Every text from the log, the plan or a metric goes through ``md`` (builtin/_visit.py
md_text: one line, HTML and Markdown signs escaped): no text can start a section, a link or an
image.
"""

from __future__ import annotations

from typing import BinaryIO

from painboard.builtin._common import sparkline
from painboard.figures.severity import SEVERE_MIN, fixed
from painboard.builtin import metrics as builtin_metrics
from painboard.builtin._visit import (NEW_FIGURES, VisitFigures, bone_line, day_words as _d, md_text as md,
                                      omed_by_drug, omed_lines, rescue_lines, visit_figures)
from painboard.plugin_api import Exporter, PeriodView, hookimpl
from painboard.terminal_text import plural

# The figures it words: the five long ones in their section, and the built-in metrics whose
# flags go in the Worth raising box (the same box as the HTML report's) and the bone agent line.
REPORT_METRICS = NEW_FIGURES + tuple(m.name for m in builtin_metrics.METRICS)


def write_summary(view: PeriodView, out: BinaryIO) -> int:
    f = visit_figures(view)
    L: list[str] = [f"# Pain summary: {_d(view.start)} to {_d(f.last)}", "",
                    f"From the patient's own painboard log ({plural(len(f.days), 'day')}, times in {md(view.tz_name)}). "
                    "This summary reports what was logged; it does not recommend any treatment.", ""]
    for section in (_pain, _breakthrough, _plan, _new_figures, _notes, _markers):
        L += section(view, f)
    out.write("\n".join(L).encode("utf-8"))
    return f.summary["n"] + len(f.episodes)


def _pain(view: PeriodView, f: VisitFigures) -> list[str]:
    days, s = f.days, f.summary
    L = ["## Pain (0-10)", ""]
    add = L.append
    if s["n"] or s.get("reviews"):
        reviews = f" and {s['reviews']} daily review{'s' if s['reviews'] != 1 else ''}" if s.get("reviews") else ""
        avg = fixed(s["average"], 1, none="not given")
        add(f"- {s['n']} ratings{reviews} on {len(f.daily)} days: average {avg}, worst {s['worst']}, "
            f"least {s['least']}.")
        add(f"- Trend of the daily average: {md(f.trend)}.")
        add(f"- Daily average, one mark per {'day' if len(days) <= 60 else 'few days'} (scale 0-10):")
        add("")
        add(f"      {sparkline(f.avg_series)}")
        add("")
        add(f"- Days with worst pain {SEVERE_MIN} or more (severe): {f.severe_days} of {len(f.daily)}.")
        add(f"- Nights with pain logged between {view.night_start:%H:%M} and {view.night_end:%H:%M}: "
            f"{f.nights} of {len(days)}.")
        if f.sites:
            add(f"- Where: {', '.join(f'{md(k)} ({v})' for k, v in f.sites)}.")
    else:
        add("- No pain ratings were logged in this period.")
    add("")
    return L


def _breakthrough(view: PeriodView, f: VisitFigures) -> list[str]:
    L = ["## Breakthrough pain", ""]
    add = L.append
    eps = f.episodes
    if eps:
        add(f"- {len(eps)} episodes ({fixed(f.episodes_per_day, 1)} a day); worst peak {f.worst_peak}/10"
            + (f"; median duration {f.episode_median_min:g} min" if f.episode_durations else "") + ".")
        add(f"- By type: {', '.join(f'{md(k)} {v}' for k, v in f.episode_types)}.")
        if f.triggers:
            add(f"- Common triggers: {', '.join(f'{md(k)} ({v})' for k, v in f.triggers)}.")
    else:
        add("- No breakthrough episodes were logged.")
    L += [f"- {md(line)}" for line in rescue_lines(f)]
    add("")
    return L


def _plan(view: PeriodView, f: VisitFigures) -> list[str]:
    adh = f.adherence
    L = ["## Plan", ""]
    add = L.append
    if adh["due"]:
        add(f"- Scheduled medication doses: {adh['taken']} of {adh['due']} recorded as taken "
            f"({adh['pct']:g} %); {adh['missed']} missed, {adh['skipped']} skipped, "
            f"{adh['not_recorded']} with nothing recorded.")
    for m in f.plan_marks:
        add(f"- {md(m.label)}: {md(m.status)} {_d(m.at)}.")
    if not adh["due"] and not f.has_events:
        add("- Nothing from the plan was recorded in this period.")
    bone = bone_line(f)
    if bone:
        add(f"- Bone-strengthening drug, as of {_d(f.last)}: {md(bone)}.")
    for line in omed_lines(f):
        add(f"- {md(line)}")
    if f.mme:
        add(f"- Of that, over the period by drug: {md(omed_by_drug(f))}.")
    add("")
    return L


def _new_figures(view: PeriodView, f: VisitFigures) -> list[str]:
    if not f.new_figures:
        return []
    return (["## Breakthrough timing, radiation and insights", ""]
            + [f"- {md(label)}: {md(text)}" for label, text in f.new_figures] + [""])


def _notes(view: PeriodView, f: VisitFigures) -> list[str]:
    L = ["## Notes", ""]
    if f.notes:
        seen = set()
        for day, note in f.notes[-12:]:
            if (day, note) not in seen:
                seen.add((day, note))
                L.append(f"- {day:%-d %b}: {md(note)}")
    else:
        L.append("- No notes in this period.")
    return L + [""]


def _markers(view: PeriodView, f: VisitFigures) -> list[str]:
    return ["## Worth raising with your care team", "",
            "\n".join(f"- {md(m)}" for m in f.markers) if f.markers else "- Nothing in the log crossed a marker.",
            "",
            "_Markers are fixed figures from published cancer-pain guidance, shown for discussion; "
            "they are not advice._", ""]


@hookimpl
def register_exporters(register):
    register(Exporter(name="markdown", extension=".md", label="Visit summary (Markdown)",
                      write=write_summary, uses_metrics=REPORT_METRICS,
                      description="A one-page summary for a clinic visit: trend, breakthrough pain, plan, notes."))
