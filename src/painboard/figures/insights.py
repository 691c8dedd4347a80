"""Insights: plain counts and means over the period, each with its n."""

from __future__ import annotations

import bisect as _bisect
from datetime import datetime, timedelta as _td, tzinfo
from typing import Any, Iterable

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


def _sorted_entries(entries: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[datetime]]:
    """Entries sorted by when they happened (stable), with their times for bisection."""
    es = sorted(entries, key=lambda e: e["occurred_at"])
    return es, [e["occurred_at"] for e in es]


def rescue_before_after(entries: Iterable[dict[str, Any]], doses: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Pain before and after each rescue dose: the last entry within 60 min before it and the
    first 30-120 min after; the mean drop (before minus after) over the doses that have both."""
    es, times = _sorted_entries(entries)
    doses = list(doses)
    n_doses = len(doses)
    pairs = []
    for dose in doses:
        t = dose["done_at"]
        b = _bisect.bisect_left(times, t) - 1  # the last entry before t
        a = _bisect.bisect_left(times, t + RESCUE_AFTER[0])  # the first from t + 30 min on
        if b >= 0 and times[b] >= t - RESCUE_BEFORE and a < len(times) and times[a] <= t + RESCUE_AFTER[1]:
            pairs.append((es[b]["intensity"], es[a]["intensity"]))
    n = len(pairs)
    return {"doses": n_doses, "n": n,
            "before": round(sum(p[0] for p in pairs) / n, 2) if n else None,
            "after": round(sum(p[1] for p in pairs) / n, 2) if n else None,
            "mean_drop": round(sum(p[0] - p[1] for p in pairs) / n, 2) if n >= INSIGHT_MIN_N else None,
            "enough": n >= INSIGHT_MIN_N}


def what_helps(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each made-better-by named on an entry, with the drop to the next entry 30 min to 4 h
    later (this entry's intensity minus that one's), ranked by the mean drop."""
    es, times = _sorted_entries(entries)
    g: dict[str, list[float]] = {}
    for i, e in enumerate(es):
        if not e.get("better"):
            continue
        # the first later entry from 30 min on; it counts if it is within 4 h
        j = max(i + 1, _bisect.bisect_left(times, e["occurred_at"] + HELPS_AFTER[0]))
        if j >= len(es) or times[j] > e["occurred_at"] + HELPS_AFTER[1]:
            continue
        nxt = es[j]
        for b in dict.fromkeys(e["better"]):
            g.setdefault(b, []).append(e["intensity"] - nxt["intensity"])
    rows = _ranked(g)
    rows.sort(key=lambda r: (not r["enough"], -(r["mean"] or 0), -r["n"], r["name"]))
    return rows


def with_direction(helps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """what_helps' rows with the size and the direction of the change, for the words
    ("after rest, pain 0.4 points lower on average"; a negative drop is pain higher)."""
    return [{**r, "change": None if r["mean"] is None else abs(r["mean"]),
             "lower": r["mean"] is not None and r["mean"] >= 0} for r in helps]
