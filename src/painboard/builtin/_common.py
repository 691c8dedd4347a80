"""Figures the built-in metrics and the visit summary share."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any
from weakref import WeakKeyDictionary

from painboard.figures import rescue as _rescue, schedule as _schedule
from painboard.figures.severity import severity_level  # noqa: F401  (the metrics' level for a score)
from painboard.plugin_api import PeriodView

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None], lo: float = 0, hi: float = 10, width: int = 60) -> str:
    """A text sparkline on a fixed 0-10 scale (so two summaries compare); gaps are spaces."""
    if len(values) > width:  # average neighbours down to the width
        step = len(values) / width
        chunks = [values[int(i * step):int((i + 1) * step)] for i in range(width)]
        values = [(sum(x for x in c if x is not None) / len([x for x in c if x is not None]))
                  if any(x is not None for x in c) else None for c in chunks]
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        else:
            i = round((min(max(v, lo), hi) - lo) / (hi - lo) * (len(BARS) - 1))
            out.append(BARS[i])
    return "".join(out)


def daily_series(view: PeriodView, rows: list[dict[str, Any]], key: str) -> list[float | None]:
    by_day = {r["day"]: r[key] for r in rows}
    return [None if by_day.get(d) is None else float(by_day[d]) for d in view.days()]


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
        return f"about the same ({first:.1f} and {last:.1f} on average over the {span})"
    word = "lower" if diff < 0 else "higher"
    return f"{word} by {abs(diff):.1f} points ({first:.1f} to {last:.1f} on average over the {span})"


# Pain entries and episodes read once per view for the built-in figures: a visit summary over
# years asks for the same rows from several figures, and each read of 100k rows costs about a
# second while the export holds the file. A narrower period is cut from a wider read already made.
# Callers share the rows: they must not change them.
_READ: WeakKeyDictionary = WeakKeyDictionary()
_WHEN = {"entries": "occurred_at", "episodes": "onset"}


def rows_once(view: PeriodView, kind: str, since: date | None = None,
              until: date | None = None) -> list[dict[str, Any]]:
    """``view.entries`` or ``view.episodes`` of [since, until), read once per view."""
    lo, hi = view.bounds(since, until)
    memo = _READ.setdefault(view, {})
    for (k, a, b), rows in memo.items():
        if k == kind and a <= lo and b >= hi:
            if (a, b) == (lo, hi):
                return rows
            when = _WHEN[kind]
            return [r for r in rows if lo <= r[when] < hi]
    rows = memo[(kind, lo, hi)] = getattr(view, kind)(since, until)
    return rows


def rows_once_padded(view: PeriodView, kind: str, pad: timedelta) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The period's rows and those of the period widened by ``pad`` either side. When the
    period's rows were not read yet, one read of the wider span serves both (kept under both);
    else the pads are read on their own, so a long period's rows are never read twice."""
    lo, hi = view.bounds()
    memo = _READ.setdefault(view, {})
    if any(k == kind and a <= lo and b >= hi for (k, a, b) in memo):
        rows = rows_once(view, kind)
        return rows, (rows_once(view, kind, view.start - pad, view.start) + rows
                      + rows_once(view, kind, view.end, view.end + pad))
    wide = rows_once(view, kind, view.start - pad, view.end + pad)
    when = _WHEN[kind]
    rows = memo[(kind, lo, hi)] = [r for r in wide if lo <= r[when] < hi]
    return rows, list(wide)


def rescue_items(view: PeriodView) -> dict[int, Any]:
    return _rescue.rescue_items(view.plan_items())


def rescue_by_day(view: PeriodView, events: list[dict[str, Any]] | None = None) -> Counter:
    """Rescue doses taken per local day (of the view's events, or of ``events``)."""
    return _rescue.rescue_doses_per_day(view.events() if events is None else events,
                                        view.plan_item_rows(), view.tz)


def adherence(view: PeriodView) -> dict[str, Any]:
    """Scheduled medication doses due in the period (up to now) and what was recorded for them."""
    return _schedule.adherence(view.plan_items(), view.events_due(), view.lo, min(view.hi, view.now),
                               view.tz, view.days())


def local_iso(dt: datetime | None, tz) -> str:
    return "" if dt is None else dt.astimezone(tz).isoformat()
