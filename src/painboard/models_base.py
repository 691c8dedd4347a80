"""What every record shares: the plausibility window, the words for sites and qualities, the
field checks (scores, text, times) and the Record base whose errors name the field.
Re-exported from painboard.models."""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from painboard.clock import utcnow
from painboard.errors import BadInput
from painboard.kinds import CATEGORIES

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
    # defer_build: a record's validator is built on its first use, not at import (a command
    # like `painboard log` builds the pain entry's alone, not all six records').
    model_config = ConfigDict(extra="forbid", validate_assignment=False, defer_build=True)

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


def same_words(text: str | None) -> str:
    """Text as it reads, for comparing names: compatibility forms folded (NFKC: 'Ｍ' is 'M'),
    invisible format characters dropped (zero-width, bidi: Unicode category Cf), case folded,
    runs of white space one space."""
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text)
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Cf")
    return " ".join(unicodedata.normalize("NFKC", s.casefold()).split())

