"""The treatment plan's records: a plan item with its schedule, the plan's limits, a dose
or session done. Re-exported from painboard.models."""

from __future__ import annotations

from datetime import date, datetime, time, timezone, tzinfo
from typing import Any

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from painboard.clock import utcnow
from painboard.models_base import (MAX_PER_DAY, MAX_SESSIONS, Category, EventStatus, ItemKind, ItemStatus, Record,
                                   _aware, _not_future, _text, finite, new_key, plausible_day)
from painboard.recurrence import MAX_ACTIVE_ITEMS, MAX_PLAN_DUE_PER_DAY, Recurrence, RuleError


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

