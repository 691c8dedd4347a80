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
