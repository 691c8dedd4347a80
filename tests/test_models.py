"""Domain models: each bad value is rejected with a message naming the field."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from painboard import models
from painboard.errors import BadInput
from painboard.models import (DailyReview, Episode, PainEntry, PlanEvent, PlanItem,
                              load_opioid_factors, parse_day, parse_when)

pytestmark = pytest.mark.usefixtures("fixed_env")

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def now() -> datetime:
    return models.utcnow()


def rejects(cls, field: str, fragment: str, **data):
    with pytest.raises(BadInput) as info:
        cls.build(**data)
    err = info.value
    assert err.field == field, (err.field, str(err))
    assert fragment in err.message, err.message
    assert str(err).startswith(f"{field}: ")
    return err


# -- pain entries ------------------------------------------------------------------------------
@pytest.mark.parametrize("value, fragment", [
    (11, "got 11"), (-1, "got -1"), (3.5, "got 3.5"), ("seven", "got 'seven'"), ("7.5", "got '7.5'"),
    (True, "whole number"), ([7], "whole number"), ("", "valid integer"),
])
def test_intensity_rejected(value, fragment):
    rejects(PainEntry, "intensity", fragment, occurred_at=now(), intensity=value)


@pytest.mark.parametrize("value, expected", [(0, 0), (10, 10), ("7", 7), (" 4 ", 4), (6.0, 6)])
def test_intensity_accepted(value, expected):
    assert PainEntry.build(occurred_at=now(), intensity=value).intensity == expected


@given(st.integers(min_value=-1000, max_value=1000))
@settings(max_examples=60, deadline=None)
def test_intensity_property(n):
    if 0 <= n <= 10:
        assert PainEntry.build(occurred_at=models.utcnow(), intensity=n).intensity == n
        assert PainEntry.build(occurred_at=models.utcnow(), intensity=str(n)).intensity == n
    else:
        with pytest.raises(BadInput, match="intensity"):
            PainEntry.build(occurred_at=models.utcnow(), intensity=n)


def test_entry_time_rules():
    rejects(PainEntry, "occurred_at", "time zone", occurred_at=datetime(2026, 11, 28, 9, 0), intensity=3)
    rejects(PainEntry, "occurred_at", "future", occurred_at=now() + timedelta(minutes=6), intensity=3)
    ok = PainEntry.build(occurred_at=now() + timedelta(minutes=4), intensity=3)
    assert ok.occurred_at.tzinfo is not None
    # stored as UTC whatever zone it came in
    e = PainEntry.build(occurred_at=datetime(2026, 11, 28, 9, 0, tzinfo=NEW_YORK), intensity=3)
    assert e.occurred_at == datetime(2026, 11, 28, 14, 0, tzinfo=timezone.utc)
    assert e.occurred_at.utcoffset() == timedelta(0)
    assert e.recorded_at == now()


def test_entry_terms_normalised():
    e = PainEntry.build(occurred_at=now(), intensity=5, sites=["L hip", " Left  Hip", "lumbar, ribs"],
                        qualities="ache, SHARP", worse=["Walking", "walking"], better="rest")
    assert e.sites == ["left hip", "lower back", "ribs"]
    assert e.qualities == ["aching", "sharp"]
    assert e.worse == ["walking"]
    assert e.better == ["rest"]


@pytest.mark.parametrize("value, fragment", [("abc", "number of minutes"), (-5, "negative"),
                                             (8 * 24 * 60, "longer than a week"), (True, "minutes")])
def test_duration_rejected(value, fragment):
    rejects(PainEntry, "duration_min", fragment, occurred_at=now(), intensity=2, duration_min=value)


def test_duration_and_pattern_accepted():
    e = PainEntry.build(occurred_at=now(), intensity=2, duration_min="12.4", pattern="On_Movement")
    assert e.duration_min == 12
    assert e.pattern == "on movement"
    rejects(PainEntry, "pattern", "constant", occurred_at=now(), intensity=2, pattern="sometimes")


def test_unknown_field_named():
    rejects(PainEntry, "mood", "not a known field", occurred_at=now(), intensity=2, mood=3)


def test_blank_text_is_none():
    e = PainEntry.build(occurred_at=now(), intensity=2, note="   ", activity=" walking ")
    assert e.note is None and e.activity == "walking"


# -- episodes ------------------------------------------------------------------------------------
def test_episode_model_checks_name_their_field():
    t = now() - timedelta(hours=1)
    rejects(Episode, "background", "higher than the peak", onset=t, peak=5, background=7)
    rejects(Episode, "end", "before the onset", onset=t, peak=5, end_at=t - timedelta(minutes=1))
    rejects(Episode, "peak_at", "before the onset", onset=t, peak=5, peak_at=t - timedelta(minutes=1))
    rejects(Episode, "peak_at", "after the end", onset=t, peak=5, peak_at=t + timedelta(minutes=30),
            end_at=t + timedelta(minutes=20))
    rejects(Episode, "peak", "got 12", onset=t, peak=12)
    rejects(Episode, "onset", "future", onset=now() + timedelta(hours=1), peak=5)
    rejects(Episode, "type", "spontaneous", onset=t, peak=5, type="sudden")


def test_episode_normalises_and_measures():
    t = now() - timedelta(hours=1)
    ep = Episode.build(onset=t, peak="8", background="3", type="Incident_Non-Volitional",
                       site="L hip", quality="stab", end_at=t + timedelta(minutes=25))
    assert ep.type == "incident non-volitional"
    assert ep.site == "left hip" and ep.quality == "stabbing"
    assert ep.duration_min == 25
    assert Episode.build(onset=t, peak=5, type="end-of-dose").type == "end of dose"


# -- daily review ---------------------------------------------------------------------------------
def test_review_rules():
    d = now().date()
    rejects(DailyReview, "relief_pct", "steps of 10", day=d, relief_pct=55)
    rejects(DailyReview, "relief_pct", "steps of 10", day=d, relief_pct=110)
    rejects(DailyReview, "relief_pct", "percentage", day=d, relief_pct="lots")
    rejects(DailyReview, "least", "higher than worst", day=d, worst=3, least=5)
    rejects(DailyReview, "day", "future", day=d + timedelta(days=3))
    err = rejects(DailyReview, "interference", "not one of", day=d, interference={"typing": 3})
    assert "walking" in err.message
    err = rejects(DailyReview, "interference", "got 11", day=d, interference={"walking": 11})
    assert err.message.startswith("walking ")
    r = DailyReview.build(day=d, worst="7", least=2, relief_pct="40%", interference={"sleep": "6", "mood": ""})
    assert (r.worst, r.least, r.relief_pct) == (7, 2, 40)
    assert r.interference == {"sleep": 6, "mood": None}


# -- plan items --------------------------------------------------------------------------------
def test_plan_item_rules():
    base = dict(category="medication", name="Morphine SR", start_date=date(2026, 11, 1))
    rejects(PlanItem, "rrule", "recurrence rule", kind="scheduled", **base)
    rejects(PlanItem, "rrule", "RFC 5545", kind="scheduled", rrule="FREQ=SOMETIMES", **base)
    rejects(PlanItem, "on_date", "needs a date", kind="once", **base)
    rejects(PlanItem, "sessions", "number of sessions", kind="course", rrule="FREQ=DAILY", **base)
    rejects(PlanItem, "rrule", "schedule", kind="course", sessions=5, **base)
    rejects(PlanItem, "end_date", "before the start", kind="as_needed", end_date=date(2026, 10, 1), **base)
    rejects(PlanItem, "dose", "more than 0", kind="as_needed", dose=0, **base)
    rejects(PlanItem, "max_per_day", "at least 1", kind="as_needed", max_per_day=0, **base)
    rejects(PlanItem, "max_per_day", "as-needed", kind="scheduled", rrule="FREQ=DAILY", max_per_day=4, **base)
    rejects(PlanItem, "rrule", "as-needed", kind="as_needed", rrule="FREQ=DAILY;BYHOUR=8", **base)
    rejects(PlanItem, "name", "empty", kind="as_needed", category="medication", name="  ",
            start_date=date(2026, 11, 1))
    rejects(PlanItem, "kind", "scheduled", kind="daily", **base)
    rejects(PlanItem, "category", "medication", kind="as_needed", category="food", name="x",
            start_date=date(2026, 11, 1))
    it = PlanItem.build(kind="scheduled", rrule="rrule:freq=daily;byhour=8,20", **base)
    assert it.rrule == "FREQ=DAILY;BYHOUR=8,20"


def _utc(*a):
    return datetime(*a, tzinfo=timezone.utc)


def _day(d: date, tz=LONDON):
    lo = datetime.combine(d, datetime.min.time(), tz)
    return lo.astimezone(timezone.utc), (lo + timedelta(days=1)).astimezone(timezone.utc)


def test_rrule_occurrences_in_local_time_across_dst():
    it = PlanItem.build(category="medication", name="Morphine SR", kind="scheduled",
                        rrule="FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0", start_date=date(2026, 1, 1))
    assert it.occurrences(*_day(date(2026, 11, 28)), LONDON) == [_utc(2026, 11, 28, 8), _utc(2026, 11, 28, 20)]
    # London on summer time: 08:00 local is 07:00 UTC
    assert it.occurrences(*_day(date(2026, 7, 1)), LONDON) == [_utc(2026, 7, 1, 7), _utc(2026, 7, 1, 19)]
    # the spring-forward day itself (29 March 2026)
    assert it.occurrences(*_day(date(2026, 3, 29)), LONDON) == [_utc(2026, 3, 29, 7), _utc(2026, 3, 29, 19)]
    ny = it.occurrences(*_day(date(2026, 11, 28), NEW_YORK), NEW_YORK)
    assert ny == [_utc(2026, 11, 28, 13), _utc(2026, 11, 29, 1)]


def test_rrule_respects_start_end_and_course_sessions():
    it = PlanItem.build(category="medication", name="x", kind="scheduled", rrule="FREQ=DAILY;BYHOUR=9",
                        start_date=date(2026, 11, 20), end_date=date(2026, 11, 25))
    assert it.occurrences(*_day(date(2026, 11, 19)), LONDON) == []
    assert len(it.occurrences(*_day(date(2026, 11, 25)), LONDON)) == 1
    assert it.occurrences(*_day(date(2026, 11, 26)), LONDON) == []
    assert it.next_due(_utc(2026, 11, 25, 10), LONDON) is None
    course = PlanItem.build(category="radiation", name="RT", kind="course", sessions=3,
                            rrule="FREQ=DAILY;BYHOUR=10", start_date=date(2026, 11, 23))
    days = [date(2026, 11, 23) + timedelta(days=i) for i in range(5)]
    got = [len(course.occurrences(*_day(d), LONDON)) for d in days]
    assert got == [1, 1, 1, 0, 0]
    zol = PlanItem.build(category="bone_strengthening", name="Zoledronic acid", kind="scheduled",
                         rrule="FREQ=WEEKLY;INTERVAL=4", start_date=date(2026, 11, 2))
    assert zol.next_due(_utc(2026, 11, 3), LONDON) == _utc(2026, 11, 30)
    once = PlanItem.build(category="procedure", name="Nerve block", kind="once", on_date=date(2026, 12, 8),
                          start_date=date(2026, 11, 1))
    assert once.occurrences(*_day(date(2026, 12, 8)), LONDON) == [_utc(2026, 12, 8)]
    assert once.occurrences(*_day(date(2026, 12, 7)), LONDON) == []


def test_plan_event_rules():
    rejects(PlanEvent, "amount", "negative", item_id=1, amount=-5)
    rejects(PlanEvent, "done_at", "future", item_id=1, done_at=now() + timedelta(hours=2))
    rejects(PlanEvent, "status", "taken", item_id=1, status="eaten")
    assert PlanEvent.build(item_id=1).done_at == now()


# -- times and days ------------------------------------------------------------------------------
def test_parse_when_forms():
    n = now()  # 14:05 UTC, 14:05 in London, 09:05 in New York
    assert parse_when(None, LONDON) == n
    assert parse_when("now", LONDON) == n
    assert parse_when("13:30", LONDON) == _utc(2026, 11, 28, 13, 30)
    assert parse_when("08:30", NEW_YORK) == _utc(2026, 11, 28, 13, 30)
    assert parse_when("yesterday 22:10", LONDON) == _utc(2026, 11, 27, 22, 10)
    assert parse_when("Yesterday 22:10", NEW_YORK) == _utc(2026, 11, 28, 3, 10)
    assert parse_when("today 9:05", LONDON) == _utc(2026, 11, 28, 9, 5)
    assert parse_when("2026-11-28T10:00+02:00", LONDON) == _utc(2026, 11, 28, 8)
    assert parse_when("2026-11-28T10:00Z", NEW_YORK) == _utc(2026, 11, 28, 10)
    assert parse_when("2026-11-27 10:00", NEW_YORK) == _utc(2026, 11, 27, 15)
    assert parse_when("2026-07-01T12:00", LONDON) == _utc(2026, 7, 1, 11)  # naive = local, summer time
    assert parse_when("14:09", LONDON) == _utc(2026, 11, 28, 14, 9)  # within the 5 minute slack


@pytest.mark.parametrize("text, fragment", [
    ("14:30", "future"), ("2026-11-29T09:00", "future"), ("25:00", "not a time of day"),
    ("12:75", "not a time of day"), ("half past two", "not a time"), ("2026-13-01", "not a time"),
])
def test_parse_when_rejects(text, fragment):
    with pytest.raises(BadInput) as info:
        parse_when(text, LONDON)
    assert info.value.field == "at" and fragment in info.value.message


def test_parse_when_names_the_field():
    with pytest.raises(BadInput) as info:
        parse_when("soon", LONDON, field="on")
    assert str(info.value).startswith("on: ")


def test_parse_day():
    assert parse_day(None, LONDON) == date(2026, 11, 28)
    assert parse_day("yesterday", LONDON) == date(2026, 11, 27)
    assert parse_day("30d", LONDON) == date(2026, 10, 29)
    assert parse_day("2026-11-01", LONDON) == date(2026, 11, 1)
    # 02:00 UTC on the 28th is still the 27th in New York
    assert parse_day("today", NEW_YORK, now=_utc(2026, 11, 28, 2)) == date(2026, 11, 27)
    with pytest.raises(BadInput) as info:
        parse_day("last week", LONDON)
    assert info.value.field == "since"


# -- the opioid factor table ---------------------------------------------------------------------
CLINICAL_TABLE = {  # CDC 2022 clinical practice guideline, oral morphine factors
    "morphine": 1, "codeine": 0.15, "hydrocodone": 1, "hydromorphone": 5, "oxycodone": 1.5,
    "oxymorphone": 3, "tapentadol": 0.4, "tramadol": 0.2, "methadone": 4.7,
    "fentanyl transdermal": 2.4,
}


def test_factor_table_matches_the_reference():
    assert load_opioid_factors() == CLINICAL_TABLE
    from importlib import resources
    raw = json.loads(resources.files("painboard").joinpath("data/opioid_factors.json").read_text())
    assert isinstance(raw["version"], int)
    assert "never shown" in raw["_source"] or "do not apply" in raw["_source"]


@pytest.mark.parametrize("name, route, factor", [
    ("Morphine SR", "oral", 1), ("MST Continus morphine", None, 1), ("Oxycodone IR", "oral", 1.5),
    ("Hydromorphone", None, 5), ("Oxymorphone ER", "oral", 3), ("Hydrocodone", None, 1),
    ("Codeine phosphate", None, 0.15), ("Tramadol", "oral", 0.2), ("Tapentadol", "po", 0.4),
    ("Methadone", "oral", 4.7), ("Fentanyl patch", None, 2.4), ("Fentanyl", "transdermal", 2.4),
    ("Fentanyl", "buccal", None), ("Fentanyl", None, None), ("Paracetamol", "oral", None), ("Zoledronic acid", "iv", None),
    ("Morphine", "iv", None), ("Hydromorphone", "subcutaneous", None),
])
def test_guess_mme_factor(name, route, factor):
    from painboard.figures.opioids import opioid_factor
    assert opioid_factor(name, route) == factor
