"""Every clinical figure painboard shows, computed in one place over plain rows.

Plain Python with no third-party imports (no duckdb, no pydantic), so the dashboard's first
frame can use it. The Today panel, the metrics, the visit summary and the CLI all call these
functions; none of them repeats the arithmetic. Rows are dicts or objects with the same field
names (plan items: id, kind, category, status, dose, max_per_day, mme_factor, name; plan
events: item_id, status, amount, done_at, due_at). The figures inform; none of them is advice.
Sources are named beside each figure; docs/clinical.md explains them in our own words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone, tzinfo
from typing import Any, Iterable, Iterator

# -- severity ---------------------------------------------------------------------------------
# 0-10 severity bands on the worst-pain item (Serlin et al., Pain 1995): 1-4 mild,
# 5-6 moderate, 7-10 severe. Background pain counts as controlled at 4/10 or less
# (Davies et al., 2009).
CONTROLLED_MAX = 4
SEVERE_MIN = 7

# More than about 4 rescue doses a day: the usual signal worth raising with the care team
# (NCCN and ESMO-derived summaries).
RESCUE_DOSES_MARKER = 4


def severity_band(score: float | int | None) -> str:
    """The band a 0-10 score falls in: none (no score), nil, mild, moderate or severe."""
    if score is None:
        return "none"
    if score >= SEVERE_MIN:
        return "severe"
    if score > CONTROLLED_MAX:
        return "moderate"
    return "mild" if score >= 1 else "nil"


def severity_level(score: float | None) -> str:
    """A metric's level for a pain score: ok up to controlled, watch, alert from severe."""
    if score is None or score <= CONTROLLED_MAX:
        return "ok"
    return "alert" if score >= SEVERE_MIN else "watch"


# -- rows ------------------------------------------------------------------------------------
def _get(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


def is_rescue_item(item: Any) -> bool:
    """An as-needed opioid (it has an oral morphine factor): what the rescue-dose figures are
    about. Paracetamol as needed is not a rescue dose."""
    return (_get(item, "kind") == "as_needed" and _get(item, "category") == "medication"
            and _get(item, "mme_factor") is not None)


def rescue_items(items: Iterable[Any]) -> dict[int, Any]:
    """The rescue items among plan items, by id."""
    return {_get(i, "id"): i for i in items if is_rescue_item(i)}


def _taken(events: Iterable[dict[str, Any]]) -> Iterator:
    return (e for e in events if e["status"] == "taken")


# -- rescue doses ------------------------------------------------------------------------------
def rescue_doses(events: Iterable[dict[str, Any]], items: Iterable[Any]) -> list[dict[str, Any]]:
    """The events that are rescue doses taken."""
    rescue = rescue_items(items)
    return [e for e in _taken(events) if e["item_id"] in rescue]


def rescue_doses_per_day(events: Iterable[dict[str, Any]], items: Iterable[Any], tz: tzinfo) -> Counter:
    """Rescue doses taken per local day."""
    return Counter(e["done_at"].astimezone(tz).date() for e in rescue_doses(events, items))


def daily_cap(items: Iterable[Any]) -> int | None:
    """The plan's daily maximum of rescue doses: the active rescue items' caps added, or None."""
    caps = [_get(i, "max_per_day") for i in items
            if is_rescue_item(i) and _get(i, "status") == "active" and _get(i, "max_per_day")]
    return sum(caps) if caps else None


def over_rescue_marker(n: int) -> bool:
    return n > RESCUE_DOSES_MARKER


# -- oral morphine equivalents (OMED) -----------------------------------------------------------
# OMED = the sum over doses taken of amount x factor (factors: CDC 2022 clinical practice
# guideline, data/opioid_factors.json). The amount is the dose recorded, else the item's dose.
# The CDC's 50/90 alert levels exclude cancer care and are never shown.
def dose_omed(event: dict[str, Any], item: Any) -> float | None:
    """One taken dose in mg of oral morphine, or None when it has no factor or no amount."""
    factor = _get(item, "mme_factor")
    amount = event["amount"] if event["amount"] is not None else _get(item, "dose")
    if factor is None or amount is None:
        return None
    return amount * factor


@dataclass
class Omed:
    """Oral morphine equivalents of the doses taken: a total in mg, per day, per drug."""

    unit: str = "mg"
    per_day: dict[date, float] = field(default_factory=dict)
    per_drug: dict[str, float] = field(default_factory=dict)
    doses: int = 0  # doses counted

    @property
    def total(self) -> float | None:
        return sum(self.per_day.values()) if self.doses else None


def omed(events: Iterable[dict[str, Any]], items: Iterable[Any], tz: tzinfo) -> Omed:
    """OMED of the taken doses, per local day and per drug (only days with a counted dose)."""
    by_id = {_get(i, "id"): i for i in items}
    out = Omed()
    for e in _taken(events):
        item = by_id.get(e["item_id"])
        mg = None if item is None else dose_omed(e, item)
        if mg is None:
            continue
        day = e["done_at"].astimezone(tz).date()
        out.per_day[day] = out.per_day.get(day, 0.0) + mg
        name = str(_get(item, "name"))
        out.per_drug[name] = out.per_drug.get(name, 0.0) + mg
        out.doses += 1
    return out


def omed_per_day(events: Iterable[dict[str, Any]], items: Iterable[Any], tz: tzinfo) -> dict[date, float]:
    """OMED in mg per local day, oldest first (days with a counted dose only)."""
    return dict(sorted(omed(events, items, tz).per_day.items()))


# -- adherence -------------------------------------------------------------------------------------
def adherence(items: Iterable[Any], events_due: Iterable[dict[str, Any]], lo: datetime, hi: datetime,
              tz: tzinfo, days: list[date]) -> dict[str, Any]:
    """Scheduled medication doses due in [lo, hi) and what was recorded for them.

    ``items`` are plan items that can list their due times (``occurrences``); ``events_due``
    the events recorded against a due time; ``days`` the period's days for the series."""
    recorded = {(e["item_id"], e["due_at"].astimezone(timezone.utc)): e["status"]
                for e in events_due if e["due_at"] is not None}
    counts = Counter()
    per_day: dict[date, list[int]] = {d: [0, 0] for d in days}
    for it in items:
        if it.kind != "scheduled" or it.category != "medication" or lo >= hi:
            continue
        for t in it.occurrences(lo, hi, tz):
            counts["due"] += 1
            status = recorded.get((it.id, t))
            day = t.astimezone(tz).date()
            per_day.setdefault(day, [0, 0])[1] += 1
            if status in ("taken", "skipped", "missed"):
                counts[status] += 1
            if status == "taken":
                per_day[day][0] += 1
    due, taken = counts["due"], counts["taken"]
    series = [None if per_day[d][1] == 0 else round(100 * per_day[d][0] / per_day[d][1], 1) for d in days]
    return {"due": due, "taken": taken, "skipped": counts["skipped"], "missed": counts["missed"],
            "not_recorded": due - taken - counts["skipped"] - counts["missed"],
            "pct": round(100 * taken / due, 1) if due else None, "series": series}


# -- pain over whole days --------------------------------------------------------------------------
def pain_summary(daily: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Average, worst, least and count over whole days, from per-day rows (average, worst,
    least, n): the average is weighted by each day's entries."""
    days = list(daily)
    n = sum(r["n"] for r in days)
    return {"average": sum(r["average"] * r["n"] for r in days) / n if n else None,
            "worst": max((r["worst"] for r in days), default=None),
            "least": min((r["least"] for r in days), default=None), "n": n}


# ==============================================================================================
# -- breakthrough profile, end-of-dose timing, radiation flare and response, insights ----------
# Added for issue 12 ("New figures"). Plain Python over rows like the rest of this module; the
# metric plugins in builtin/figures.py only gather rows and word these results.
# ==============================================================================================
import math as _math
import statistics as _stats
from datetime import timedelta as _td

# Breakthrough pain (Davies et al., 2009): an episode belongs to the local day of its onset,
# so one that starts at 23:50 and ends at 00:20 counts once, on the first day.


def _local_minutes(t: datetime, tz: tzinfo) -> int:
    lt = t.astimezone(tz)
    return lt.hour * 60 + lt.minute


def in_night(t: datetime, tz: tzinfo, night_start_min: int, night_end_min: int) -> bool:
    """Whether an instant falls in the local night window (which may wrap past midnight)."""
    m = _local_minutes(t, tz)
    if night_start_min <= night_end_min:
        return night_start_min <= m < night_end_min
    return m >= night_start_min or m < night_end_min


def breakthrough_profile(episodes: Iterable[dict[str, Any]], n_days: int, tz: tzinfo,
                         night_start_min: int = 22 * 60, night_end_min: int = 6 * 60) -> dict[str, Any]:
    """Episodes per day, median duration, share with a trigger, share at night (by onset), by
    type, and time to relief after a rescue dose (the episode's minutes to relief when a rescue
    dose is linked). Shares are of all episodes; the median of those with an end."""
    eps = list(episodes)
    n = len(eps)
    durations = [e["duration_min"] for e in eps if e.get("duration_min") is not None]
    relief = [e["relief_min"] for e in eps if e.get("rescue_event_id") is not None
              and e.get("relief_min") is not None]
    per_day = Counter(e["onset"].astimezone(tz).date() for e in eps)
    return {
        "n": n, "days": n_days,
        "per_day": round(n / n_days, 2) if n_days else None,
        "per_day_counts": {d.isoformat(): c for d, c in sorted(per_day.items())},
        "median_min": _stats.median(durations) if durations else None, "with_duration": len(durations),
        "with_trigger": sum(1 for e in eps if e.get("trigger")),
        "trigger_pct": round(100 * sum(1 for e in eps if e.get("trigger")) / n, 1) if n else None,
        "at_night": sum(1 for e in eps if in_night(e["onset"], tz, night_start_min, night_end_min)),
        "night_pct": round(100 * sum(1 for e in eps if in_night(e["onset"], tz, night_start_min,
                                                                  night_end_min)) / n, 1) if n else None,
        "by_type": dict(Counter(e.get("type") or "type not given" for e in eps).most_common()),
        "relief_median_min": _stats.median(relief) if relief else None, "relief_n": len(relief),
    }


# -- end-of-dose timing ---------------------------------------------------------------------------
# End-of-dose pain comes before the next scheduled dose of a long-acting opioid (Davies et al.,
# 2009). Long-acting here = a scheduled medication plan item with an oral morphine factor. An
# episode is "before a dose" when its onset is in the 2 h before one of those due times. By
# chance that share is the time the 2 h windows cover over the time the schedule ran (2 h over
# the dosing interval: 1/6 for every 12 h).
END_OF_DOSE_WINDOW = _td(hours=2)
END_OF_DOSE_MIN_EPISODES = 5


def long_acting_items(items: Iterable[Any]) -> list[Any]:
    return [i for i in items if _get(i, "kind") == "scheduled" and _get(i, "category") == "medication"
            and _get(i, "mme_factor") is not None]


def end_of_dose(episodes: Iterable[dict[str, Any]], items: Iterable[Any], lo: datetime, hi: datetime,
                tz: tzinfo) -> dict[str, Any]:
    """Episodes with an onset in the 2 h before a scheduled long-acting dose, against chance.

    ``items`` must list their due times (``occurrences``); [lo, hi) is the period (UTC)."""
    longs = long_acting_items(items)
    # due times a little past hi so an episode late in the period sees its next dose
    # from a day before the period (to see whether the schedule ran at its start) to a little
    # past its end (so an episode late in the period sees its next dose)
    due = sorted({t for it in longs for t in it.occurrences(lo - _td(days=1), hi + END_OF_DOSE_WINDOW, tz)})
    eps = [e for e in episodes if lo <= e["onset"] < hi]
    out: dict[str, Any] = {"items": [str(_get(i, "name")) for i in longs], "doses_due": 0,
                           "episodes": len(eps), "before_dose": 0, "pct": None, "expected_pct": None,
                           "interval_h": None, "enough": False}
    if not due or not eps:
        return out
    # the time the schedule ran in the period: from its first due time (less one window) on
    start = max(lo, due[0] - END_OF_DOSE_WINDOW)
    span = hi - start
    covered, reach = _td(0), start
    for t in due:  # the union of the windows [t - 2 h, t) inside [start, hi)
        a, b = max(t - END_OF_DOSE_WINDOW, reach), min(t, hi)
        if b > a:
            covered += b - a
            reach = b
    in_window = [e for e in eps if any(t - END_OF_DOSE_WINDOW <= e["onset"] < t for t in due)]
    gaps = [(b - a).total_seconds() / 3600 for a, b in zip(due, due[1:])]
    out.update(doses_due=sum(1 for t in due if lo <= t < hi), before_dose=len(in_window),
               pct=round(100 * len(in_window) / len(eps), 1),
               expected_pct=round(100 * covered / span, 1) if span > _td(0) else None,
               interval_h=round(_stats.median(gaps), 1) if gaps else None,
               enough=len(eps) >= END_OF_DOSE_MIN_EPISODES)
    return out


# -- palliative radiotherapy: pain flare and response ----------------------------------------------
# Baseline: the 7 local days before the first session; worst pain = the mean of the daily
# worst (at least 3 days with one), OMED = the mean daily OMED (a day with no counted dose is
# 0 mg). Means are rounded to whole points before a pain comparison, as the scale has whole
# points. OMED counts as up at +25 % or more, down at -25 % or more, else stable (the 25 %
# analgesic change of the International Consensus Endpoints, Chow et al. 2002, update 2012);
# from a baseline of 0 mg any dose is up and nothing can be down (no division by zero).
BASELINE_DAYS = 7
MIN_DAYS_WITH_WORST = 3
FLARE_DAYS = 10          # Hird et al., IJROBP 2009 (after Loblaw et al., 2007)
FLARE_RETURN_DAYS = 14   # after the flare window: time allowed to come back to baseline
RESPONSE_WEEKS = (1, 2, 4, 8, 12)
OMED_CHANGE = 0.25


def whole(x: float) -> int:
    """Round half up to a whole point."""
    return int(_math.floor(x + 0.5))


def omed_change(day_omed: float, base_omed: float) -> str:
    """up, down or stable against baseline (25 % band; from 0 mg any dose is up)."""
    if base_omed <= 0:
        return "up" if day_omed > 0 else "stable"
    if day_omed >= base_omed * (1 + OMED_CHANGE):
        return "up"
    if day_omed <= base_omed * (1 - OMED_CHANGE):
        return "down"
    return "stable"


def _window(worst: dict[date, float], omed_day: dict[date, float], days: list[date]) -> dict[str, Any]:
    w = [worst[d] for d in days if worst.get(d) is not None]
    return {"days": len(days), "days_with_worst": len(w),
            "worst": round(sum(w) / len(w), 2) if w else None,
            "omed": round(sum(omed_day.get(d, 0.0) for d in days) / len(days), 2) if days else None}


def radiation_baseline(first_day: date, worst: dict[date, float], omed_day: dict[date, float]) -> dict[str, Any]:
    days = [first_day - _td(days=i) for i in range(BASELINE_DAYS, 0, -1)]
    b = _window(worst, omed_day, days)
    b.update(since=days[0], until=days[-1], enough=b["days_with_worst"] >= MIN_DAYS_WITH_WORST)
    return b


def radiation_flare(sessions: list[date], worst: dict[date, float], omed_day: dict[date, float],
                    last_data_day: date) -> dict[str, Any]:
    """Pain flare after a course (Hird et al., IJROBP 2009): on a day from the day after the
    first session to the 10th day after the last, worst pain up 2 or more with OMED not down,
    or OMED up 25 % or more with worst pain not down; then back to baseline (worst at or below
    it, OMED not up) within 14 days after that window = flare, else possible progression.

    ``worst`` and ``omed_day`` map local days to the daily worst and OMED; days after
    ``last_data_day`` (the period's end or today) are not looked at."""
    first, last = min(sessions), max(sessions)
    base = radiation_baseline(first, worst, omed_day)
    out: dict[str, Any] = {"first_session": first, "last_session": last, "sessions": sorted(sessions),
                           "baseline": base, "window": (first + _td(days=1), last + _td(days=FLARE_DAYS)),
                           "flare_days": [], "returned_on": None, "days_assessed": 0}
    if not base["enough"]:
        out.update(result="not enough data",
                   missing=f"baseline worst pain: {base['days_with_worst']} of {BASELINE_DAYS} days before "
                           f"the first session have a daily worst (at least {MIN_DAYS_WITH_WORST} needed)")
        return out
    b_worst, b_omed = whole(base["worst"]), base["omed"]
    d, end = first + _td(days=1), min(last + _td(days=FLARE_DAYS), last_data_day)
    flare_days = []
    while d <= end:
        w = worst.get(d)
        if w is not None:
            out["days_assessed"] += 1
            dw, oc = whole(w) - b_worst, omed_change(omed_day.get(d, 0.0), b_omed)
            if (dw >= 2 and oc != "down") or (oc == "up" and dw >= 0):
                flare_days.append(d)
        d += _td(days=1)
    out["flare_days"] = flare_days
    if not flare_days:
        if out["days_assessed"] == 0:
            out.update(result="not enough data", missing="daily worst pain in the 10 days after the last session")
        elif last_data_day < last + _td(days=FLARE_DAYS):
            out.update(result="no flare so far", missing=None)
        else:
            out.update(result="no flare", missing=None)
        return out
    d, deadline = flare_days[-1] + _td(days=1), last + _td(days=FLARE_DAYS + FLARE_RETURN_DAYS)
    while d <= min(deadline, last_data_day):
        w = worst.get(d)
        if w is not None and whole(w) <= b_worst and omed_change(omed_day.get(d, 0.0), b_omed) != "up":
            out.update(returned_on=d, result="flare", missing=None)
            return out
        d += _td(days=1)
    if last_data_day < deadline:
        out.update(result="flare, not back to baseline yet", missing=None)
    else:
        out.update(result="possible progression", missing=None)
    return out


def response_category(worst_now: float, omed_now: float, base_worst: float, base_omed: float) -> str:
    """International Consensus Endpoints (Chow et al. 2002; update 2012) on worst pain and OMED."""
    w, dw, oc = whole(worst_now), whole(worst_now) - whole(base_worst), omed_change(omed_now, base_omed)
    if w == 0 and oc != "up":
        return "complete response"
    if (dw <= -2 and oc != "up") or (oc == "down" and dw <= 0):
        return "partial response"
    if (dw >= 2 and oc == "stable") or (oc == "up" and dw in (0, 1)):
        return "progression"
    return "indeterminate"


def radiation_response(sessions: list[date], worst: dict[date, float], omed_day: dict[date, float],
                       last_data_day: date) -> dict[str, Any]:
    """Response at weeks 1, 2, 4, 8 and 12 after the last session: each week's figure is the
    mean daily worst and mean daily OMED of the 7 days ending on that week's day (at least 3
    days with a daily worst), against the baseline before the first session."""
    first, last = min(sessions), max(sessions)
    base = radiation_baseline(first, worst, omed_day)
    weeks = []
    for k in RESPONSE_WEEKS:
        day = last + _td(days=7 * k)
        days = [day - _td(days=i) for i in range(6, -1, -1)]
        row: dict[str, Any] = {"week": k, "day": day}
        if day > last_data_day:
            row.update(result="not yet", missing=f"week {k} ends {day.isoformat()}, after the data")
        else:
            f = _window(worst, omed_day, days)
            row.update(worst=f["worst"], omed=f["omed"], days_with_worst=f["days_with_worst"])
            if not base["enough"]:
                row.update(result="not enough data",
                           missing=f"baseline worst pain ({base['days_with_worst']} of {BASELINE_DAYS} days)")
            elif f["days_with_worst"] < MIN_DAYS_WITH_WORST:
                row.update(result="not enough data",
                           missing=f"daily worst pain on {f['days_with_worst']} of 7 days "
                                   f"({MIN_DAYS_WITH_WORST} needed)")
            else:
                row.update(result=response_category(f["worst"], f["omed"], base["worst"], base["omed"]),
                           missing=None)
        weeks.append(row)
    return {"first_session": first, "last_session": last, "sessions": sorted(sessions),
            "baseline": base, "weeks": weeks}


# -- insights ---------------------------------------------------------------------------------------
# Plain counts and means over the period, each with its n; a group with fewer than
# INSIGHT_MIN_N records shows "too little data" instead of a mean.
INSIGHT_MIN_N = 3
RESCUE_BEFORE = _td(minutes=60)                            # last entry within 60 min before
RESCUE_AFTER = (_td(minutes=30), _td(minutes=120))         # first entry 30-120 min after
HELPS_AFTER = (_td(minutes=30), _td(minutes=240))          # the next entry 30 min to 4 h later


def _ranked(groups: dict[str, list[float]]) -> list[dict[str, Any]]:
    rows = [{"name": k, "n": len(v), "mean": round(sum(v) / len(v), 2) if len(v) >= INSIGHT_MIN_N else None,
             "enough": len(v) >= INSIGHT_MIN_N} for k, v in groups.items()]
    rows.sort(key=lambda r: (-r["n"], -(r["mean"] if r["mean"] is not None else -1), r["name"]))
    return rows


def triggers_ranked(episodes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Episode triggers by count, then mean peak."""
    g: dict[str, list[float]] = {}
    for e in episodes:
        if e.get("trigger"):
            g.setdefault(e["trigger"], []).append(e["peak"])
    return _ranked(g)


def activities_ranked(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Activities at onset of pain entries by count, then mean intensity."""
    g: dict[str, list[float]] = {}
    for e in entries:
        if e.get("activity"):
            g.setdefault(e["activity"], []).append(e["intensity"])
    return _ranked(g)


def pain_by_hour(entries: Iterable[dict[str, Any]], tz: tzinfo) -> list[dict[str, Any]]:
    """A 24-hour profile: for each local hour, the entries' count and mean intensity."""
    g: dict[int, list[int]] = {h: [] for h in range(24)}
    for e in entries:
        g[e["occurred_at"].astimezone(tz).hour].append(e["intensity"])
    return [{"hour": h, "n": len(v), "mean": round(sum(v) / len(v), 2) if len(v) >= INSIGHT_MIN_N else None}
            for h, v in g.items()]


def _sorted_entries(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda e: e["occurred_at"])


def rescue_before_after(entries: Iterable[dict[str, Any]], doses: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Pain before and after each rescue dose: the last entry within 60 min before it and the
    first 30-120 min after; the mean drop (before minus after) over the doses that have both."""
    es = _sorted_entries(entries)
    doses = list(doses)
    n_doses = len(doses)
    pairs = []
    for dose in doses:
        t = dose["done_at"]
        before = [e for e in es if t - RESCUE_BEFORE <= e["occurred_at"] < t]
        after = [e for e in es if t + RESCUE_AFTER[0] <= e["occurred_at"] <= t + RESCUE_AFTER[1]]
        if before and after:
            pairs.append((before[-1]["intensity"], after[0]["intensity"]))
    n = len(pairs)
    return {"doses": n_doses, "n": n,
            "before": round(sum(p[0] for p in pairs) / n, 2) if n else None,
            "after": round(sum(p[1] for p in pairs) / n, 2) if n else None,
            "mean_drop": round(sum(p[0] - p[1] for p in pairs) / n, 2) if n >= INSIGHT_MIN_N else None,
            "enough": n >= INSIGHT_MIN_N}


def what_helps(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each made-better-by named on an entry, with the drop to the next entry 30 min to 4 h
    later (this entry's intensity minus that one's), ranked by the mean drop."""
    es = _sorted_entries(entries)
    g: dict[str, list[float]] = {}
    for i, e in enumerate(es):
        if not e.get("better"):
            continue
        nxt = next((x for x in es[i + 1:] if e["occurred_at"] + HELPS_AFTER[0] <= x["occurred_at"]
                    <= e["occurred_at"] + HELPS_AFTER[1]), None)
        if nxt is None:
            continue
        for b in dict.fromkeys(e["better"]):
            g.setdefault(b, []).append(e["intensity"] - nxt["intensity"])
    rows = _ranked(g)
    rows.sort(key=lambda r: (not r["enough"], -(r["mean"] or 0), -r["n"], r["name"]))
    return rows
