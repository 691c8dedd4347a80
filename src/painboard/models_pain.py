"""The pain records: an entry, a breakthrough episode, a day's review. Re-exported from
painboard.models."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import Field, field_validator, model_validator

from painboard.clock import utcnow
from painboard.models_base import (INTERFERENCE_DOMAINS, QUALITY_ALIASES, SITE_ALIASES, EpisodeType, Pattern,
                                   Record, _aware, _norm_terms, _not_future, _score, _text, new_key,
                                   plausible_day)


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

