"""The symptom record: a warning sign from the team's list, a side effect, or the person's own
words, beside pain entries (issue 20). Validation as models.py does it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from painboard.models import MAX_TERM, Record, _aware, _not_future, _text, new_key, utcnow
from painboard.warning_signs import KINDS, SEVERITIES

Severity = Literal["none", "mild", "moderate", "severe"]
Kind = Literal["warning_sign", "side_effect", "own_words"]

# Bearable's and others' words for a severity.
SEVERITY_ALIASES = {"0": "none", "1": "mild", "2": "moderate", "3": "severe", "slight": "mild",
                    "medium": "moderate", "bad": "severe", "extreme": "severe", "no": "none"}


def severity_of(v: Any) -> str | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    t = " ".join(str(v).strip().lower().split())
    t = SEVERITY_ALIASES.get(t, t)
    if t not in SEVERITIES:
        raise ValueError(f"must be one of {', '.join(SEVERITIES)} (got {str(v)[:30]!r})")
    return t


class Symptom(Record):
    id: int | None = None
    name: str
    kind: Kind = "own_words"
    occurred_at: datetime
    recorded_at: datetime = Field(default_factory=utcnow)
    severity: Severity | None = None
    note: str | None = None
    reported_at: datetime | None = None
    reported_to: str | None = None
    source: str = "manual"
    key: str = Field(default_factory=new_key)

    _at = field_validator("occurred_at", "recorded_at", "reported_at", mode="after")(_aware)
    _texts = field_validator("note", "reported_to", mode="before")(_text)
    _severity = field_validator("severity", mode="before")(severity_of)

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, v: Any) -> str:
        t = " ".join(str(v or "").split())
        if not t:
            raise ValueError("is empty: say what you noticed")
        if len(t) > MAX_TERM:
            raise ValueError(f"is longer than {MAX_TERM} characters")
        return t

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: Any) -> str:
        t = str(v or "own_words").strip().lower().replace(" ", "_").replace("-", "_")
        if t not in KINDS:
            raise ValueError(f"must be one of {', '.join(KINDS)}")
        return t

    @field_validator("occurred_at", "reported_at", mode="after")
    @classmethod
    def _not_future(cls, v: datetime | None) -> datetime | None:
        return _not_future(v)

    @model_validator(mode="after")
    def _reported(self) -> "Symptom":
        if self.reported_to and self.reported_at is None:
            raise ValueError("reported_at: say when it was reported")
        if self.reported_at is not None and self.reported_at < self.occurred_at:
            raise ValueError("reported_at: is before the symptom was noticed")
        return self


def imported_symptom(data: dict, default_source: str, content_key) -> Symptom:
    """An importer's symptom row as a record (import_export): the file's source unless the row
    names its own; a row without a key gets one from what it says (content_key)."""
    data.setdefault("source", default_source)
    s = Symptom.build(**data)
    if "key" not in data:
        s.key = content_key("symptom", s.occurred_at.timestamp(), s.name, s.severity, s.note)
    return s
