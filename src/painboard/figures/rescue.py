"""Rescue doses: as-needed opioid doses taken, per day, against the plan's cap and the marker."""

from __future__ import annotations

from collections import Counter
from datetime import date, tzinfo
from typing import Any, Iterable

from painboard.figures.opioids import opioid_of as _opioid_of
from painboard.figures.rows import taken as _taken, value as _get
from painboard.figures.schedule import active_on

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


def item_label(item: Any) -> str:
    """A plan item's name with its dose (PlanItem.label), or its name for a plain row."""
    label = getattr(item, "label", None)
    return label() if callable(label) else str(_get(item, "name"))


def rescue_by_item(events: Iterable[dict[str, Any]], items: Iterable[Any], tz: tzinfo,
                   day: date) -> list[dict[str, Any]]:
    """Each rescue item active on ``day`` (or with a dose taken that day) with its doses that
    day against its own cap: caps belong to one item and one day and are never added across
    drugs (clinical.md, "Daily figures"). Rows: item (label), n, cap (None: no cap)."""
    items = list(items)
    n = Counter(e["item_id"] for e in rescue_doses(events, items) if e["done_at"].astimezone(tz).date() == day)
    return [{"item": item_label(it), "n": n.get(_get(it, "id"), 0), "cap": _get(it, "max_per_day")}
            for it in items if is_rescue_item(it) and (active_on(it, day) or n.get(_get(it, "id")))]


def above_own_cap(events: Iterable[dict[str, Any]], items: Iterable[Any], tz: tzinfo,
                  days: Iterable[date]) -> list[dict[str, Any]]:
    """The (day, item) pairs of ``days`` on which an item's rescue doses went above its own
    cap, oldest first: rows day, item, n, cap."""
    by_id = {_get(i, "id"): i for i in items}
    keep = set(days)
    n = Counter((e["item_id"], e["done_at"].astimezone(tz).date()) for e in rescue_doses(events, by_id.values()))
    out = [{"day": d, "item": item_label(by_id[i]), "n": k, "cap": _get(by_id[i], "max_per_day")}
           for (i, d), k in n.items() if d in keep and _get(by_id[i], "max_per_day") and
           k > _get(by_id[i], "max_per_day")]
    return sorted(out, key=lambda r: (r["day"], r["item"]))


def over_rescue_marker(n: int) -> bool:
    return n > RESCUE_DOSES_MARKER


def rescue_marker_days(per_day: dict[date, int], days: Iterable[date] | None = None) -> list[date]:
    """The days (of ``days``) with more rescue doses than the marker, oldest first."""
    keep = set(days) if days is not None else None
    return sorted(d for d, n in per_day.items() if over_rescue_marker(n) and (keep is None or d in keep))


def rescue_items_over(events: Iterable[dict[str, Any]], items: Iterable[Any], tz: tzinfo,
                      days: Iterable[date]) -> list[dict[str, Any]]:
    """Each rescue item with a dose in ``days``: doses, the most in one day, its own cap and
    the days above that cap (a period report's rescue figures, each item on its own)."""
    by_id = {_get(i, "id"): i for i in items}
    keep = set(days)
    per: dict[Any, Counter] = {}
    for e in rescue_doses(events, by_id.values()):
        d = e["done_at"].astimezone(tz).date()
        if d in keep:
            per.setdefault(e["item_id"], Counter())[d] += 1
    out = []
    for i, c in per.items():
        cap = _get(by_id[i], "max_per_day")
        out.append({"item": item_label(by_id[i]), "doses": sum(c.values()), "most": max(c.values()), "cap": cap,
                    "days_above": sorted(d for d, k in c.items() if cap and k > cap)})
    return sorted(out, key=lambda r: r["item"])
