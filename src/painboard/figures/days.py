"""Calendar arithmetic every layer may use: local days and months (standard library only)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta, timezone, tzinfo


def local_days(lo: datetime, hi: datetime, tz: tzinfo) -> list[date]:
    """The local days [lo, hi) touches."""
    first, last = lo.astimezone(tz).date(), (hi - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def add_months(d: date, n: int) -> date:
    """The same day ``n`` months later (earlier if negative), the month's last day if shorter."""
    y, m = divmod(d.month - 1 + n, 12)
    y, m = d.year + y, m + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def midnight(day: date, tz: tzinfo) -> datetime:
    """The UTC instant of local midnight at the start of ``day``."""
    return datetime.combine(day, time(0), tz).astimezone(timezone.utc)


def day_bounds(since: date, until: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at ``since`` and ``until`` (the local days [since, until))."""
    return midnight(since, tz), midnight(until, tz)
