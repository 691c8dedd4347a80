"""The plan's schedule: which due time a dose belongs to, adherence, and the next due date of a
bone-strengthening drug."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Iterable

from painboard.figures.days import add_months as _add_months
from painboard.figures.rows import value as _get

# -- which days a plan item is active ----------------------------------------------------------------
def active_on(item: Any, day: date) -> bool:
    """Whether a plan item is active on a local day: from its start date to its end date, both
    included (a stopped item has its stop day as end date; stopped without one: no day)."""
    start, end = _get(item, "start_date"), _get(item, "end_date")
    if _get(item, "status") not in (None, "active") and end is None:
        return False
    return (start is None or start <= day) and (end is None or day <= end)


def active_in(item: Any, first: date, last: date) -> bool:
    """Whether a plan item is active on some day of first..last (both included)."""
    start, end = _get(item, "start_date"), _get(item, "end_date")
    if _get(item, "status") not in (None, "active") and end is None:
        return False
    return (start is None or start <= last) and (end is None or end >= first)


# -- adherence -------------------------------------------------------------------------------------
# A dose recorded from anywhere (the command line, the dashboard, an import) belongs to the
# scheduled due time nearest to when it was taken, if it is within that due time's window:
# 3 hours either side, or half the gap to the neighbouring due time when doses are closer
# (every 4 h: 2 h), so each moment belongs to one due time at most.
DOSE_WINDOW = timedelta(hours=3)


def _window(slots: list[datetime], i: int) -> timedelta:
    gaps = [slots[i] - slots[i - 1]] if i > 0 else []
    gaps += [slots[i + 1] - slots[i]] if i + 1 < len(slots) else []
    return min([DOSE_WINDOW] + [g / 2 for g in gaps])


def match_due(item: Any, at: datetime, recorded: Iterable[datetime], tz: tzinfo) -> tuple[str, datetime | None]:
    """The due time a dose taken at ``at`` belongs to, and whether it is still open:
    ("open", due), ("recorded", due) when something is already recorded for it, or
    ("none", None) for a dose far from every due time (kept, but outside adherence).
    ``item`` lists its due times (``occurrences``); only scheduled items have any."""
    if _get(item, "kind") != "scheduled":
        return "none", None
    slots = sorted(item.occurrences(at - timedelta(days=2), at + timedelta(days=2), tz))
    near = [(abs(at - s), s) for i, s in enumerate(slots) if abs(at - s) <= _window(slots, i)]
    if not near:
        return "none", None
    due = min(near)[1]
    taken = {r.astimezone(timezone.utc) for r in recorded}
    return ("recorded" if due in taken else "open"), due


def nearest_open(item: Any, at: datetime, recorded: Iterable[datetime], tz: tzinfo) -> datetime | None:
    """The due time within a day of ``at`` with nothing recorded yet that is nearest to it: the
    one a dose that matched no due time could have been meant for (None: there is none)."""
    if _get(item, "kind") != "scheduled":
        return None
    taken = {r.astimezone(timezone.utc) for r in recorded}
    slots = [s for s in item.occurrences(at - timedelta(days=1), at + timedelta(days=1), tz) if s not in taken]
    return min(slots, key=lambda s: (abs(at - s), s)) if slots else None


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


# -- bone-strengthening drugs ------------------------------------------------------------------------
# The next dose is due one interval after the last dose given (ASCO guidance on bone-modifying
# agents gives the intervals: every 3-4 or 12 weeks): a late infusion moves the next date.
# The interval is the plan item's rule (FREQ and INTERVAL, RFC 5545).
def rule_interval_after(rule: str | None, day: date) -> date | None:
    """The date one interval of ``rule`` after ``day`` ('FREQ=WEEKLY;INTERVAL=4': 28 days)."""
    from painboard.recurrence import Recurrence, RuleError  # the one parser of a rule

    try:
        rec = Recurrence.parse(rule or "")
    except RuleError:
        return None  # a stored rule that cannot be read: no next date
    n, freq = rec.interval, rec.freq
    if freq == "DAILY":
        return day + timedelta(days=n)
    if freq == "WEEKLY":
        return day + timedelta(weeks=n)
    if freq == "MONTHLY":
        return _add_months(day, n)
    if freq == "YEARLY":
        return _add_months(day, 12 * n)
    return None


def next_bone_due(item: Any, last_given: datetime | None, tz: tzinfo) -> date | None:
    """The local date the next dose is due: one interval after the last dose given, else the
    plan's first due date (``item.next_due`` from its start)."""
    if last_given is not None:
        return rule_interval_after(_get(item, "rrule"), last_given.astimezone(tz).date())
    start = _get(item, "start_date")
    first = item.next_due(datetime.combine(start, datetime.min.time(), tz), tz) if start else None
    return first.astimezone(tz).date() if first else None


def bone_agent_status(item: Any, last_given: datetime | None, not_given: Iterable[dict[str, Any]],
                      as_of: date, tz: tzinfo) -> dict[str, Any] | None:
    """A bone-strengthening drug as of a local date: the next due date (one interval after the
    last dose given), the days until it (negative: overdue), and the doses recorded as skipped
    or missed since the last one given (``not_given``: the item's events of those statuses up
    to ``as_of``), so a held dose shows as such. None when the plan gives no next date."""
    due = next_bone_due(item, last_given, tz)
    if due is None:
        return None
    held = sorted((e for e in not_given if e["status"] in ("skipped", "missed")
                   and (last_given is None or e["done_at"] > last_given)
                   and e["done_at"].astimezone(tz).date() <= as_of), key=lambda e: e["done_at"])
    return {"next_due": due, "days": (due - as_of).days, "as_of": as_of,
            "last_given": last_given.astimezone(tz).date() if last_given else None,
            "not_given": [{"day": e["done_at"].astimezone(tz).date(), "status": e["status"]} for e in held]}


def bone_agent_words(label: str, s: dict[str, Any]) -> str:
    """'Zoledronic acid 4 mg: overdue by 16 days (due 29 Oct 2026; skipped 29 Oct 2026; last
    given 1 Oct 2026)', as of ``s['as_of']`` (a report's end date: never "today")."""
    days = s["days"]
    when = (f"due in {days} day{'s' if days != 1 else ''}" if days > 0
            else f"due on {s['as_of']:%-d %b %Y}" if days == 0
            else f"overdue by {-days} day{'s' if days != -1 else ''}")
    parts = [f"due {s['next_due']:%-d %b %Y}"] + [f"{h['status']} {h['day']:%-d %b %Y}" for h in s["not_given"]]
    parts.append(f"last given {s['last_given']:%-d %b %Y}" if s["last_given"] else "none given yet")
    return f"{label}: {when} ({'; '.join(parts)})"
