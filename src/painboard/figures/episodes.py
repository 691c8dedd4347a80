"""Breakthrough episodes: the profile of a period's episodes."""

from __future__ import annotations

import statistics as _stats
from collections import Counter
from datetime import datetime, tzinfo
from typing import Any, Iterable

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
    durations = durations_min(eps)
    relief = rescue_relief(eps)
    per_day = Counter(e["onset"].astimezone(tz).date() for e in eps)
    return {
        "n": n, "days": n_days,
        "per_day": round(n / n_days, 2) if n_days else None,
        "per_day_counts": {d.isoformat(): c for d, c in sorted(per_day.items())},
        "median_min": median_or_none(durations), "with_duration": len(durations),
        "with_trigger": sum(1 for e in eps if e.get("trigger")),
        "trigger_pct": round(100 * sum(1 for e in eps if e.get("trigger")) / n, 1) if n else None,
        "at_night": sum(1 for e in eps if in_night(e["onset"], tz, night_start_min, night_end_min)),
        "night_pct": round(100 * sum(1 for e in eps if in_night(e["onset"], tz, night_start_min,
                                                                  night_end_min)) / n, 1) if n else None,
        "by_type": dict(by_type(eps)),
        "relief_median_min": relief["median_min"], "relief_n": relief["n"],
    }


def rescue_relief(episodes: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Time to relief after a rescue dose: the minutes to relief of the episodes with a rescue
    dose linked and a relief recorded. The one figure of rescue relief: the breakthrough profile
    and the insights both show it (issue 19: they had each their own, n=8 beside n=0)."""
    relief = [e["relief_min"] for e in episodes if e.get("rescue_event_id") is not None
              and e.get("relief_min") is not None]
    return {"n": len(relief), "median_min": median_or_none(relief)}


# -- counts every face shows -------------------------------------------------------------------------
def median_or_none(values: list[float]) -> float | None:
    return _stats.median(values) if values else None


def durations_min(episodes: Iterable[dict[str, Any]]) -> list[float]:
    """The minutes of the episodes that have an end."""
    return [e["duration_min"] for e in episodes if e.get("duration_min") is not None]


def episode_summary(episodes: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Count, median minutes (of those with an end) and worst peak of the episodes."""
    eps = list(episodes)
    return {"n": len(eps), "median_min": median_or_none(durations_min(eps)),
            "worst_peak": max((e["peak"] for e in eps if e.get("peak") is not None), default=None)}


def by_type(episodes: Iterable[dict[str, Any]]) -> list[tuple[str, int]]:
    """Episodes per type, most first ("type not given" for those without one)."""
    return Counter(e.get("type") or "type not given" for e in episodes).most_common()


def trigger_counts(episodes: Iterable[dict[str, Any]], top: int = 4) -> list[tuple[str, int]]:
    """The ``top`` most common triggers with their counts."""
    return Counter(e["trigger"] for e in episodes if e.get("trigger")).most_common(top)
