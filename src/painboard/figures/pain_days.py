"""Pain over whole days: each day's average, worst and least with its daily review."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, Iterable, Sequence

from painboard.figures.severity import fixed, whole

_first, _day_of = itemgetter(0), itemgetter("day")


def _add_peak(row: dict[str, Any], peak: Any) -> None:
    """A breakthrough peak counts in the day's worst: max(worst, peak)."""
    if peak is not None and (row["worst"] is None or peak > row["worst"]):
        row["worst"] = peak


def _add_review(row: dict[str, Any], rv: dict[str, Any], had_entries: bool) -> None:
    """A daily review counts in the day: worst = max, least = min (where the row keeps a
    least), and its average only on a day without entries."""
    _add_peak(row, rv.get("worst"))
    if "least" in row and rv.get("least") is not None:
        row["least"] = rv["least"] if row["least"] is None else min(row["least"], rv["least"])
    if not had_entries and rv.get("average") is not None:
        row["average"] = float(rv["average"])


def _has_figures(rv: dict[str, Any]) -> bool:
    return any(rv.get(k) is not None for k in ("worst", "least", "average"))


def with_reviews(daily: Iterable[dict[str, Any]], reviews: Iterable[dict[str, Any]],
                 episodes: Iterable[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """Per-day pain rows (day, average, worst, least, n entries) with each day's daily review
    and breakthrough episodes taken into account: worst of the day = max(the entries' worst,
    the episodes' peaks, the review's worst in the last 24 h), since a breakthrough peak is
    pain the person had (clinical.md, "Daily figures"); least = min(the entries' least, the
    review's least); the average is the entries' (the review's average only on a day without
    entries): a peak is neither a least nor an average. ``n`` stays the entries; ``reviewed``
    says a review counted. A day with only a review or an episode is a day with figures."""
    days = {r["day"]: dict(r, reviewed=False) for r in daily}
    for ep in episodes:  # per-day episode rows: day, n, worst_peak (one a day, years of them)
        if ep.get("worst_peak") is None:
            continue
        row = days.setdefault(ep["day"], {"day": ep["day"], "average": None, "worst": None, "least": None,
                                          "n": 0, "reviewed": False})
        _add_peak(row, ep["worst_peak"])
    for rv in reviews:
        if not _has_figures(rv):
            continue
        row = days.setdefault(rv["day"], {"day": rv["day"], "average": None, "worst": None, "least": None,
                                          "n": 0})
        row["reviewed"] = True
        _add_review(row, rv, bool(row["n"]))
    return [days[d] for d in sorted(days)]


def trend_days(days: Sequence[tuple], reviews: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the dashboard's trend draws, one row per day with entries, episodes or a review,
    oldest first: day, average, worst (by with_reviews' rule: the same _add_peak and
    _add_review) and episodes (0 if none). From the daily rollup's tuples (day, average, worst,
    least, n, episodes, worst_peak; oldest first, one per day): a trend over ten years has 3,650
    days, so the rows are made in one comprehension with _add_peak's rule written in it, and
    each review finds its day by halving (a dict of the days cost as much as the rows)."""
    out = [{"day": day, "average": average if n > 0 else None,
            "worst": peak if episodes > 0 and peak is not None and (n <= 0 or worst is None or peak > worst)
            else (worst if n > 0 else None),  # _add_peak over the entries' worst
            "episodes": episodes}
           for day, average, worst, _least, n, episodes, peak in days]
    late: dict = {}  # days with a review alone
    for rv in reviews:
        if not _has_figures(rv):
            continue
        i = bisect_left(days, rv["day"], key=_first)
        if i < len(days) and days[i][0] == rv["day"]:
            _add_review(out[i], rv, days[i][4] > 0)  # its average only on a day without entries
        else:
            row = late.setdefault(rv["day"], {"day": rv["day"], "average": None, "worst": None, "episodes": 0})
            _add_review(row, rv, False)
    return sorted(out + list(late.values()), key=_day_of) if late else out


def pain_summary(daily: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Average, worst, least and count over whole days, from per-day rows (average, worst,
    least, n): the average is weighted by each day's entries, a day with only a daily
    review's average weighing as one entry."""
    days = list(daily)
    n = sum(r["n"] for r in days)
    w = [(r["average"], r["n"] or 1) for r in days if r["average"] is not None]
    total = sum(x for _, x in w)
    return {"average": sum(a * x for a, x in w) / total if total else None,
            "worst": max((r["worst"] for r in days if r["worst"] is not None), default=None),
            "least": min((r["least"] for r in days if r["least"] is not None), default=None), "n": n,
            "reviews": sum(1 for r in days if r.get("reviewed"))}


def last_24_hours(entries: Iterable[dict[str, Any]], episodes: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The daily review's suggestions from the 24 hours before the answer (clinical.md: "in the
    last 24 h" is not since midnight): worst = the highest entry or episode peak (an open
    episode included), least and average from the entries only (a peak is neither), the
    average as a whole point (half up), now = the latest entry."""
    es = sorted(entries, key=lambda e: e["occurred_at"])
    vals = [e["intensity"] for e in es]
    peaks = [e["peak"] for e in episodes if e.get("peak") is not None]
    return {"worst": max(vals + peaks, default=None), "least": min(vals, default=None),
            "average": whole(sum(vals) / len(vals)) if vals else None,
            "now": vals[-1] if vals else None}


def trend_words(series: list[float | None]) -> str:
    """The daily average's direction, first week against last week, in words."""
    vals = [v for v in series if v is not None]
    if len(vals) < 4:
        return "too few days with entries to describe a trend"
    n = max(1, min(7, len(vals) // 3))
    first, last = sum(vals[:n]) / n, sum(vals[-n:]) / n
    diff = last - first
    span = "first and last week" if n == 7 else f"first and last {n} days with entries"
    if abs(diff) < 0.75:
        return f"about the same ({fixed(first)} and {fixed(last)} on average over the {span})"
    word = "lower" if diff < 0 else "higher"
    return f"{word} by {fixed(abs(diff))} points ({fixed(first)} to {fixed(last)} on average over the {span})"


def site_counts(entries: Iterable[dict[str, Any]], top: int = 4) -> list[tuple[str, int]]:
    """The ``top`` sites named most often on the entries, with their counts."""
    return Counter(x for e in entries for x in (e.get("sites") or [])).most_common(top)


def with_new_entry(worst: int | None, average: float | None, n: int, intensity: int) -> tuple[int, float | None]:
    """A day's worst and average once one more entry is logged, before the next full read: the
    worst at once, the average exact for a first entry (else unchanged until the read)."""
    new_worst = intensity if worst is None else max(worst, intensity)
    return new_worst, float(intensity) if not n else average


def pain_nights(logged: Iterable[tuple[datetime, int | None]], start_minute: int, end_minute: int,
                threshold: int = 1) -> list[dict[str, Any]]:
    """The nights, one row each (``night``: the date it starts on), with pain >= threshold
    logged inside the night window, from (local wall time, intensity or peak) pairs. Minutes
    are local minutes after midnight: the window is [start, 24:00) and [00:00, end)."""
    nights = set()
    for at, v in logged:
        if v is None or v < threshold:
            continue
        minute = at.hour * 60 + at.minute
        if minute >= start_minute:
            nights.add(at.date())
        elif minute < end_minute:
            nights.add(at.date() - timedelta(days=1))
    return [{"night": d} for d in sorted(nights)]


def nights_with_pain(nights: Iterable[dict[str, Any]]) -> int:
    """How many nights had pain in the night window, from the store's rows (one per night)."""
    return len({r["night"] for r in nights})
