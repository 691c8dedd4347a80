"""Rescue doses: as-needed opioid doses taken, per day, against the plan's cap and the marker."""

from __future__ import annotations

from collections import Counter
from datetime import date, tzinfo
from typing import Any, Iterable

from painboard.figures.opioids import opioid_of as _opioid_of
from painboard.figures.rows import taken as _taken, value as _get

# More than about 4 rescue doses a day: the usual signal worth raising with the care team
# (NCCN and ESMO-derived summaries).
RESCUE_DOSES_MARKER = 4


def is_rescue_item(item: Any) -> bool:
    """An as-needed opioid (a factor, or a name the opioid table knows, such as buccal fentanyl
    that has no factor): what the rescue-dose figures are about. Paracetamol is not one."""
    return (_get(item, "kind") == "as_needed" and _get(item, "category") == "medication"
            and _opioid_of(item) is not None)


def rescue_items(items: Iterable[Any]) -> dict[int, Any]:
    """The rescue items among plan items, by id."""
    return {_get(i, "id"): i for i in items if is_rescue_item(i)}


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


def rescue_marker_days(per_day: dict[date, int], days: Iterable[date] | None = None) -> list[date]:
    """The days (of ``days``) with more rescue doses than the marker, oldest first."""
    keep = set(days) if days is not None else None
    return sorted(d for d, n in per_day.items() if over_rescue_marker(n) and (keep is None or d in keep))
