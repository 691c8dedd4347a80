"""A plan item's recurrence rule (the value of an RFC 5545 RRULE), parsed once into one checked
structure: every face and importer parses a rule here, every reader uses the parsed parts.

Only a plain rule is a rule: ``FREQ=DAILY;BYHOUR=8,20``. A DTSTART, RDATE, EXDATE or EXRULE of
its own, a second line, an unknown part or a value out of range is refused with a message
saying which. The dateutil rule is built from these fields with painboard's own start (the
plan item's start date) alone, so no text can move the start or add dates. Standard library
and dateutil (imported when a rule is built) only: a bottom layer that models, figures,
the read model and exporters all import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice

MAX_RULE_TEXT = 300  # "FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=8,12,16,20;BYMINUTE=30" is 55
MAX_INTERVAL = 1000
MAX_COUNT = 1000  # as a course's sessions: a rule with COUNT is walked from its start
FIRST_YEAR, LAST_YEAR = 1900, 2199  # as a plan's dates (models.FIRST_DAY, LAST_DAY)
MAX_DUE_PER_DAY = 24  # due times one item may have in a day
# A plan's size (README, "Plan limits"): at most so many active items and due times a day across
# them, so that what one refresh of the checklist computes stays bounded. A plan beyond them
# (stored by an older version or a hand-edited file) still reads: the checklist computes at most
# MAX_PLAN_DUE_PER_DAY due times, then one line says what it left out.
MAX_ACTIVE_ITEMS = 100
MAX_PLAN_DUE_PER_DAY = 200
RRULE_HORIZON_DAYS = 2 * 366  # a plan's rule must occur within two years of its start

FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Number lists: (least, most, may be negative from the end).
_NUMBERS = {"BYMONTH": (1, 12, False), "BYWEEKNO": (1, 53, True), "BYYEARDAY": (1, 366, True),
            "BYMONTHDAY": (1, 31, True), "BYHOUR": (0, 23, False), "BYMINUTE": (0, 59, False),
            "BYSECOND": (0, 59, False), "BYSETPOS": (1, 366, True)}
KEYS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY",
        "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND", "BYSETPOS", "WKST")
_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=;,+-")
_OTHER_PROPERTIES = ("DTSTART", "RDATE", "EXDATE", "EXRULE", "RRULE", "DTEND", "DURATION", "TZID")
EXAMPLE = "FREQ=DAILY;BYHOUR=8,20"
UNREADABLE = "this item's schedule cannot be read:"  # a stored item whose rule fails, wherever shown


class RuleError(ValueError):
    """Why a text is not a plan's recurrence rule (the message is for the person who typed it)."""


def _shown(text: str) -> str:
    return repr(text if len(text) <= 30 else text[:30] + "…")


def _int(key: str, value: str, least: int, most: int, signed: bool = False) -> int:
    digits = value[1:] if signed and value[:1] in "+-" else value
    if not digits.isdigit() or not digits.isascii() or len(digits) > 4:
        raise RuleError(f"{key}: {_shown(value)} is not a whole number")
    n = int(digits) * (-1 if value.startswith("-") else 1)
    if not least <= abs(n) <= most or (n < 0 and not signed):
        span = f"{least} to {most}" + (f" (or -{most} to -1, counted from the end)" if signed else "")
        raise RuleError(f"{key}: {n} is outside {span}")
    return n


def _until(value: str) -> datetime:
    if value.endswith("Z"):
        raise RuleError("UNTIL: give a local date like 20250131 (or 20250131T200000), without Z")
    try:
        if len(value) == 8:
            t = datetime.strptime(value, "%Y%m%d")
        elif len(value) == 15 and value[8] == "T":
            t = datetime.strptime(value, "%Y%m%dT%H%M%S")
        else:
            raise ValueError
    except ValueError:
        raise RuleError(f"UNTIL: {_shown(value)} is not a date like 20250131 or 20250131T200000") from None
    if not FIRST_YEAR <= t.year <= LAST_YEAR:
        raise RuleError(f"UNTIL: {t.year} is outside {FIRST_YEAR}-{LAST_YEAR}")
    return t


def _weekday(value: str) -> tuple[int, str]:
    day, nth = value[-2:], value[:-2]
    if day not in DAYS:
        raise RuleError(f"BYDAY: {_shown(value)} is not a day (MO, TU, WE, TH, FR, SA, SU, or 1MO, -1FR)")
    return (_int("BYDAY", nth, 1, 53, signed=True) if nth else 0), day


def _split(text: str) -> dict[str, str]:
    """The KEY=VALUE parts of a plain rule, refused unless it is one."""
    if not isinstance(text, str):
        raise RuleError("is not text")
    if len(text) > MAX_RULE_TEXT:
        raise RuleError(f"is {len(text)} characters long; a rule has at most {MAX_RULE_TEXT}")
    upper = text.strip().upper()
    body = upper.removeprefix("RRULE:")
    for word in _OTHER_PROPERTIES:
        if word in body:
            raise RuleError(f"holds {word}: give the rule alone, like {EXAMPLE}; the plan item's "
                            "start date is its start (no DTSTART, RDATE or EXDATE)")
    odd = next((c for c in body if c not in _CHARS), None)
    if odd is not None:
        what = "a second line" if odd in "\r\n" else repr(odd)
        raise RuleError(f"holds {what}, which a rule does not have (write it like {EXAMPLE})")
    parts: dict[str, str] = {}
    for part in body.split(";"):
        if not part:
            continue  # "FREQ=DAILY;" as typed
        key, eq, value = part.partition("=")
        if not eq or not value:
            raise RuleError(f"{_shown(part)} is not KEY=VALUE (like {EXAMPLE})")
        if key not in KEYS:
            raise RuleError(f"{_shown(key)} is not a part of a recurrence rule ({', '.join(KEYS)})")
        if key in parts:
            raise RuleError(f"{key} is given twice")
        parts[key] = value
    if "FREQ" not in parts:
        raise RuleError(f"has no FREQ (write it like {EXAMPLE})")
    return parts


@dataclass(frozen=True)
class Recurrence:
    """One checked recurrence rule. Number lists are sorted without repeats (they are sets)."""

    freq: str
    interval: int = 1
    count: int | None = None
    until: datetime | None = None  # local, naive, as the plan's times
    bymonth: tuple[int, ...] = ()
    byweekno: tuple[int, ...] = ()
    byyearday: tuple[int, ...] = ()
    bymonthday: tuple[int, ...] = ()
    byday: tuple[tuple[int, str], ...] = ()  # (nth or 0, day): (0, 'MO') is every Monday, (-1, 'FR') the last Friday
    byhour: tuple[int, ...] = ()
    byminute: tuple[int, ...] = ()
    bysecond: tuple[int, ...] = ()
    bysetpos: tuple[int, ...] = ()
    wkst: str | None = None

    @classmethod
    def parse(cls, text: str) -> "Recurrence":
        """The rule in ``text`` (an RRULE value, any case, 'RRULE:' allowed before it); RuleError if not."""
        if not isinstance(text, str):
            raise RuleError("is not text")  # a list or a number from a file: not hashed, not cached
        return _parse(text)

    def text(self) -> str:
        """The canonical text: parts in one order, upper case, lists sorted."""
        out = [f"FREQ={self.freq}"]
        if self.interval != 1:
            out.append(f"INTERVAL={self.interval}")
        if self.count is not None:
            out.append(f"COUNT={self.count}")
        if self.until is not None:
            out.append("UNTIL=" + self.until.strftime("%Y%m%d" if self.until.time() == time(0) else "%Y%m%dT%H%M%S"))
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.startswith("by") and value:
                shown = [f"{n or ''}{d}" for n, d in value] if f.name == "byday" else [str(n) for n in value]
                out.append(f"{f.name.upper()}={','.join(shown)}")
        if self.wkst:
            out.append(f"WKST={self.wkst}")
        return ";".join(out)

    def step(self) -> tuple[int, str]:
        """FREQ and INTERVAL as a step: FREQ=WEEKLY;INTERVAL=4 is (4, 'weeks')."""
        return self.interval, {"YEARLY": "years", "MONTHLY": "months", "WEEKLY": "weeks", "DAILY": "days",
                               "HOURLY": "hours", "MINUTELY": "minutes", "SECONDLY": "seconds"}[self.freq]

    def timed(self) -> bool:
        """Whether the rule gives times of day (else it gives days)."""
        return bool(self.byhour) or self.freq in ("HOURLY", "MINUTELY", "SECONDLY")

    def rule(self, start: date, *, near: datetime | None = None, count: int | None = None,
             until: datetime | None = None):
        """dateutil's rule from the plan item's start date (local midnight, naive). ``near``:
        the times wanted lie at or after it, so the walk may begin a whole number of the
        rule's steps later (the same times, found without walking from a start years ago)."""
        dtstart = datetime.combine(start, time(0))
        count = self.count or count
        if near is not None and count is None:
            dtstart = self._moved(dtstart, near)
        from dateutil import rrule as du  # here, not at the top: the first frame reads limits only

        return du.rrule(
            getattr(du, self.freq), dtstart=dtstart, interval=self.interval, count=count,
            until=until if until is not None else self.until,
            wkst=getattr(du, self.wkst) if self.wkst else None,
            bymonth=self.bymonth or None, byweekno=self.byweekno or None, byyearday=self.byyearday or None,
            bymonthday=self.bymonthday or None, byhour=self.byhour or None, byminute=self.byminute or None,
            bysecond=self.bysecond or None, bysetpos=self.bysetpos or None,
            byweekday=[getattr(du, d)(n) if n else getattr(du, d) for n, d in self.byday] or None)

    def _moved(self, dtstart: datetime, near: datetime) -> datetime:
        """dtstart moved on by whole steps of the rule, to at most a step or a cycle before near.
        Whole steps keep the rule's periods; the time of day, weekday, day and month that
        dateutil takes from dtstart stay the same (a month rule moves by whole years)."""
        step = {"HOURLY": timedelta(hours=self.interval), "DAILY": timedelta(days=self.interval),
                "WEEKLY": timedelta(weeks=self.interval)}.get(self.freq)
        if step is not None:
            k = (near - dtstart) // step - 1
            return dtstart + k * step if k > 0 else dtstart
        if self.freq not in ("MONTHLY", "YEARLY") or (dtstart.month, dtstart.day) == (2, 29):
            return dtstart
        years = self.interval // math.gcd(self.interval, 12) if self.freq == "MONTHLY" else self.interval
        k = (near.year - dtstart.year - 1) // years
        return dtstart.replace(year=dtstart.year + k * years) if k > 0 else dtstart

    def problem(self, start: date) -> str | None:
        """Why this rule cannot be a plan's schedule from ``start``, or None if it can."""
        return _guard(self, start)[0]

    def most_per_day(self, start: date) -> int:
        """The most due times the rule can give in a day (what its parts allow; walked for a
        rule whose parts allow more than a plan item may have, to give the exact number)."""
        return _guard(self, start)[1]


@lru_cache(maxsize=1024)
def _parse(text: str) -> Recurrence:
    parts = _split(text)
    freq = parts["FREQ"]
    if freq not in FREQS:
        raise RuleError(f"FREQ: {_shown(freq)} is not one of {', '.join(FREQS)}")
    kw: dict = {"freq": freq}
    if "INTERVAL" in parts:
        kw["interval"] = _int("INTERVAL", parts["INTERVAL"], 1, MAX_INTERVAL)
    if "COUNT" in parts:
        kw["count"] = _int("COUNT", parts["COUNT"], 1, MAX_COUNT)
    if "UNTIL" in parts:
        if "COUNT" in parts:
            raise RuleError("has both COUNT and UNTIL; give one")
        kw["until"] = _until(parts["UNTIL"])
    for key, (least, most, signed) in _NUMBERS.items():
        if key in parts:
            kw[key.lower()] = tuple(sorted({_int(key, v, least, most, signed) for v in parts[key].split(",")}))
    if "BYDAY" in parts:
        kw["byday"] = tuple(sorted({_weekday(v) for v in parts["BYDAY"].split(",")},
                                   key=lambda d: (d[0], DAYS.index(d[1]))))
    if "WKST" in parts:
        if parts["WKST"] not in DAYS:
            raise RuleError(f"WKST: {_shown(parts['WKST'])} is not a day (MO ... SU)")
        kw["wkst"] = parts["WKST"]
    _check_combination(freq, kw)
    return Recurrence(**kw)


def _check_combination(freq: str, kw: dict) -> None:
    """RFC 5545 3.3.10: parts that a FREQ does not take."""
    if any(n for n, _ in kw.get("byday", ())) and freq not in ("MONTHLY", "YEARLY"):
        raise RuleError("BYDAY: a numbered day (1MO, -1FR) needs FREQ=MONTHLY or FREQ=YEARLY")
    if kw.get("byweekno") and freq != "YEARLY":
        raise RuleError("BYWEEKNO needs FREQ=YEARLY")
    if kw.get("byyearday") and freq in ("DAILY", "WEEKLY", "MONTHLY"):
        raise RuleError(f"BYYEARDAY does not go with FREQ={freq}")
    if kw.get("bymonthday") and freq == "WEEKLY":
        raise RuleError("BYMONTHDAY does not go with FREQ=WEEKLY")
    if kw.get("bysetpos") and not any(kw.get(k.lower()) for k in _NUMBERS if k != "BYSETPOS") \
            and not kw.get("byday"):
        raise RuleError("BYSETPOS needs another BY part to choose from")


# The guard. dateutil looks for a rule's next time until year 9999 when there is none
# (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30 takes seconds, with FREQ=MINUTELY minutes), and
# FREQ=SECONDLY makes 86,400 due times a day: such a rule is refused when a plan item is added
# or imported, and an item already stored with one shows as an error line of its own.
@lru_cache(maxsize=1024)
def _guard(rec: Recurrence, start: date) -> tuple[str | None, int]:
    if rec.freq in ("SECONDLY", "MINUTELY"):
        return f"FREQ={rec.freq} is more often than any plan (at most {MAX_DUE_PER_DAY} times a day)", 0
    if len(rec.bysecond) > 1:
        return "BYSECOND with several values is more often than any plan", 0
    try:
        # The rule is tried on the same dates moved up by whole 400-year cycles (the Gregorian
        # calendar, weekdays included, repeats every 400 years): at most ~400 years are walked
        # for a rule that never occurs. COUNT is dropped: the first times and their rate stay.
        shift = 400 * ((datetime.max.year - 2 - start.year) // 400)
        moved = start.replace(year=start.year + shift)
        horizon = datetime.combine(moved, time(0)) + timedelta(days=RRULE_HORIZON_DAYS)
        if rec.until is not None:
            horizon = min(horizon, rec.until.replace(year=rec.until.year + shift))
        rule = _uncounted(rec).rule(moved, until=horizon)
        bound = _per_day_bound(rec)
        # Within the limit by its parts alone: only whether it occurs at all is walked for.
        if bound <= MAX_DUE_PER_DAY:
            most = bound if list(islice(rule, 1)) else 0
        else:
            most = _most_in_a_day(rule)
    except (ValueError, OverflowError) as e:
        return f"is not a usable recurrence rule ({e})", 0
    if not most:
        return "never occurs within two years of the start date (check BYMONTH, BYMONTHDAY, INTERVAL)", 0
    if most > MAX_DUE_PER_DAY:
        return f"occurs {most} times a day; a plan item has at most {MAX_DUE_PER_DAY}", most
    return None, most


def _per_day_bound(rec: Recurrence) -> int:
    """The most times a day the rule's parts allow: each day it falls on gets every
    BYHOUR x BYMINUTE x BYSECOND time (an HOURLY rule: its hours of the day instead)."""
    n = (len(rec.byminute) or 1) * (len(rec.bysecond) or 1)
    if rec.freq == "HOURLY":
        hours = -(-24 // rec.interval)
        return n * (min(len(rec.byhour), hours) if rec.byhour else hours)
    return n * (len(rec.byhour) or 1)


def _most_in_a_day(times) -> int:
    """The most times on one day; the walk stops at the end of the first day over the limit
    (FREQ=HOURLY;BYMINUTE=0,...,59 is not walked for two years)."""
    most, day, n = 0, None, 0
    for t in times:
        if t.date() != day:
            if n > MAX_DUE_PER_DAY:
                break
            day, n = t.date(), 0
        n += 1
        most = max(most, n)
    return most


def _uncounted(rec: Recurrence) -> Recurrence:
    from dataclasses import replace

    return replace(rec, count=None, until=None)
