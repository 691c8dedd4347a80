"""Figures the built-in metrics and the visit summary share."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone
from typing import Any

from painboard.clinical import CONTROLLED_MAX, SEVERE_MIN
from painboard.models import is_rescue_item
from painboard.plugin_api import PeriodView

BARS = "▁▂▃▄▅▆▇█"


def severity_level(v: float | None) -> str:
    if v is None or v <= CONTROLLED_MAX:
        return "ok"
    return "alert" if v >= SEVERE_MIN else "watch"


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


def rescue_items(view: PeriodView) -> dict[int, Any]:
    return {i.id: i for i in view.plan_items() if is_rescue_item(i)}


def rescue_by_day(view: PeriodView, events: list[dict[str, Any]] | None = None) -> Counter:
    items = rescue_items(view)
    evs = view.events() if events is None else events
    return Counter(e["done_at"].astimezone(view.tz).date() for e in evs
                   if e["status"] == "taken" and e["item_id"] in items)


def adherence(view: PeriodView) -> dict[str, Any]:
    """Scheduled medication doses due in the period (up to now) and what was recorded for them."""
    now = view.now
    hi = min(view.hi, now)
    recorded = {(e["item_id"], e["due_at"].astimezone(timezone.utc)): e["status"]
                for e in view.events_due() if e["due_at"] is not None}
    due = taken = skipped = missed = 0
    per_day: dict[date, list[int]] = {d: [0, 0] for d in view.days()}
    for it in view.plan_items():
        if it.kind != "scheduled" or it.category != "medication" or view.lo >= hi:
            continue
        for t in it.occurrences(view.lo, hi, view.tz):
            due += 1
            status = recorded.get((it.id, t))
            day = t.astimezone(view.tz).date()
            per_day.setdefault(day, [0, 0])[1] += 1
            if status == "taken":
                taken += 1
                per_day[day][0] += 1
            elif status == "skipped":
                skipped += 1
            elif status == "missed":
                missed += 1
    series = [None if per_day[d][1] == 0 else round(100 * per_day[d][0] / per_day[d][1], 1)
              for d in view.days()]
    return {"due": due, "taken": taken, "skipped": skipped, "missed": missed,
            "not_recorded": due - taken - skipped - missed,
            "pct": round(100 * taken / due, 1) if due else None, "series": series}


def local_iso(dt: datetime | None, tz) -> str:
    return "" if dt is None else dt.astimezone(tz).isoformat()
