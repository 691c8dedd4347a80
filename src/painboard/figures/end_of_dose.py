"""End-of-dose timing: episodes in the window before a scheduled long-acting dose."""

from __future__ import annotations

import bisect as _bisect
import statistics as _stats
from datetime import datetime, timedelta as _td, timezone, tzinfo
from typing import Any, Iterable

from painboard.figures.rows import value as _get

def _first_after(times: list[datetime], t: datetime) -> datetime:
    """The first of the sorted ``times`` after ``t``, else datetime.max (UTC): no due time."""
    i = _bisect.bisect_right(times, t)
    return times[i] if i < len(times) else _NEVER


_NEVER = datetime.max.replace(tzinfo=timezone.utc)


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
    # t - 2 h <= onset < t for some due t  <=>  the first due time after the onset is within 2 h
    # (due is sorted: one bisection per episode, not a scan of every due time)
    in_window = [e for e in eps if _first_after(due, e["onset"]) <= e["onset"] + END_OF_DOSE_WINDOW]
    gaps = [(b - a).total_seconds() / 3600 for a, b in zip(due, due[1:])]
    out.update(doses_due=sum(1 for t in due if lo <= t < hi), before_dose=len(in_window),
               pct=round(100 * len(in_window) / len(eps), 1),
               expected_pct=round(100 * covered / span, 1) if span > _td(0) else None,
               interval_h=round(_stats.median(gaps), 1) if gaps else None,
               enough=len(eps) >= END_OF_DOSE_MIN_EPISODES)
    return out
