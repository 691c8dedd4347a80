"""Pain over whole days: each day's average, worst and least with its daily review."""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from painboard.figures.severity import fixed, whole

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
        peak = ep.get("worst_peak")
        if peak is None:
            continue
        row = days.get(ep["day"])
        if row is None:
            days[ep["day"]] = {"day": ep["day"], "average": None, "worst": peak, "least": None,
                               "n": 0, "reviewed": False}
        elif row["worst"] is None or peak > row["worst"]:  # max(worst, peak)
            row["worst"] = peak
    for rv in reviews:
        if all(rv.get(k) is None for k in ("worst", "least", "average")):
            continue
        row = days.setdefault(rv["day"], {"day": rv["day"], "average": None, "worst": None, "least": None,
                                          "n": 0})
        row["reviewed"] = True
        if rv.get("worst") is not None:
            row["worst"] = rv["worst"] if row["worst"] is None else max(row["worst"], rv["worst"])
        if rv.get("least") is not None:
            row["least"] = rv["least"] if row["least"] is None else min(row["least"], rv["least"])
        if not row["n"] and rv.get("average") is not None:
            row["average"] = float(rv["average"])
    return [days[d] for d in sorted(days)]



def trend_days(days: Iterable[tuple], reviews: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the dashboard's trend draws, one row per day with entries, episodes or a review,
    oldest first: day, average, worst (exactly with_reviews' average and worst) and episodes
    (0 if none). From the daily rollup's tuples (day, average, worst, least, n, episodes,
    worst_peak; oldest first), in one pass: a trend over ten years has 3,650 days."""
    out: dict = {}
    entries: dict = {}  # days with entries: a review's average counts only on a day without
    for day, average, worst, _least, n, episodes, peak in days:
        if n > 0:
            entries[day] = True
        else:
            average = worst = None
        if episodes > 0 and peak is not None and (worst is None or peak > worst):  # max(worst, peak)
            worst = peak
        out[day] = {"day": day, "average": average, "worst": worst, "episodes": episodes}
    late = False
    for rv in reviews:
        if all(rv.get(k) is None for k in ("worst", "least", "average")):
            continue
        row = out.get(rv["day"])
        if row is None:
            row = out[rv["day"]] = {"day": rv["day"], "average": None, "worst": None, "episodes": 0}
            late = True
        if rv.get("worst") is not None and (row["worst"] is None or rv["worst"] > row["worst"]):
            row["worst"] = rv["worst"]
        if rv["day"] not in entries and rv.get("average") is not None:
            row["average"] = float(rv["average"])
    return [out[d] for d in sorted(out)] if late else list(out.values())

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


def nights_with_pain(nights: Iterable[dict[str, Any]]) -> int:
    """How many nights had pain in the night window, from the store's rows (one per night)."""
    return len({r["night"] for r in nights})
