"""Built-in metrics: pain over the period, breakthrough episodes, rescue doses, adherence, nights.

Levels follow the published figures painboard.figures names (pain bands, the rescue-dose marker) and are
otherwise only a nudge to look ("watch"); none of them is advice.
"""

from __future__ import annotations

from painboard.figures.opioids import opioid_table
from painboard.figures.period import daily_series, figures_of
from painboard.figures.rescue import RESCUE_DOSES_MARKER, over_rescue_marker
from painboard.figures.schedule import bone_agent_words
from painboard.figures.severity import fixed, half_up, severity_level
from painboard.plugin_api import Metric, MetricValue, PeriodView, hookimpl
from painboard.terminal_text import plural


def _pain(view: PeriodView, which: str) -> MetricValue:
    f = figures_of(view)
    s = f.pain_summary
    v = s[which]
    series = daily_series(view, f.daily_pain, which)
    n_days = len(view.days())
    if v is None:
        return MetricValue(value=None, text=f"no entries or daily reviews in {plural(n_days, 'day')}",
                           series=series)
    v = half_up(float(v), 1)  # half up, the one rounding rule
    shown = fixed(v, 1) if which == "average" else f"{v:g}"
    reviews = f", {plural(s['reviews'], 'review')}" if s.get("reviews") else ""
    return MetricValue(value=v, text=f"{shown}/10 over {plural(n_days, 'day')} ({plural(s['n'], 'entry', 'entries')}{reviews})",
                       series=series, level=severity_level(v))


def average_pain(view: PeriodView) -> MetricValue:
    return _pain(view, "average")


def worst_pain(view: PeriodView) -> MetricValue:
    return _pain(view, "worst")


def least_pain(view: PeriodView) -> MetricValue:
    return _pain(view, "least")


def breakthrough_per_day(view: PeriodView) -> MetricValue:
    e = figures_of(view).episodes_per_day
    days, total, per_day, series = view.days(), e["total"], e["per_day"], e["series"]
    # No clinical cut-off for episodes a day; watching at the rescue-dose marker's rate.
    level = "watch" if over_rescue_marker(per_day) else "ok"
    return MetricValue(value=per_day, text=f"{per_day:g} a day ({total} in {plural(len(days), 'day')})",
                       series=series, level=level)


def rescue_doses_today(view: PeriodView) -> MetricValue:
    """Rescue doses on the period's last day (the value), each item against its own cap on the
    days it is active (never a sum across drugs), with the marker over the whole period: the
    days with more than the marker's count are named. "today" is said only when the last day
    is today."""
    last = view.today
    f = figures_of(view)
    per_day, per_item = f.rescue_per_day, f.rescue_items
    n = per_day.get(last, 0)
    series = [float(per_day.get(d, 0)) for d in view.days()]
    is_today = last == view.now.astimezone(view.tz).date()
    on = "today" if is_today else f"on {last.isoformat()}"
    text = "; ".join(f"{r['item']} {r['n']}" + (f" of {r['cap']}" if r["cap"] else "") for r in per_item)
    text = f"{text} {on}" if per_item else f"{n} {on}"
    over, above_cap = f.rescue_marker_days, f.rescue_above_cap
    parts = []
    if over:
        named = ["today" if is_today and d == last else f"{d.isoformat()} ({per_day[d]})" for d in over[-3:]]
        more = f" and {len(over) - 3} earlier days" if len(over) > 3 else ""  # all in details
        parts.append(f"more than {RESCUE_DOSES_MARKER} a day on {', '.join(named)}{more}")
    if above_cap:
        named = [f"{r['item']} on {'today' if is_today and r['day'] == last else r['day'].isoformat()}"
                 for r in above_cap[-3:]]
        parts.append(f"above the item's own daily maximum: {', '.join(named)}")
    level = "alert" if parts else "ok"
    if parts:
        text += "; " + "; ".join(parts) + ": worth raising with your care team"
    elif any(r["cap"] and r["n"] == r["cap"] for r in per_item):
        level, text = "watch", text + ": an item's daily maximum"
    return MetricValue(value=n, text=text, series=series, level=level,
                       details={"per_day": {d.isoformat(): per_day.get(d, 0) for d in view.days()},
                                "marker_days": [d.isoformat() for d in over], "items": per_item,
                                "day": last.isoformat(),
                                "above_cap": [dict(r, day=r["day"].isoformat()) for r in above_cap]})


def scheduled_adherence(view: PeriodView) -> MetricValue:
    a = figures_of(view).adherence
    if not a["due"]:
        return MetricValue(value=None, text="no scheduled doses due in the period")
    text = f"{a['taken']} of {a['due']} scheduled doses taken ({a['pct']:g} %)"
    if a["missed"] or a["skipped"]:
        text += f"; {a['missed']} missed, {a['skipped']} skipped"
    level = "ok" if a["pct"] >= 90 else "watch"
    return MetricValue(value=a["pct"], text=text, series=a["series"], level=level)


def omed(view: PeriodView) -> MetricValue:
    """Oral morphine equivalents per day (figures.omed): the mean over the days with a dose
    counted, a series, each drug's share, and the items not counted with the reason."""
    f = figures_of(view)
    o = f.period_omed
    days = view.days()
    series = [None if d not in o.per_day else half_up(o.per_day[d], 1) for d in days]
    missing = o.not_counted_words()
    details = {"unit": "mg", "per_day": {d.isoformat(): half_up(v, 1) for d, v in sorted(o.per_day.items())},
               "per_drug": {n: half_up(v, 1) for n, v in sorted(o.per_drug.items())},
               "per_day_drug": {d.isoformat(): {n: half_up(v, 1) for n, v in sorted(by.items())}
                                for d, by in sorted(o.per_day_drug.items())},
               "not_counted": dict(sorted(o.not_counted.items())), "doses_not_counted": o.not_counted_doses,
               "source": "CDC 2022 oral morphine milligram equivalent factors (data/opioid_factors.json, "
                         f"version {opioid_table()['version']})"}
    if not o.per_day:
        text = f"no opioid doses counted in {plural(len(days), 'day')}"
        return MetricValue(value=None, text=f"{text}; {missing}" if missing else text, series=series,
                           details=details)
    st = f.omed_stats  # one statistic on every face: the mean with its range, half up
    details["period"] = {k: st[k] for k in ("mean", "min", "max", "days")}
    text = st["words"] + (f"; {missing}" if missing else "")
    return MetricValue(value=st["mean"], text=text, series=series, details=details)


def bone_agent(view: PeriodView) -> MetricValue:
    """Days to the next bone-strengthening dose (negative: days overdue) as of the period's last
    day, one interval after the last dose given, with a dose skipped or missed since then shown
    as such (figures_of(view).bone_agents); the items of the period only."""
    rows = figures_of(view).bone_agents
    if rows is None:
        return MetricValue(value=None, text="no bone-strengthening drug in the plan")
    if not rows:
        return MetricValue(value=None, text="no next dose in the plan")
    text = "; ".join(bone_agent_words(r["item"].label(), r) for r in rows)
    details = {"as_of": view.today.isoformat(),
               "items": [{"item": r["item"].label(), "next_due": r["next_due"].isoformat(), "days": r["days"],
                          "last_given": r["last_given"].isoformat() if r["last_given"] else None,
                          "not_given": [{"day": h["day"].isoformat(), "status": h["status"]} for h in r["not_given"]]}
                         for r in rows]}
    days = min(r["days"] for r in rows)
    level = "watch" if days < 0 or any(r["not_given"] for r in rows) else "ok"
    return MetricValue(value=days, text=text, level=level, details=details)


def nights_with_pain(view: PeriodView) -> MetricValue:
    nights = len(view.days())
    n = figures_of(view).nights_with_pain(threshold=1)
    level = "watch" if nights and n * 2 > nights else "ok"
    return MetricValue(value=n, text=f"{n} of {nights} nights", level=level)


def side_effects(view: PeriodView) -> MetricValue:
    """Side effects of the period: days with each and the worst severity said; per week and
    OMED on days with and without constipation or drowsiness in details (side by side, no cause)."""
    f = figures_of(view)
    rows, n_days = f.side_effects, len(view.days())
    if not rows:
        return MetricValue(value=0, text=f"none logged in {plural(n_days, 'day')}")
    text = "; ".join(f"{r['name']} {plural(r['days'], 'day')}" + (f" (worst {r['worst']})" if r["worst"] else "")
                     for r in rows)
    weekly = f.side_effects_weekly
    details = {"side_effects": rows,
               "weeks": [{"start": w["start"].isoformat(), "end": w["end"].isoformat(), "cells": w["cells"]}
                         for w in weekly["weeks"]],
               "omed_on_days_with_and_without": f.omed_beside_side_effects}
    return MetricValue(value=len(rows), text=text, details=details)


# The Today panel's own lines show today's rescue doses and the week's night pain.
NOT_ON_DASHBOARD = ("metrics", "report")
# A figure about "today" only: a period report describes its period, so it is not in one.
ONLY_METRICS = ("metrics",)

METRICS = [
    Metric(name="average-pain", label="Average pain", unit="/10", order=10, compute=average_pain,
           description="Mean intensity of the period's entries."),
    Metric(name="worst-pain", label="Worst pain", unit="/10", order=11, compute=worst_pain,
           description="Highest pain of the period: entries, breakthrough episode peaks and daily reviews."),
    Metric(name="least-pain", label="Least pain", unit="/10", order=12, compute=least_pain,
           description="Lowest intensity logged in the period."),
    Metric(name="breakthrough-per-day", label="Breakthrough episodes", unit="per day", order=20,
           compute=breakthrough_per_day, description="Episodes in the period divided by its days."),
    Metric(name="rescue-doses-today", label="Rescue doses", unit="today", order=21,
           compute=rescue_doses_today, shown=ONLY_METRICS,
           description="Rescue doses (as-needed opioids) taken on the period's last day, each item against "
                       "its own daily maximum on the days it is active; the days of the period with more "
                       "than 4 are named."),
    Metric(name="scheduled-adherence", label="Scheduled doses", unit="%", order=30,
           compute=scheduled_adherence,
           description="Scheduled medication doses due so far in the period with a dose recorded as taken."),
    Metric(name="omed", label="Oral morphine equivalents", unit="mg/day", order=22, compute=omed,
           description="Oral morphine equivalents per day of the opioid doses taken (CDC 2022 factors; "
                       "a patch on every day it is worn): the mean over days with a dose counted, with "
                       "the range, per "
                       "day and per drug in details, and the items not counted with why. For "
                       "trend-watching only, never a dose recommendation."),
    Metric(name="bone-agent", label="Bone-strengthening drug", unit="days", order=35, compute=bone_agent,
           description="Days to the next bone-strengthening dose as of the period's last day (negative: "
                       "days overdue), one interval of the plan's rule after the last dose given; a dose "
                       "skipped or missed since then is named."),
    Metric(name="side-effects", label="Side effects", unit="kinds", order=45, compute=side_effects,
           shown=ONLY_METRICS,  # the reports have their own side-effect section (_visit_symptoms)
           description="Side effects logged in the period (constipation, nausea, drowsiness, confusion, "
                       "itching, and any logged as one): days with each and the worst severity said; per "
                       "week, and mean OMED on days with and without constipation or drowsiness in details "
                       "(counts and means side by side, never a cause)."),
    Metric(name="nights-with-pain", label="Night pain", unit="nights", order=40, compute=nights_with_pain,
           shown=NOT_ON_DASHBOARD,
           description="Nights with pain of 1 or more logged inside the night window."),
]


@hookimpl
def register_metrics(register):
    for m in METRICS:
        register(m)
