"""Built-in metrics: pain over the period, breakthrough episodes, rescue doses, adherence, nights.

Levels follow the published figures painboard.clinical names (pain bands, the rescue-dose marker) and are
otherwise only a nudge to look ("watch"); none of them is advice.
"""

from __future__ import annotations

from datetime import timedelta

from painboard import clinical
from painboard.builtin._common import adherence, daily_series, rescue_by_day
from painboard.clinical import RESCUE_DOSES_MARKER, severity_level
from painboard.plugin_api import Metric, MetricValue, PeriodView, hookimpl
from painboard.terminal_text import plural


def _pain(view: PeriodView, which: str) -> MetricValue:
    s = view.pain_summary()
    v = s[which]
    series = daily_series(view, view.daily_pain(), which)
    n_days = len(view.days())
    if v is None:
        return MetricValue(value=None, text=f"no entries or daily reviews in {plural(n_days, 'day')}",
                           series=series)
    v = round(float(v), 1)
    shown = f"{v:.1f}" if which == "average" else f"{v:g}"
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
    days = view.days()
    rows = view.daily_episodes()
    total = sum(r["n"] for r in rows)
    per_day = round(total / len(days), 1) if days else 0.0
    series = [float(x or 0) for x in daily_series(view, rows, "n")]
    # No clinical cut-off for episodes a day; watching at the rescue-dose marker's rate.
    level = "watch" if clinical.over_rescue_marker(per_day) else "ok"
    return MetricValue(value=per_day, text=f"{per_day:g} a day ({total} in {plural(len(days), 'day')})",
                       series=series, level=level)


def rescue_doses_today(view: PeriodView) -> MetricValue:
    """Rescue doses on the period's last day (the value), with the marker over the whole
    period: the days with more than the marker's count are named. "today" is said only when
    the last day is today."""
    last = view.today
    per_day = rescue_by_day(view)
    n = per_day.get(last, 0)
    cap = clinical.daily_cap(view.plan_item_rows())
    series = [float(per_day.get(d, 0)) for d in view.days()]
    is_today = last == view.now.astimezone(view.tz).date()
    on = "today" if is_today else f"on {last.isoformat()}"
    text = f"{n} of {cap} {on}" if cap else f"{n} {on}"
    over = clinical.rescue_marker_days(per_day, view.days())
    above_cap = sorted(d for d in view.days() if cap is not None and per_day.get(d, 0) > cap)
    level = "ok"
    parts = []
    if over:
        named = ["today" if is_today and d == last else f"{d.isoformat()} ({per_day[d]})" for d in over[-3:]]
        more = f" and {len(over) - 3} earlier days" if len(over) > 3 else ""  # all in details
        parts.append(f"more than {RESCUE_DOSES_MARKER} a day on {', '.join(named)}{more}")
    cap_only = [d for d in above_cap if d not in over]
    if cap_only:
        named = ["today" if is_today and d == last else d.isoformat() for d in cap_only[-3:]]
        parts.append(f"above the plan's daily maximum on {', '.join(named)}")
    elif above_cap:
        parts[-1] += ", above the plan's daily maximum"
    if parts:
        level = "alert"
        text += "; " + "; ".join(parts) + ": worth raising with your care team"
    if level == "ok" and cap is not None and n == cap:
        level = "watch"
        text += ": the plan's daily maximum"
    return MetricValue(value=n, text=text, series=series, level=level,
                       details={"per_day": {d.isoformat(): per_day.get(d, 0) for d in view.days()},
                                "marker_days": [d.isoformat() for d in over]})


def scheduled_adherence(view: PeriodView) -> MetricValue:
    a = adherence(view)
    if not a["due"]:
        return MetricValue(value=None, text="no scheduled doses due in the period")
    text = f"{a['taken']} of {a['due']} scheduled doses taken ({a['pct']:g} %)"
    if a["missed"] or a["skipped"]:
        text += f"; {a['missed']} missed, {a['skipped']} skipped"
    level = "ok" if a["pct"] >= 90 else "watch"
    return MetricValue(value=a["pct"], text=text, series=a["series"], level=level)


def omed(view: PeriodView) -> MetricValue:
    """Oral morphine equivalents per day (clinical.omed): the mean over the days with a dose
    counted, a series, each drug's share, and the items not counted with the reason."""
    o = view.omed()
    days = view.days()
    series = [None if d not in o.per_day else round(o.per_day[d], 1) for d in days]
    missing = o.not_counted_words()
    details = {"unit": "mg", "per_day": {d.isoformat(): round(v, 1) for d, v in sorted(o.per_day.items())},
               "per_drug": {n: round(v, 1) for n, v in sorted(o.per_drug.items())},
               "per_day_drug": {d.isoformat(): {n: round(v, 1) for n, v in sorted(by.items())}
                                for d, by in sorted(o.per_day_drug.items())},
               "not_counted": dict(sorted(o.not_counted.items())), "doses_not_counted": o.not_counted_doses,
               "source": "CDC 2022 oral morphine milligram equivalent factors (data/opioid_factors.json, "
                         f"version {clinical.opioid_table()['version']})"}
    if not o.per_day:
        text = f"no opioid doses counted in {plural(len(days), 'day')}"
        return MetricValue(value=None, text=f"{text}; {missing}" if missing else text, series=series,
                           details=details)
    vals = list(o.per_day.values())
    mean = round(sum(vals) / len(vals), 1)
    text = f"{mean:g} mg a day on {len(vals)} of {plural(len(days), 'day')} (range {min(vals):g} to {max(vals):g})"
    if missing:
        text += f"; {missing}"
    return MetricValue(value=mean, text=text, series=series, details=details)


def bone_agent(view: PeriodView) -> MetricValue:
    """Days to the next bone-strengthening dose (negative: days overdue) on the period's last
    day, one interval after the last dose given (clinical.next_bone_due)."""
    items = [it for it in view.plan_items(include_stopped=False)
             if it.category == "bone_strengthening" and it.kind != "once"]
    if not items:
        return MetricValue(value=None, text="no bone-strengthening drug in the plan")
    today = view.today
    last = view.last_events([it.id for it in items], until=today + timedelta(days=1))
    rows = []
    for it in items:
        given = last.get(it.id)
        due = clinical.next_bone_due(it, given["done_at"] if given else None, view.tz)
        if due is not None:
            rows.append((due, it, given))
    if not rows:
        return MetricValue(value=None, text="no next dose in the plan")
    parts, details = [], {"as_of": today.isoformat(), "items": []}
    for due, it, given in sorted(rows, key=lambda r: r[0]):
        days = (due - today).days
        when = (f"due in {plural(days, 'day')}" if days > 0 else "due today" if days == 0
                else f"overdue by {plural(-days, 'day')}")
        since = (f"last given {given['done_at'].astimezone(view.tz).date().isoformat()}" if given
                 else "none given yet")
        parts.append(f"{it.label()}: {when} ({due.isoformat()}; {since})")
        details["items"].append({"item": it.label(), "next_due": due.isoformat(), "days": days,
                                 "last_given": given["done_at"].astimezone(view.tz).isoformat() if given else None})
    days = (rows[0][0] - today).days if len(rows) == 1 else min((r[0] - today).days for r in rows)
    return MetricValue(value=days, text="; ".join(parts), level="watch" if days < 0 else "ok", details=details)


def nights_with_pain(view: PeriodView) -> MetricValue:
    nights = len(view.days())
    n = view.nights_with_pain(threshold=1)
    level = "watch" if nights and n * 2 > nights else "ok"
    return MetricValue(value=n, text=f"{n} of {nights} nights", level=level)


METRICS = [
    Metric(name="average-pain", label="Average pain", unit="/10", order=10, compute=average_pain,
           description="Mean intensity of the period's entries."),
    Metric(name="worst-pain", label="Worst pain", unit="/10", order=11, compute=worst_pain,
           description="Highest intensity logged in the period."),
    Metric(name="least-pain", label="Least pain", unit="/10", order=12, compute=least_pain,
           description="Lowest intensity logged in the period."),
    Metric(name="breakthrough-per-day", label="Breakthrough episodes", unit="per day", order=20,
           compute=breakthrough_per_day, description="Episodes in the period divided by its days."),
    Metric(name="rescue-doses-today", label="Rescue doses", unit="today", order=21,
           compute=rescue_doses_today,
           description="Rescue doses (as-needed opioids) taken on the period's last day, against the plan's "
                       "daily maximum; the days of the period with more than 4 are named."),
    Metric(name="scheduled-adherence", label="Scheduled doses", unit="%", order=30,
           compute=scheduled_adherence,
           description="Scheduled medication doses due so far in the period with a dose recorded as taken."),
    Metric(name="omed", label="Oral morphine equivalents", unit="mg/day", order=22, compute=omed,
           description="Oral morphine equivalents per day of the opioid doses taken (CDC 2022 factors; "
                       "a patch on every day it is worn): the mean over days with a dose counted, per "
                       "day and per drug in details, and the items not counted with why. For "
                       "trend-watching only, never a dose recommendation."),
    Metric(name="bone-agent", label="Bone-strengthening drug", unit="days", order=35, compute=bone_agent,
           description="Days to the next bone-strengthening dose on the period's last day (negative: "
                       "days overdue), one interval of the plan's rule after the last dose given."),
    Metric(name="nights-with-pain", label="Night pain", unit="nights", order=40, compute=nights_with_pain,
           description="Nights with pain of 1 or more logged inside the night window."),
]


@hookimpl
def register_metrics(register):
    for m in METRICS:
        register(m)
