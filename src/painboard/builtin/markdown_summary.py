"""A one-page Markdown visit summary for the care team.

It reports what the log shows and marks the published thresholds in painboard.clinical with
"worth raising with your care team". It never recommends a dose, a drug or a change of
treatment.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import BinaryIO

from painboard import clinical
from painboard.builtin._common import adherence, daily_series, rescue_by_day, sparkline, trend_words
from painboard.clinical import CONTROLLED_MAX, RESCUE_DOSES_MARKER, SEVERE_MIN
from painboard.plugin_api import Exporter, PeriodView, hookimpl

RAISE = "worth raising with your care team"


def _d(day) -> str:
    return f"{day:%a %-d %b %Y}"


def write_summary(view: PeriodView, out: BinaryIO) -> int:
    days = view.days()
    last = days[-1] if days else view.start
    s = view.pain_summary()
    daily = view.daily_pain()
    avg_series = daily_series(view, daily, "average")
    worst_series = daily_series(view, daily, "worst")
    eps = view.episodes()
    events = view.events()
    items = {i.id: i for i in view.plan_items()}
    rescue = rescue_by_day(view, events)
    adh = adherence(view)
    reviews = view.reviews()
    markers: list[str] = []
    L: list[str] = []
    add = L.append

    add(f"# Pain summary: {_d(view.start)} to {_d(last)}")
    add("")
    add(f"From the patient's own painboard log ({len(days)} days, times in {view.tz_name}). "
        "This summary reports what was logged; it does not recommend any treatment.")
    add("")
    add("## Pain (0-10)")
    add("")
    if s["n"]:
        add(f"- {s['n']} ratings on {len(daily)} days: average {s['average']:.1f}, worst {s['worst']}, "
            f"least {s['least']}.")
        add(f"- Trend of the daily average: {trend_words(avg_series)}.")
        add(f"- Daily average, one mark per {'day' if len(days) <= 60 else 'few days'} (scale 0-10):")
        add("")
        add(f"      {sparkline(avg_series)}")
        add("")
        severe = sum(1 for w in worst_series if clinical.severity_band(w) == "severe")
        add(f"- Days with worst pain {SEVERE_MIN} or more (severe): {severe} of {len(daily)}.")
        above = sum(1 for a in avg_series if clinical.severity_level(a) != "ok")
        if above:
            markers.append(f"Average pain above {CONTROLLED_MAX}/10 on {above} of {len(daily)} days: {RAISE}.")
        nights = view.nights_with_pain(threshold=1)
        add(f"- Nights with pain logged between {view.night_start:%H:%M} and {view.night_end:%H:%M}: "
            f"{nights} of {len(days)}.")
        sites = Counter(x for e in view.entries() for x in (e["sites"] or []))
        if sites:
            add(f"- Where: {', '.join(f'{k} ({v})' for k, v in sites.most_common(4))}.")
    else:
        add("- No pain ratings were logged in this period.")
    add("")

    add("## Breakthrough pain")
    add("")
    if eps:
        durations = [e["duration_min"] for e in eps if e["duration_min"] is not None]
        per_day = len(eps) / len(days) if days else 0
        add(f"- {len(eps)} episodes ({per_day:.1f} a day); worst peak {max(e['peak'] for e in eps)}/10"
            + (f"; median duration {statistics.median(durations):g} min" if durations else "") + ".")
        kinds = Counter(e["type"] or "type not given" for e in eps)
        add(f"- By type: {', '.join(f'{k} {v}' for k, v in kinds.most_common())}.")
        trig = Counter(e["trigger"] for e in eps if e["trigger"])
        if trig:
            add(f"- Common triggers: {', '.join(f'{k} ({v})' for k, v in trig.most_common(4))}.")
    else:
        add("- No breakthrough episodes were logged.")
    if rescue:
        total = sum(rescue.values())
        add(f"- Rescue doses taken: {total} ({total / len(days):.1f} a day); most in a day: "
            f"{max(rescue.values())}.")
        over = sorted(d for d, n in rescue.items() if clinical.over_rescue_marker(n))
        if over:
            markers.append(f"More than {RESCUE_DOSES_MARKER} rescue doses a day on {len(over)} days "
                           f"(last {_d(over[-1])}): {RAISE}.")
    add("")

    add("## Plan")
    add("")
    if adh["due"]:
        add(f"- Scheduled medication doses: {adh['taken']} of {adh['due']} recorded as taken "
            f"({adh['pct']:g} %); {adh['missed']} missed, {adh['skipped']} skipped, "
            f"{adh['not_recorded']} with nothing recorded.")
    for e in events:
        it = items.get(e["item_id"])
        if it and it.category in ("radiation", "bone_strengthening", "procedure") and e["status"] in ("taken", "done"):
            add(f"- {it.label()}: {e['status']} {_d(e['done_at'].astimezone(view.tz))}.")
    if not adh["due"] and not events:
        add("- Nothing from the plan was recorded in this period.")
    mme = view.daily_mme()
    if mme:
        vals = [r["mme"] for r in mme]
        add(f"- Oral morphine equivalents from doses recorded: median {statistics.median(vals):.0f} mg a day "
            f"(range {min(vals):.0f} to {max(vals):.0f}).")
    add("")

    notes = [(r["day"], r["note"]) for r in reviews if r["note"]]
    notes += [(e["occurred_at"].astimezone(view.tz).date(), e["note"]) for e in view.entries() if e["note"]]
    add("## Notes")
    add("")
    if notes:
        seen = set()
        for day, note in sorted(notes)[-12:]:
            if (day, note) not in seen:
                seen.add((day, note))
                add(f"- {day:%-d %b}: {note}")
    else:
        add("- No notes in this period.")
    add("")
    add("## Worth raising with your care team")
    add("")
    add("\n".join(f"- {m}" for m in markers) if markers else "- Nothing in the log crossed a marker.")
    add("")
    add("_Markers are fixed figures from published cancer-pain guidance, shown for discussion; "
        "they are not advice._")
    add("")
    out.write("\n".join(L).encode("utf-8"))
    return s["n"] + len(eps)


@hookimpl
def register_exporters(register):
    register(Exporter(name="markdown", extension=".md", label="Visit summary (Markdown)",
                      write=write_summary,
                      description="A one-page summary for a clinic visit: trend, breakthrough pain, plan, notes."))
