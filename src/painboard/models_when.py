"""Times and days as the person types them ('yesterday 14:30', '7d'), read in their own zone.
Re-exported from painboard.models."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from painboard.clock import utcnow
from painboard.errors import BadInput
from painboard.models_base import EARLIEST, FIRST_DAY, FUTURE_SLACK, LAST_DAY


def parse_when(text: str | None, tz: tzinfo, now: datetime | None = None,
               field: str = "at") -> datetime:
    """'now', '14:30' (today), 'yesterday 14:30', or ISO 8601; naive means local time."""
    now = now or utcnow()
    if text is None or str(text).strip().lower() in ("", "now"):
        return now
    t = str(text).strip()
    local_now = now.astimezone(tz)
    m = re.fullmatch(r"(?:(yesterday|today)\s+)?(\d{1,2}):(\d{2})", t, re.I)
    if m:
        hh, mm = int(m.group(2)), int(m.group(3))
        if hh > 23 or mm > 59:
            raise BadInput(f"{t!r} is not a time of day", field=field)
        day = local_now.date() - timedelta(days=1 if (m.group(1) or "").lower() == "yesterday" else 0)
        dt = local_time(datetime.combine(day, time(hh, mm)), tz, t, field)
    else:
        try:
            dt = datetime.fromisoformat(t.replace(" ", "T", 1) if re.match(r"\d{4}-\d\d-\d\d \d", t) else t)
        except ValueError:
            raise BadInput(f"{t!r} is not a time: use 14:30, 'yesterday 14:30' or ISO 8601 like 2026-11-28T14:30",
                           field=field) from None
        if dt.tzinfo is None:
            dt = local_time(dt, tz, t, field)
    try:
        dt = dt.astimezone(timezone.utc)
    except OverflowError:
        dt = EARLIEST - timedelta(days=1) if dt.year < 2000 else datetime.max.replace(tzinfo=timezone.utc)
    if dt > now + FUTURE_SLACK:
        raise BadInput(f"{t!r} is in the future", field=field)
    if dt < EARLIEST:
        raise BadInput(f"{t!r} is before {EARLIEST:%Y}: not a plausible time", field=field)
    return dt


def local_time(naive: datetime, tz: tzinfo, text: str = "", field: str = "at") -> datetime:
    """A wall-clock time in ``tz``; one the clocks skipped or showed twice is refused, with how
    to say it (PEP 495: fold 0 and fold 1 give different offsets exactly then)."""
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    try:
        a, b = first.utcoffset(), second.utcoffset()
    except OverflowError:
        return first
    if a == b:
        return first
    name = getattr(tz, "key", None) or str(tz)
    shown = text or f"{naive:%Y-%m-%d %H:%M}"
    if a is not None and b is not None and a > b:  # fold 0 has the earlier (summer) offset: shown twice
        raise BadInput(f"{shown!r} happened twice in {name} (the clocks went back): add the offset, "
                       f"{naive:%Y-%m-%dT%H:%M}{_offset(a)} for the first or {_offset(b)} for the second",
                       field=field)
    after = first.astimezone(timezone.utc).astimezone(tz)
    raise BadInput(f"{shown!r} did not exist in {name} (the clocks went forward): the clock then "
                   f"read {after:%H:%M}; give that time", field=field)


def _offset(d: timedelta | None) -> str:
    mins = int((d or timedelta(0)).total_seconds() // 60)
    sign = "+" if mins >= 0 else "-"
    return f"{sign}{abs(mins) // 60:02d}:{abs(mins) % 60:02d}"


def parse_day(text: str | None, tz: tzinfo, now: datetime | None = None, field: str = "since",
              period: bool = False) -> date:
    """A local date within the plausibility window (FIRST_DAY to LAST_DAY); see _parse_day."""
    try:
        d = _parse_day(text, tz, now, field, period)
    except OverflowError:
        d = None
    if d is None or not FIRST_DAY <= d <= LAST_DAY:
        raise BadInput(f"{text!r} is outside {FIRST_DAY:%Y} to {LAST_DAY:%Y}: not a plausible date",
                       field=field)
    return d


def _parse_day(text: str | None, tz: tzinfo, now: datetime | None = None, field: str = "since",
               period: bool = False) -> date:
    """A local date: ISO date, 'today', 'yesterday', or a span back: '7d', '2w', '3m', '1y'.

    A span is counted back from today; with ``period`` (a --since) it is the first day of a
    period of that length ending today, so '7d' covers 7 days, today included, as the
    dashboard's ranges do."""
    now = now or utcnow()
    today = now.astimezone(tz).date()
    if text is None or str(text).strip().lower() in ("", "today"):
        return today
    t = str(text).strip().lower()
    if t == "yesterday":
        return today - timedelta(days=1)
    m = re.fullmatch(r"(\d+)\s*(d|w|m|y)", t)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        if unit in "dw":
            back = today - timedelta(days=n * (7 if unit == "w" else 1))
        else:
            from painboard.figures.days import add_months

            try:
                back = add_months(today, -n * (12 if unit == "y" else 1))
            except ValueError:  # before year 1
                raise BadInput(f"{text!r} reaches back too far", field=field) from None
        return back + timedelta(days=1) if period else back
    try:
        return date.fromisoformat(t)
    except ValueError:
        raise BadInput(f"{text!r} is not a date: use 2026-11-01, 'yesterday', or a span like "
                       f"7d, 2w, 3m, 1y", field=field) from None

