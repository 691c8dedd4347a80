"""What is due now: the reminders `painboard remind` sends (issue 21). Pure functions over the
plan, its events, the reviews and the pain entries: no Textual, no SQL (store/reminders.py
has the SQL, reminders_run.py the use-case).

A reminder has a stable key, so it is sent once: the store claims the key before sending.
Reminders due within FRESH of now go out one by one; older ones nobody was told about (the
machine was off, or quiet hours) go out as one summary, never a flood.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from typing import Any, Iterable

from painboard.figures.insights import RESCUE_AFTER
from painboard.figures.rows import value as _get
from painboard.figures.schedule import active_on, next_bone_due

FRESH = timedelta(minutes=15)    # due this recently: sent on its own; older: in the summary
LOOKBACK = timedelta(hours=24)   # nothing older than this is reminded of, even in a summary
DOSE_CATEGORIES = ("medication", "supportive")
DAY_BEFORE_CATEGORIES = ("bone_strengthening", "radiation", "procedure")


@dataclass(frozen=True)
class Channel:
    """Where reminders go: a name (what the record of sent reminders keeps, never the URL),
    an Apprise URL (or terminal://), and whether messages may name the drug or treatment."""
    name: str
    url: str
    details: bool = False


@dataclass(frozen=True)
class RemindSettings:
    dose_again_after: timedelta = timedelta(minutes=30)
    day_before_at: time = time(18, 0)
    review_at: time = time(20, 0)
    rescue_check_after: timedelta = timedelta(minutes=60)
    quiet_start: time | None = time(22, 30)
    quiet_end: time | None = time(7, 0)
    channels: tuple[Channel, ...] = ()


@dataclass(frozen=True)
class Reminder:
    key: str                         # stable: 'dose:3:2026-03-29T07:00:00+00:00'
    kind: str                        # dose, dose_again, day_before, review, rescue_check, summary, warning
    at: datetime                     # when it is due to be sent (UTC)
    due_at: datetime | None = None   # the dose's, the session's or the review's time
    item_id: int | None = None
    record_id: int | None = None     # the rescue dose's event id, a warning sign's id
    name: str | None = None          # the item's label: in a message only with details on
    covers: tuple["Reminder", ...] = field(default=(), compare=False)  # a summary's reminders


@dataclass
class RemindState:
    """What the reminders are worked out from (read in one unit of work)."""
    items: list[Any]                                  # PlanItem-like: occurrences(), next_due()
    events: list[dict[str, Any]]                      # plan events near the window
    review_days: set[date]                            # local days with a saved review
    entry_times: list[datetime]                       # pain entries near the window
    last_given: dict[int, datetime] = field(default_factory=dict)  # bone drugs: last dose given


def _local_at(day: date, at: time, tz: tzinfo) -> datetime:
    return datetime.combine(day, at, tz).astimezone(timezone.utc)


def _days(lo: datetime, hi: datetime, tz: tzinfo) -> list[date]:
    first, last = lo.astimezone(tz).date() - timedelta(days=1), hi.astimezone(tz).date() + timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _label(item: Any) -> str:
    return item.label() if hasattr(item, "label") else str(_get(item, "name"))


def dose_reminders(st: RemindState, lo: datetime, hi: datetime, tz: tzinfo, s: RemindSettings) -> list[Reminder]:
    """Scheduled doses at their due time, and once more ``dose_again_after`` later, while no
    event is recorded against that due time (taken, skipped or missed all tick it)."""
    ticked = {(e["item_id"], e["due_at"].astimezone(timezone.utc)) for e in st.events if e.get("due_at")}
    out = []
    for it in st.items:
        if _get(it, "kind") != "scheduled" or _get(it, "category") not in DOSE_CATEGORIES:
            continue
        for t in it.occurrences(lo - s.dose_again_after, hi + timedelta(seconds=1), tz):
            if (it.id, t) in ticked or not active_on(it, t.astimezone(tz).date()):
                continue
            for kind, at in (("dose", t), ("dose_again", t + s.dose_again_after)):
                if lo <= at <= hi:
                    out.append(Reminder(f"{kind}:{it.id}:{t.isoformat()}", kind, at, t, it.id, name=_label(it)))
    return out


def _treatment_days(it: Any, st: RemindState, lo: datetime, hi: datetime, tz: tzinfo) -> list[date]:
    if _get(it, "category") == "bone_strengthening" and _get(it, "kind") == "scheduled":
        due = next_bone_due(it, st.last_given.get(it.id), tz)  # a late infusion moves the next one
        return [due] if due else []
    times = it.occurrences(lo, hi + timedelta(days=2), tz)
    return sorted({t.astimezone(tz).date() for t in times})


def day_before_reminders(st: RemindState, lo: datetime, hi: datetime, tz: tzinfo,
                         s: RemindSettings) -> list[Reminder]:
    """A bone-strengthening drug, a radiation session or a procedure: the day before, at
    ``day_before_at`` local time."""
    out = []
    for it in st.items:
        if _get(it, "category") not in DAY_BEFORE_CATEGORIES:
            continue
        for day in _treatment_days(it, st, lo, hi, tz):
            at = _local_at(day - timedelta(days=1), s.day_before_at, tz)
            if lo <= at <= hi and active_on(it, day):
                out.append(Reminder(f"day_before:{it.id}:{day.isoformat()}", "day_before", at,
                                    _local_at(day, time(0), tz), it.id, name=_label(it)))
    return out


def review_reminders(st: RemindState, lo: datetime, hi: datetime, tz: tzinfo, s: RemindSettings) -> list[Reminder]:
    """The daily review at ``review_at`` local time, if that day's review is not saved."""
    out = []
    for day in _days(lo, hi, tz):
        at = _local_at(day, s.review_at, tz)
        if lo <= at <= hi and day not in st.review_days:
            out.append(Reminder(f"review:{day.isoformat()}", "review", at, at))
    return out


def rescue_check_reminders(st: RemindState, lo: datetime, hi: datetime, s: RemindSettings) -> list[Reminder]:
    """About an hour after an as-needed dose: "how is the pain now?", unless pain was already
    logged in the window the insights read as the relief after a dose (30-120 min)."""
    as_needed = {it.id: it for it in st.items
                 if _get(it, "kind") == "as_needed" and _get(it, "category") == "medication"}
    out = []
    for e in st.events:
        if e["item_id"] not in as_needed or e["status"] != "taken":
            continue
        at = e["done_at"].astimezone(timezone.utc) + s.rescue_check_after
        first, last = e["done_at"] + RESCUE_AFTER[0], e["done_at"] + RESCUE_AFTER[1]
        answered = any(first <= t <= last for t in st.entry_times)
        if lo <= at <= hi and not answered:
            out.append(Reminder(f"rescue_check:{e['id']}", "rescue_check", at, e["done_at"], e["item_id"],
                                record_id=e["id"], name=_label(as_needed[e["item_id"]])))
    return out


def warning_reminders(signs: Iterable[tuple[Any, str, datetime]]) -> list[Reminder]:
    """The seam for unreported warning signs (issue 20): each (id, name, at) is sent at once,
    in quiet hours too, and never folded into a summary."""
    return [Reminder(f"warning:{sid}", "warning", at.astimezone(timezone.utc), at, record_id=sid, name=name)
            for sid, name, at in signs]


def due_between(st: RemindState, lo: datetime, hi: datetime, tz: tzinfo, s: RemindSettings) -> list[Reminder]:
    """Every reminder due to be sent in [lo, hi], in time order."""
    out = (dose_reminders(st, lo, hi, tz, s) + day_before_reminders(st, lo, hi, tz, s)
           + review_reminders(st, lo, hi, tz, s) + rescue_check_reminders(st, lo, hi, s))
    return sorted(out, key=lambda r: (r.at, r.key))


def in_quiet_hours(at: datetime, tz: tzinfo, s: RemindSettings) -> bool:
    """Whether a moment falls in the quiet hours (a window may cross midnight)."""
    if s.quiet_start is None or s.quiet_end is None or s.quiet_start == s.quiet_end:
        return False
    t = at.astimezone(tz).time()
    if s.quiet_start < s.quiet_end:
        return s.quiet_start <= t < s.quiet_end
    return t >= s.quiet_start or t < s.quiet_end


@dataclass
class Decision:
    send: list[Reminder]       # each on its own (a summary included)
    quiet: bool = False        # now is in quiet hours: held until they end


def decide(due: list[Reminder], already: set[str], now: datetime, tz: tzinfo, s: RemindSettings) -> Decision:
    """What to send now of the reminders ``due`` (from ``due_between`` up to now), given the
    keys already sent (``already``): fresh ones one by one, the missed ones as one summary,
    nothing in quiet hours but warning signs."""
    todo = [r for r in due if r.key not in already]
    quiet = in_quiet_hours(now, tz, s)
    urgent = [r for r in todo if r.kind == "warning"]
    if quiet:
        return Decision(urgent, quiet=True)
    rest = [r for r in todo if r.kind != "warning"]
    fresh = [r for r in rest if r.at > now - FRESH]
    missed = [r for r in rest if r.at <= now - FRESH]
    send = urgent + fresh
    if missed:
        stamp = now.astimezone(timezone.utc).replace(second=0, microsecond=0)
        send.append(Reminder(f"summary:{stamp.isoformat()}", "summary", now, covers=tuple(missed)))
    return Decision(send)


def window(now: datetime, first_run: datetime | None) -> tuple[datetime, datetime]:
    """The span reminders are looked for in: back to the first run (nothing from before
    reminders were set up), at most LOOKBACK."""
    lo = now - LOOKBACK
    return (max(lo, first_run) if first_run else now - FRESH), now


def next_wake(st: RemindState, now: datetime, tz: tzinfo, s: RemindSettings,
              longest: timedelta = timedelta(minutes=5)) -> datetime:
    """When `remind --watch` looks again: the next due reminder, at most ``longest`` away (a
    dose ticked or a rescue dose taken meanwhile changes what is due)."""
    ahead = [r.at for r in due_between(st, now + timedelta(seconds=1), now + longest, tz, s)]
    end = now + longest
    if s.quiet_end is not None and in_quiet_hours(now, tz, s):
        q = _local_at(now.astimezone(tz).date(), s.quiet_end, tz)
        end = min(end, q if q > now else q + timedelta(days=1))
    return min(ahead + [end])


# -- the words ----------------------------------------------------------------------------------------
# Private by default: a time and what kind of thing, never the drug, the treatment or the sign;
# a channel with details on names them.
def _hm(at: datetime | None, tz: tzinfo) -> str:
    return f"{at.astimezone(tz):%H:%M}" if at else ""


def _one_line(r: Reminder, tz: tzinfo, details: bool) -> str:
    what = r.name if details and r.name else None
    if r.kind == "dose":
        return f"{what or 'a dose'} is due at {_hm(r.due_at, tz)}"
    if r.kind == "dose_again":
        return f"the {_hm(r.due_at, tz)} dose{' of ' + what if what else ''} is not ticked yet"
    if r.kind == "day_before":
        day = r.due_at.astimezone(tz) if r.due_at else None
        return f"{what or 'a planned treatment'} is due tomorrow{f', {day:%a %-d %b}' if day else ''}"
    if r.kind == "review":
        return "time for today's review"
    if r.kind == "rescue_check":
        dose = f" after the {what} at {_hm(r.due_at, tz)}" if what else ""
        return f"how is the pain now{dose}? painboard relief {r.record_id} SCORE"
    if r.kind == "warning":
        return f"a warning sign is not reported to your care team yet{': ' + what if what else ''}"
    return r.kind


def message(r: Reminder, tz: tzinfo, details: bool = False) -> str:
    """The one line a channel sends: 'painboard: a dose is due at 20:00'."""
    if r.kind != "summary":
        return f"painboard: {_one_line(r, tz, details)}"
    parts = [_missed_line(c, tz, details) for c in r.covers if c.kind != "dose_again"
             or not any(o.kind == "dose" and o.item_id == c.item_id and o.due_at == c.due_at for o in r.covers)]
    return f"painboard: missed while you were away ({len(parts)}): " + "; ".join(parts)


def _missed_line(r: Reminder, tz: tzinfo, details: bool) -> str:
    """One missed reminder in a summary, in the past, with its day."""
    when = f"{r.due_at.astimezone(tz):%a %-d %b %H:%M}" if r.due_at else ""
    what = r.name if details and r.name else None
    if r.kind in ("dose", "dose_again"):
        return f"{what or 'a dose'} due {when}, not ticked"
    if r.kind == "review":
        return f"the review of {r.due_at.astimezone(tz):%a %-d %b}" if r.due_at else "a review"
    return _one_line(r, tz, details)
