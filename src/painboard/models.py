"""Domain records and their validation. Messages are written for the person typing."""

from __future__ import annotations

import calendar
import json
import math
import re
import unicodedata
import uuid
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator


from painboard.errors import BadInput
from painboard.kinds import CATEGORIES, RECORD_KINDS  # noqa: F401  (RECORD_KINDS re-exported)
from painboard.recurrence import MAX_ACTIVE_ITEMS, MAX_PLAN_DUE_PER_DAY, Recurrence, RuleError

# The plausibility window for times, one rule for every face and importer. An event (an
# entry, an episode, a dose) lies between EARLIEST and a few minutes from now (clock skew
# between machines); a day (a review, --since/--until, a plan's dates) between FIRST_DAY and
# LAST_DAY. Far dates also overflow date arithmetic in zones east of UTC.
FUTURE_SLACK = timedelta(minutes=5)
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
# Longest free text (a note): enough for any note, small enough that a pasted file is refused.
MAX_TEXT = 10_000
MAX_TERM = 200  # one site, quality or trigger
MAX_PER_DAY = 100  # an as-needed item's daily maximum
MAX_SESSIONS = 1000  # a course's sessions

KNOWN_SITES = (
    "left hip", "right hip", "pelvis", "lower back", "upper back", "neck", "ribs",
    "sternum", "left femur", "right femur", "left shoulder", "right shoulder", "skull",
    "left arm", "right arm", "left leg", "right leg", "sacrum", "spine",
)
KNOWN_QUALITIES = (
    "aching", "burning", "stabbing", "throbbing", "sharp", "dull", "shooting", "gnawing",
    "tender", "cramping", "electric", "pressing",
)
SITE_ALIASES = {"l hip": "left hip", "r hip": "right hip", "low back": "lower back",
                "lumbar": "lower back", "thoracic": "upper back"}
QUALITY_ALIASES = {"ache": "aching", "achy": "aching", "burn": "burning", "stab": "stabbing",
                   "throb": "throbbing", "shock": "electric", "electric shock": "electric"}

Pattern = Literal["constant", "intermittent", "on movement"]
EpisodeType = Literal["spontaneous", "incident volitional", "incident non-volitional",
                      "procedural", "end of dose"]
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
ItemKind = Literal["scheduled", "as_needed", "once", "course"]
ItemStatus = Literal["active", "stopped", "completed"]
EventStatus = Literal["taken", "skipped", "done", "missed"]

# Our own wording for the seven interference domains (the questionnaire they resemble is licensed; see docs/clinical.md).
INTERFERENCE_DOMAINS: dict[str, str] = {
    "activity": "Getting on with things in general",
    "mood": "Your mood",
    "walking": "Walking and getting about",
    "work": "Work, including jobs around the home",
    "relations": "Time with other people",
    "sleep": "Sleep",
    "enjoyment": "Enjoying life",
}


def new_key() -> str:
    return uuid.uuid4().hex


def _frozen_from_env() -> datetime | None:
    # For reproducible screenshots and tests: PAINBOARD_NOW=2026-11-28T14:05:00+00:00
    import os

    text = os.environ.get("PAINBOARD_NOW")
    try:
        return datetime.fromisoformat(text).astimezone(timezone.utc) if text else None
    except ValueError:
        return None  # Settings.load refuses it with a message (config.check_clock_override)


_frozen: datetime | None = _frozen_from_env()


def freeze_clock(at: datetime | None) -> None:
    """Make utcnow() answer ``at`` (None: the real clock again)."""
    global _frozen
    _frozen = at.astimezone(timezone.utc) if at else None


def utcnow() -> datetime:
    """The one clock every layer reads."""
    return _frozen or datetime.now(timezone.utc)


def _norm_terms(values: Any, aliases: dict[str, str]) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)):
        raise ValueError("must be text or a list of text")
    out: list[str] = []
    for v in values:
        for part in str(v).split(","):
            t = " ".join(part.strip().lower().split())
            if len(t) > MAX_TERM:
                raise ValueError(f"{t[:20]!r}... is longer than {MAX_TERM} characters")
            t = aliases.get(t, t)
            if t and t not in out:
                out.append(t)
    return out


def _text(v: Any) -> str | None:
    if v is None:
        return None
    t = str(v).strip()
    if len(t) > MAX_TEXT:
        raise ValueError(f"is {len(t):,} characters long; painboard keeps at most {MAX_TEXT:,}")
    return t or None


def finite(v: Any) -> Any:
    """A number that is a number: NaN and infinity are refused (they are not JSON either)."""
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError(f"must be a number (got {v})")
    return v


def _score(v: Any, name: str = "score") -> int | None:
    """A 0-10 whole number, from an int or its text; never a fraction or a bool."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        raise ValueError("must be a whole number from 0 to 10")
    if isinstance(v, float):
        if not v.is_integer():
            raise ValueError(f"must be a whole number from 0 to 10 (got {v:g})")
        v = int(v)
    if isinstance(v, str):
        if not re.fullmatch(r"\s*-?\d+\s*", v):
            raise ValueError(f"must be a whole number from 0 to 10 (got {v!r})")
        v = int(v)
    if not isinstance(v, int):
        raise ValueError("must be a whole number from 0 to 10")
    if not 0 <= v <= 10:
        raise ValueError(f"must be a whole number from 0 to 10 (got {v})")
    return v


def _aware(v: Any) -> Any:
    if isinstance(v, datetime) and v.tzinfo is None:
        raise ValueError("needs a time zone")
    if isinstance(v, datetime):
        try:
            v = v.astimezone(timezone.utc)
        except OverflowError:
            raise ValueError(f"{v.isoformat()} is not a plausible time") from None
        if v < EARLIEST:
            raise ValueError(f"is before {EARLIEST:%Y}: not a plausible time")
    return v


def plausible_day(v: Any) -> Any:
    if isinstance(v, date) and not FIRST_DAY <= v <= LAST_DAY:
        raise ValueError(f"{v.isoformat()} is outside {FIRST_DAY:%Y} to {LAST_DAY:%Y}")
    return v


def _not_future(v: datetime | None) -> datetime | None:
    if v is not None and v > utcnow() + FUTURE_SLACK:
        raise ValueError("is in the future")
    return v


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    @classmethod
    def build(cls, **data: Any):
        """Validate, turning pydantic's error into one BadInput naming the field."""
        try:
            return cls(**data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or None
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "is not a known field"
            m = re.fullmatch(r"(\w+): (.*)", msg)
            if not loc and m:
                loc, msg = m.group(1), m.group(2)
            raise BadInput(msg, field=loc) from None


class PainEntry(Record):
    id: int | None = None
    occurred_at: datetime
    recorded_at: datetime = Field(default_factory=utcnow)
    intensity: int
    sites: list[str] = []
    qualities: list[str] = []
    pattern: Pattern | None = None
    activity: str | None = None
    worse: list[str] = []
    better: list[str] = []
    duration_min: int | None = None
    note: str | None = None
    source: str = "manual"
    derived: bool = False
    original_level: str | None = None
    key: str = Field(default_factory=new_key)

    _intensity = field_validator("intensity", mode="before")(lambda v: _score(v))
    _at = field_validator("occurred_at", "recorded_at", mode="after")(_aware)
    _sites = field_validator("sites", mode="before")(lambda v: _norm_terms(v, SITE_ALIASES))
    _qual = field_validator("qualities", mode="before")(lambda v: _norm_terms(v, QUALITY_ALIASES))
    _lists = field_validator("worse", "better", mode="before")(lambda v: _norm_terms(v, {}))
    _texts = field_validator("activity", "note", mode="before")(_text)

    @field_validator("occurred_at", mode="after")
    @classmethod
    def _at_not_future(cls, v: datetime) -> datetime:
        return _not_future(v)

    @field_validator("duration_min", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> int | None:
        return minutes_of(v)

    @field_validator("pattern", mode="before")
    @classmethod
    def _pattern(cls, v: Any) -> Any:
        v = _text(v)
        return v.lower().replace("_", " ") if v else None


def minutes_of(v: Any) -> int | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        raise ValueError("must be a number of minutes")
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"must be a number of minutes (got {v!r})") from None
    if not math.isfinite(f):
        raise ValueError(f"must be a number of minutes (got {v!r})")
    if f < 0:
        raise ValueError("cannot be negative")
    if f > 7 * 24 * 60:
        raise ValueError("is longer than a week")
    return round(f)


class Episode(Record):
    """A breakthrough episode: a flare on top of background pain."""

    id: int | None = None
    onset: datetime
    peak_at: datetime | None = None
    end_at: datetime | None = None
    peak: int
    background: int | None = None
    type: EpisodeType | None = None
    trigger: str | None = None
    site: str | None = None
    quality: str | None = None
    rescue_event_id: int | None = None
    relief_min: int | None = None
    activity_abandoned: bool | None = None
    note: str | None = None
    recorded_at: datetime = Field(default_factory=utcnow)
    source: str = "manual"
    key: str = Field(default_factory=new_key)

    _scores = field_validator("peak", "background", mode="before")(lambda v: _score(v))
    _times = field_validator("onset", "peak_at", "end_at", "recorded_at", mode="after")(_aware)
    _texts = field_validator("trigger", "note", mode="before")(_text)
    _relief = field_validator("relief_min", mode="before")(lambda v: minutes_of(v))

    @field_validator("onset", mode="after")
    @classmethod
    def _onset_not_future(cls, v: datetime) -> datetime:
        return _not_future(v)

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, v: Any) -> Any:
        v = _text(v)
        return v.lower().replace("_", " ").replace("-", " ").replace("non volitional", "non-volitional") if v else None

    @field_validator("site", mode="before")
    @classmethod
    def _site(cls, v: Any) -> Any:
        t = _norm_terms(v, SITE_ALIASES)
        return t[0] if t else None

    @field_validator("quality", mode="before")
    @classmethod
    def _quality(cls, v: Any) -> Any:
        t = _norm_terms(v, QUALITY_ALIASES)
        return t[0] if t else None

    @model_validator(mode="after")
    def _order(self) -> "Episode":
        if self.end_at is not None and self.end_at < self.onset:
            raise ValueError("end: is before the onset")
        if self.peak_at is not None and self.peak_at < self.onset:
            raise ValueError("peak_at: is before the onset")
        if self.peak_at is not None and self.end_at is not None and self.peak_at > self.end_at:
            raise ValueError("peak_at: is after the end")
        if self.background is not None and self.background > self.peak:
            raise ValueError("background: is higher than the peak")
        return self

    @property
    def duration_min(self) -> int | None:
        if self.end_at is None:
            return None
        return round((self.end_at - self.onset).total_seconds() / 60)


class DailyReview(Record):
    day: date
    worst: int | None = None
    least: int | None = None
    average: int | None = None
    now: int | None = None
    relief_pct: int | None = None
    interference: dict[str, int | None] = {}
    note: str | None = None
    recorded_at: datetime = Field(default_factory=utcnow)

    _scores = field_validator("worst", "least", "average", "now", mode="before")(lambda v: _score(v))
    _note = field_validator("note", mode="before")(_text)
    _day = field_validator("day", mode="after")(plausible_day)

    @field_validator("relief_pct", mode="before")
    @classmethod
    def _relief(cls, v: Any) -> int | None:
        if v is None or v == "":
            return None
        try:
            n = int(str(v).strip().rstrip("%"))
        except ValueError:
            raise ValueError(f"must be a percentage from 0 to 100 (got {v!r})") from None
        if not 0 <= n <= 100 or n % 10:
            raise ValueError(f"must be 0 to 100 in steps of 10 (got {n})")
        return n

    @field_validator("interference", mode="before")
    @classmethod
    def _interference(cls, v: Any) -> dict[str, int | None]:
        v = v or {}
        out: dict[str, int | None] = {}
        for k, val in dict(v).items():
            if k not in INTERFERENCE_DOMAINS:
                raise ValueError(f"{k!r} is not one of {', '.join(INTERFERENCE_DOMAINS)}")
            try:
                out[k] = _score(val)
            except ValueError as e:
                raise ValueError(f"{k} {e}") from None
        return out

    @model_validator(mode="after")
    def _consistent(self) -> "DailyReview":
        if self.least is not None and self.worst is not None and self.least > self.worst:
            raise ValueError("least: is higher than worst")
        if self.day > (utcnow() + timedelta(days=1)).date():
            raise ValueError("day: is in the future")
        return self


class PlanItem(Record):
    id: int | None = None
    category: Category
    name: str
    dose: float | None = None
    unit: str | None = None
    route: str | None = None
    kind: ItemKind
    rrule: str | None = None
    max_per_day: int | None = None
    on_date: date | None = None
    sessions: int | None = None
    start_date: date
    end_date: date | None = None
    status: ItemStatus = "active"
    mme_factor: float | None = None
    note: str | None = None
    strength: str | None = None  # for a liquid or a tablet: '10 mg/5 ml', '5 mg' (one unit)
    _unreadable: str | None = PrivateAttr(default=None)  # see from_row

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, v: Any) -> Any:
        t = _text(v)
        if not t:
            raise ValueError("is empty")
        return t

    _days = field_validator("on_date", "start_date", "end_date", mode="after")(plausible_day)
    _note = field_validator("note", "unit", "route", mode="before")(_text)

    @field_validator("dose", "mme_factor")
    @classmethod
    def _positive(cls, v: float | None) -> float | None:
        finite(v)
        if v is not None and v <= 0:
            raise ValueError("must be more than 0")
        return v

    @field_validator("max_per_day", "sessions")
    @classmethod
    def _count(cls, v: int | None, info) -> int | None:
        if v is not None and v < 1:
            raise ValueError("must be at least 1")
        most = MAX_PER_DAY if info.field_name == "max_per_day" else MAX_SESSIONS
        if v is not None and v > most:
            raise ValueError(f"must be at most {most}")
        return v

    @field_validator("rrule", mode="before")
    @classmethod
    def _rrule(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        try:
            return Recurrence.parse(v).text()  # stored in the one canonical form
        except RuleError as e:
            raise ValueError(f"is not a plain RFC 5545 recurrence rule: {e}") from None

    @model_validator(mode="after")
    def _by_kind(self) -> "PlanItem":
        if self.rrule:
            problem = Recurrence.parse(self.rrule).problem(self.start_date)  # parsed: canonical
            if problem:
                raise ValueError(f"rrule: {problem}")
        if self.kind == "scheduled" and not self.rrule:
            raise ValueError("rrule: a scheduled item needs a recurrence rule (for example FREQ=DAILY;BYHOUR=8,20)")
        if self.kind == "once" and self.on_date is None:
            raise ValueError("on_date: a one-off item needs a date")
        if self.kind == "course" and not self.sessions:
            raise ValueError("sessions: a course needs a number of sessions")
        if self.kind == "course" and not self.rrule:
            raise ValueError("rrule: a course needs a schedule for its sessions (for example FREQ=DAILY;BYHOUR=10)")
        if self.kind in ("as_needed", "once") and self.rrule:
            what = "an as-needed item" if self.kind == "as_needed" else "a one-off item"
            raise ValueError(f"rrule: {what} has no recurrence rule")
        if self.max_per_day is not None and self.kind != "as_needed":
            raise ValueError("max_per_day: only as-needed items have a daily maximum")
        if self.on_date is not None and self.kind != "once":
            raise ValueError("on_date: only a one-off item has a single date")
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date: is before the start date")
        return self

    def label(self) -> str:
        dose = ""
        if self.dose is not None:
            dose = f" {self.dose:g}{(' ' + self.unit) if self.unit else ''}"
        return f"{self.name}{dose}"

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "PlanItem":
        """A stored plan item. One whose schedule cannot be read (stored by an older version or
        written into the file by hand) loads with the reason kept: it has no due times and
        shows as an error line of its own, and every other read goes on."""
        try:
            return cls(**row)
        except ValidationError as exc:
            if not any(e["loc"] == ("rrule",) or "rrule:" in e["msg"] for e in exc.errors()):
                raise
            item = cls.model_construct(**row)
            reason = exc.errors()[0]["msg"].removeprefix("Value error, ").removeprefix("rrule: ")
            item._unreadable = reason.removeprefix("is not a plain RFC 5545 recurrence rule: ")
            return item

    @property
    def schedule_problem(self) -> str | None:
        """Why a stored item's schedule cannot be read (None for every item that passed validation)."""
        return self._unreadable

    def _recurrence(self, near: datetime | None = None):
        """The item's recurrence from its start date (local, naive); a course stops after its sessions."""
        if not self.rrule or self._unreadable:
            return None
        rec = Recurrence.parse(self.rrule)
        if rec.problem(self.start_date):
            return None
        return rec.rule(self.start_date, near=near,
                        count=self.sessions if self.kind == "course" else None)

    def occurrences(self, day_start: datetime, day_end: datetime, tz: tzinfo) -> list[datetime]:
        """Due times in [day_start, day_end) for scheduled and course items, as aware UTC."""
        if self.kind == "once":
            d = datetime.combine(self.on_date, time(0), tz)  # type: ignore[arg-type]
            return [d.astimezone(timezone.utc)] if day_start <= d < day_end else []
        lo = day_start.astimezone(tz).replace(tzinfo=None)
        hi = day_end.astimezone(tz).replace(tzinfo=None)
        rule = self._recurrence(near=lo)
        if rule is None:
            return []
        until = datetime.combine(self.end_date, time(23, 59, 59)) if self.end_date else None
        out = []
        for t in rule.between(lo, hi, inc=True):
            if t == hi or (until and t > until):
                continue
            out.append(t.replace(tzinfo=tz).astimezone(timezone.utc))
        return out

    def next_due(self, after: datetime, tz: tzinfo) -> datetime | None:
        """The first due time at or after ``after``."""
        if self.kind == "once":
            d = datetime.combine(self.on_date, time(0), tz)  # type: ignore[arg-type]
            return d.astimezone(timezone.utc)
        near = after.astimezone(tz).replace(tzinfo=None)
        rule = self._recurrence(near=near)
        if rule is None:
            return None
        t = rule.after(near, inc=True)
        if t is None or (self.end_date and t.date() > self.end_date):
            return None
        return t.replace(tzinfo=tz).astimezone(timezone.utc)


def same_words(text: str | None) -> str:
    """Text as it reads, for comparing names: compatibility forms folded (NFKC: 'Ｍ' is 'M'),
    invisible format characters dropped (zero-width, bidi: Unicode category Cf), case folded,
    runs of white space one space."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Cf")
    return " ".join(unicodedata.normalize("NFKC", s.casefold()).split())


def plan_size_problem(items: list[PlanItem], stored: bool = False) -> str | None:
    """Why a plan of these items is beyond painboard's plan limits, or None (the active items
    count; a scheduled item or course counts the most due times its rule allows in a day).
    stored: said of the plan as it is (painboard check), not as it would be."""
    active = [it for it in items if it.status == "active"]
    hold, have = ("holds", "has") if stored else ("would hold", "would have")
    if len(active) > MAX_ACTIVE_ITEMS:
        return (f"the plan {hold} {len(active)} active items; painboard keeps at most "
                f"{MAX_ACTIVE_ITEMS} active items (stop items no longer in use with 'painboard plan stop')")
    due = sum(Recurrence.parse(it.rrule).most_per_day(it.start_date) for it in active
              if it.rrule and not it.schedule_problem)
    if due > MAX_PLAN_DUE_PER_DAY:
        return (f"the plan {have} up to {due} due times a day; painboard keeps at most "
                f"{MAX_PLAN_DUE_PER_DAY} across the active items")
    return None


class PlanEvent(Record):
    id: int | None = None
    item_id: int
    due_at: datetime | None = None
    done_at: datetime = Field(default_factory=utcnow)
    status: EventStatus = "taken"
    amount: float | None = None
    note: str | None = None
    episode_id: int | None = None
    source: str = "manual"
    key: str = Field(default_factory=new_key)

    _times = field_validator("due_at", "done_at", mode="after")(_aware)
    _note = field_validator("note", mode="before")(_text)

    @field_validator("done_at", mode="after")
    @classmethod
    def _done_not_future(cls, v: datetime) -> datetime:
        return _not_future(v)

    @field_validator("amount")
    @classmethod
    def _amount(cls, v: float | None) -> float | None:
        finite(v)
        if v is not None and v < 0:
            raise ValueError("cannot be negative")
        return v


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
            months = n * (12 if unit == "y" else 1)
            y, mo = divmod(today.year * 12 + today.month - 1 - months, 12)
            mo += 1
            last = calendar.monthrange(y, mo)[1] if y >= 1 else 1
            if y < 1:
                raise BadInput(f"{text!r} reaches back too far", field=field)
            back = date(y, mo, min(today.day, last))
        return back + timedelta(days=1) if period else back
    try:
        return date.fromisoformat(t)
    except ValueError:
        raise BadInput(f"{text!r} is not a date: use 2026-11-01, 'yesterday', or a span like "
                       f"7d, 2w, 3m, 1y", field=field) from None


def load_opioid_factors() -> dict[str, float]:
    raw = resources.files("painboard").joinpath("data/opioid_factors.json").read_text()
    return {k: float(v) for k, v in json.loads(raw)["factors"].items()}
