"""A one-page Markdown visit summary for the care team.

It reports what the log shows and marks the figures clinical.md names as thresholds with
"worth raising with your care team". It never recommends a dose, a drug or a change of
treatment. Every text from the log, the plan or a metric goes through ``md_text`` (one line,
HTML and Markdown signs escaped): no text can start a section, a link or an image.
"""

from __future__ import annotations

from typing import BinaryIO

from painboard.builtin._common import sparkline
from painboard.builtin._visit import (VisitFigures, bone_line, day_words as _d, md_text as md, omed_by_drug,
                                      omed_lines, rescue_lines, visit_figures)
from painboard.figures.severity import SEVERE_MIN, fixed
from painboard.plugin_api import Exporter, PeriodView, hookimpl


def _pain(view: PeriodView, f: VisitFigures) -> list[str]:
    s, days = f.summary, f.days
    if not (s["n"] or s.get("reviews")):
        return ["- No pain ratings were logged in this period."]
    reviews = f" and {s['reviews']} daily review{'s' if s['reviews'] != 1 else ''}" if s.get("reviews") else ""
    avg = fixed(s["average"], 1, none="not given")
    out = [f"- {s['n']} ratings{reviews} on {len(f.daily)} days: average {avg}, worst {s['worst']}, "
           f"least {s['least']}.",
           f"- Trend of the daily average: {md(f.trend)}.",
           f"- Daily average, one mark per {'day' if len(days) <= 60 else 'few days'} (scale 0-10):",
           "", f"      {sparkline(f.avg_series)}", "",
           f"- Days with worst pain {SEVERE_MIN} or more (severe): {f.severe_days} of {len(f.daily)}.",
           f"- Nights with pain logged between {view.night_start:%H:%M} and {view.night_end:%H:%M}: "
           f"{f.nights} of {len(days)}."]
    if f.sites:
        out.append(f"- Where: {', '.join(f'{md(k)} ({v})' for k, v in f.sites)}.")
    return out


def _breakthrough(f: VisitFigures) -> list[str]:
    eps, out = f.episodes, []
    if eps:
        out.append(f"- {len(eps)} episodes ({fixed(f.episodes_per_day, 1)} a day); worst peak "
                   f"{max(e['peak'] for e in eps)}/10"
                   + (f"; median duration {f.episode_median_min:g} min" if f.episode_durations else "") + ".")
        out.append(f"- By type: {', '.join(f'{md(k)} {v}' for k, v in f.episode_types)}.")
        if f.triggers:
            out.append(f"- Common triggers: {', '.join(f'{md(k)} ({v})' for k, v in f.triggers)}.")
    else:
        out.append("- No breakthrough episodes were logged.")
    out.extend(f"- {md(line)}" for line in rescue_lines(f))
    return out


def _plan(f: VisitFigures) -> list[str]:
    adh, out = f.adherence, []
    if adh["due"]:
        out.append(f"- Scheduled medication doses: {adh['taken']} of {adh['due']} recorded as taken "
                   f"({adh['pct']:g} %); {adh['missed']} missed, {adh['skipped']} skipped, "
                   f"{adh['not_recorded']} with nothing recorded.")
    for m in f.plan_marks:
        out.append(f"- {md(m.label)}: {md(m.status)} {_d(m.at)}.")
    if not adh["due"] and not f.has_events:
        out.append("- Nothing from the plan was recorded in this period.")
    bone = bone_line(f)
    if bone:
        out.append(f"- Bone-strengthening drug, as of {_d(f.last)}: {md(bone)}.")
    out.extend(f"- {md(line)}" for line in omed_lines(f))
    if f.omed_words:
        out.append(f"- Of that, over the period by drug: {md(omed_by_drug(f))}.")
    return out


def write_summary(view: PeriodView, out: BinaryIO) -> int:
    f = visit_figures(view)
    L = [f"# Pain summary: {_d(view.start)} to {_d(f.last)}", "",
         f"From the patient's own painboard log ({len(f.days)} days, times in {md(view.tz_name)}). "
         "This summary reports what was logged; it does not recommend any treatment.", "",
         "## Pain (0-10)", "", *_pain(view, f), "",
         "## Breakthrough pain", "", *_breakthrough(f), "",
         "## Plan", "", *_plan(f), ""]
    if f.new_figures:
        L += ["## Breakthrough timing, radiation and insights", ""]
        L += [f"- {md(label)}: {md(text)}" for label, text in f.new_figures] + [""]
    L += ["## Notes", ""]
    seen: set = set()
    for day, note in f.notes[-12:]:
        if (day, note) not in seen:
            seen.add((day, note))
            L.append(f"- {day:%-d %b}: {md(note)}")
    if not f.notes:
        L.append("- No notes in this period.")
    L += ["", "## Worth raising with your care team", ""]
    L += [f"- {md(m)}" for m in f.markers] or ["- Nothing in the log crossed a marker."]
    L += ["", "_Markers are fixed figures from published cancer-pain guidance, shown for discussion; "
          "they are not advice._", ""]
    out.write("\n".join(L).encode("utf-8"))
    return f.summary["n"] + len(f.episodes)


@hookimpl
def register_exporters(register):
    register(Exporter(name="markdown", extension=".md", label="Visit summary (Markdown)",
                      write=write_summary,
                      description="A one-page summary for a clinic visit: trend, breakthrough pain, plan, notes."))
