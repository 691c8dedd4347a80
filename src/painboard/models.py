"""Domain records and their validation. Messages are written for the person typing.

The records live by topic beside this module (models_base: what every record shares;
models_pain: entries, episodes, reviews; models_plan: the plan; models_when: typed times and
days); every name is imported from here."""

from __future__ import annotations

from painboard.clock import freeze_clock, utcnow  # noqa: F401  (the clock lives in painboard.clock)
from painboard.kinds import RECORD_KINDS  # noqa: F401  (re-exported)
from painboard.models_base import (  # noqa: F401  (re-exported)
    EARLIEST, FIRST_DAY, FUTURE_SLACK, INTERFERENCE_DOMAINS, KNOWN_QUALITIES, KNOWN_SITES, LAST_DAY, MAX_PER_DAY,
    MAX_SESSIONS, MAX_TERM, MAX_TEXT, QUALITY_ALIASES, SITE_ALIASES, Category, EpisodeType, EventStatus, ItemKind,
    ItemStatus, Pattern, Record, _aware, _norm_terms, _not_future, _score, _text, finite, new_key, plausible_day,
    same_words)
from painboard.models_pain import DailyReview, Episode, PainEntry, minutes_of  # noqa: F401  (re-exported)
from painboard.models_plan import PlanEvent, PlanItem, plan_size_problem  # noqa: F401  (re-exported)
from painboard.models_when import _offset, _parse_day, local_time, parse_day, parse_when  # noqa: F401  (re-exported)


def load_opioid_factors() -> dict[str, float]:
    """The opioid table's factors (read in painboard.figures.opioids only)."""
    from painboard.figures.opioids import opioid_factors

    return opioid_factors()
