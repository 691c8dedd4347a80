"""Palliative radiotherapy: the baseline, pain flare and response of a course."""

from __future__ import annotations

from datetime import date, timedelta as _td
from typing import Any, Iterable

from painboard.figures.rows import GIVEN
from painboard.figures.severity import whole

# -- palliative radiotherapy: pain flare and response ----------------------------------------------
# Baseline: the days with records in the 7 local days before the first session (at least 3 of
# them with a daily worst); worst pain = the mean of their daily worst, OMED = the mean of their
# daily OMED. A day with no record of any kind (no entry, episode, review or dose) is unknown
# and left out, never counted as 0 mg (clinical.md, "Daily figures"); a day with records and no
# opioid dose is 0 mg. ``omed_day`` therefore maps every day with a record to its OMED
# (known_omed_days). Means are rounded to whole points before a pain comparison, as the scale
# has whole points. OMED counts as up at +25 % or more, down at -25 % or more, else stable (the
# 25 % analgesic change of the International Consensus Endpoints, Chow et al. 2002, update
# 2012); from a baseline of 0 mg any dose is up and nothing can be down (no division by zero).
# ICE assesses one time point: a week's figure needs one day with a daily worst.
BASELINE_DAYS = 7
MIN_DAYS_WITH_WORST = 3
MIN_DAYS_IN_WEEK = 1
FLARE_DAYS = 10          # Hird et al., IJROBP 2009 (after Loblaw et al., 2007)
FLARE_RETURN_DAYS = 14   # after the flare window: time allowed to come back to baseline
RESPONSE_WEEKS = (1, 2, 4, 8, 12)
OMED_CHANGE = 0.25


def known_omed_days(omed_day: dict[date, float], recorded: Iterable[date]) -> dict[date, float]:
    """Daily OMED on every day with a record of any kind: the counted mg, else 0 mg. Days with
    no record stay out (unknown)."""
    return {d: omed_day.get(d, 0.0) for d in sorted(set(recorded) | set(omed_day))}


def omed_change(day_omed: float, base_omed: float) -> str:
    """up, down or stable against baseline (25 % band; from 0 mg any dose is up)."""
    if base_omed <= 0:
        return "up" if day_omed > 0 else "stable"
    if day_omed >= base_omed * (1 + OMED_CHANGE):
        return "up"
    if day_omed <= base_omed * (1 - OMED_CHANGE):
        return "down"
    return "stable"


def _period_figures(worst: dict[date, float], omed_day: dict[date, float], days: list[date]) -> dict[str, Any]:
    w = [worst[d] for d in days if worst.get(d) is not None]
    o = [omed_day[d] for d in days if d in omed_day]  # the days with records only
    return {"days": len(days), "days_with_worst": len(w), "days_with_records": len(o),
            "worst": round(sum(w) / len(w), 2) if w else None,
            "omed": round(sum(o) / len(o), 2) if o else None}


def radiation_baseline(first_day: date, worst: dict[date, float], omed_day: dict[date, float]) -> dict[str, Any]:
    days = [first_day - _td(days=i) for i in range(BASELINE_DAYS, 0, -1)]
    b = _period_figures(worst, omed_day, days)
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
    mean daily worst and mean daily OMED over the days with records in the 7 days ending on that
    week's day (one day with a daily worst is enough: ICE assesses one time point), against the
    baseline before the first session."""
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
            f = _period_figures(worst, omed_day, days)
            row.update(worst=f["worst"], omed=f["omed"], days_with_worst=f["days_with_worst"])
            if not base["enough"]:
                row.update(result="not enough data",
                           missing=f"baseline worst pain ({base['days_with_worst']} of {BASELINE_DAYS} days)")
            elif f["days_with_worst"] < MIN_DAYS_IN_WEEK:
                row.update(result="not enough data", missing="no daily worst pain in the 7 days")
            else:
                row.update(result=response_category(f["worst"], f["omed"], base["worst"], base["omed"]),
                           missing=None)
        weeks.append(row)
    return {"first_session": first, "last_session": last, "sessions": sorted(sessions),
            "baseline": base, "weeks": weeks}


# -- courses -----------------------------------------------------------------------------------------
# A course is a radiation plan item with the local days of its sessions recorded as done. It is
# shown while the period overlaps its baseline, its sessions or its 12 response weeks; events
# are read from COURSE_LOOK_BACK before the period so a course that ended earlier is found.
COURSE_LOOK_BACK = _td(days=7 * max(RESPONSE_WEEKS) + 28)


def radiation_courses(items: list[Any], events: list[dict[str, Any]], tz: Any,
                      start: date, end: date) -> list[dict[str, Any]]:
    """Each radiation item ({"item", "sessions": sorted local days done}) whose baseline,
    sessions or 12 response weeks overlap the period [start, end), the latest course last.
    ``events`` are the items' events from COURSE_LOOK_BACK before ``start`` to ``end``."""
    ids = {it.id: it for it in items if it.category == "radiation"}
    sessions: dict[int, set[date]] = {}
    for ev in events:
        if ev["item_id"] in ids and ev["status"] in GIVEN:
            sessions.setdefault(ev["item_id"], set()).add(ev["done_at"].astimezone(tz).date())
    out = []
    for item_id, days in sessions.items():
        first, last = min(days), max(days)
        lo = first - _td(days=BASELINE_DAYS)
        hi = last + _td(days=7 * max(RESPONSE_WEEKS))
        if lo < end and hi >= start:
            out.append({"item": ids[item_id], "sessions": sorted(days)})
    out.sort(key=lambda c: c["sessions"][-1])
    return out
