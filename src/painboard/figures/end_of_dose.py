"""End-of-dose timing: episodes in the window before each long-acting item's next dose."""

from __future__ import annotations

import bisect as _bisect
import statistics as _stats
from datetime import datetime, time, timedelta as _td, timezone, tzinfo
from typing import Any, Iterable

from painboard.figures.opioids import is_patch
from painboard.figures.rows import value as _get
from painboard.figures.schedule import active_in
from painboard.figures.severity import half_up


def _first_after(times: list[datetime], t: datetime) -> datetime:
    """The first of the sorted ``times`` after ``t``, else datetime.max (UTC): no due time."""
    i = _bisect.bisect_right(times, t)
    return times[i] if i < len(times) else _NEVER


_NEVER = datetime.max.replace(tzinfo=timezone.utc)


# -- end-of-dose timing ---------------------------------------------------------------------------
# End-of-dose pain comes before the next scheduled dose of a long-acting opioid (Davies et al.,
# 2009). Long-acting here = a scheduled medication plan item with an oral morphine factor. It is
# judged per item against its own interval, never pooled (clinical.md, "Breakthrough pain"): an
# episode is "before a dose" of an item when its onset is in the window before one of that
# item's due times: the 2 h before an oral dose (modified release every 12 h), the last 24 h
# before a fentanyl patch change (a 72-hour patch wears off on day 3 when it does). By chance
# that share is the time the item's windows cover over the time its schedule ran in the period
# (2 h of every 12 h: 16.7 %; 24 h of every 72 h: 33.3 %). The first due time of a schedule is
# not the end of an earlier dose, so it has no window, and an item counts only in the days it is
# active (its start to its end date).
END_OF_DOSE_WINDOW = _td(hours=2)
PATCH_WINDOW = _td(hours=24)
END_OF_DOSE_MIN_EPISODES = 5
_LOOK_BACK = _td(days=4)  # longer than a patch's 72 h: whether the schedule ran before the period


def long_acting_items(items: Iterable[Any]) -> list[Any]:
    return [i for i in items if _get(i, "kind") == "scheduled" and _get(i, "category") == "medication"
            and _get(i, "mme_factor") is not None]


def dose_window(item: Any) -> _td:
    """The window before a due time in which an episode counts as end-of-dose for the item."""
    return PATCH_WINDOW if is_patch(item) else END_OF_DOSE_WINDOW


def item_end_of_dose(episodes: list[dict[str, Any]], item: Any, lo: datetime, hi: datetime,
                     tz: tzinfo) -> dict[str, Any]:
    """One long-acting item's end-of-dose figures over [lo, hi) (UTC)."""
    w = dose_window(item)
    end = hi
    if _get(item, "end_date") is not None:
        end = min(hi, datetime.combine(_get(item, "end_date") + _td(days=1), time(0), tz).astimezone(timezone.utc))
    due = sorted(item.occurrences(lo - _LOOK_BACK, end + w, tz))
    out: dict[str, Any] = {"item": str(_get(item, "name")), "window_h": int(w.total_seconds() // 3600),
                           "interval_h": None, "doses_due": 0, "episodes": 0, "before_dose": 0,
                           "pct": None, "expected_pct": None, "enough": False}
    if not due or due[0] >= end:  # the schedule had not begun in the period
        return out
    start = lo if due[0] < lo else due[0]  # the schedule ran from before the period, or from its first dose
    eps = [e for e in episodes if start <= e["onset"] < end]
    covered, reach = _td(0), start
    for t in due[1:]:  # the union of the windows [t - w, t) inside [start, end)
        a, b = max(t - w, reach), min(t, end)
        if b > a:
            covered += b - a
            reach = b
    # t - w <= onset < t for some due t  <=>  the first due time after the onset is within w
    # (due is sorted: one bisection per episode, not a scan of every due time)
    k = sum(1 for e in eps if _first_after(due, e["onset"]) <= e["onset"] + w)
    gaps = [(b - a).total_seconds() / 3600 for a, b in zip(due, due[1:])]
    span = end - start
    out.update(doses_due=sum(1 for t in due if lo <= t < hi), episodes=len(eps), before_dose=k,
               interval_h=half_up(_stats.median(gaps), 1) if gaps else None,
               pct=half_up(100 * k / len(eps), 1) if eps else None,
               expected_pct=half_up(100 * covered / span, 1) if span > _td(0) else None,
               enough=len(eps) >= END_OF_DOSE_MIN_EPISODES)
    return out


def end_of_dose(episodes: Iterable[dict[str, Any]], items: Iterable[Any], lo: datetime, hi: datetime,
                tz: tzinfo) -> dict[str, Any]:
    """Each long-acting item active in [lo, hi) (UTC) with its own end-of-dose figures.

    ``items`` must list their due times (``occurrences``). ``raise`` lists the items whose share
    is at least twice the share by chance (with enough episodes)."""
    first, last = lo.astimezone(tz).date(), (hi - _td(microseconds=1)).astimezone(tz).date()
    eps = [e for e in episodes if lo <= e["onset"] < hi]
    rows = [item_end_of_dose(eps, it, lo, hi, tz) for it in long_acting_items(items)
            if active_in(it, first, last)]
    flagged = [r["item"] for r in rows if r["enough"] and r["expected_pct"] and r["pct"] >= 2 * r["expected_pct"]]
    return {"items": rows, "episodes": len(eps), "enough": any(r["enough"] for r in rows), "raise": flagged}
