"""Issue 20: the side-effect figures, computed by hand (figures/symptoms.py) and through the
metric plugin; OMED on days with and without (counts and means side by side)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

pytestmark = pytest.mark.usefixtures("fixed_env")


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=timezone.utc)  # London is on UTC in November


@pytest.fixture
def story(db_path, make_pb, built_once):
    """Written once, copied for each test."""
    built_once("symptom-figures", db_path, lambda path: _write_story(make_pb(path)))
    return make_pb(db_path)


def _write_story(pb):
    pb.add_plan_item(name="Oxycodone IR", dose=5, unit="mg", route="oral", kind="as_needed", max_per_day=6,
                     start_date=date(2026, 11, 1))
    # Oxycodone 5 mg x 1.5 = 7.5 mg OMED a dose.
    for day, n in {22: 2, 23: 4, 25: 2, 26: 4, 28: 2}.items():
        for i in range(n):
            pb.mark_done("oxycodone", at=at(day, 8 + i))
    pb.log_symptom("constipation", severity="mild", occurred_at=at(23, 9))
    pb.log_symptom("constipation", severity="severe", occurred_at=at(23, 20))
    pb.log_symptom("constipation", severity="moderate", occurred_at=at(26))
    pb.log_symptom("constipation", severity="mild", occurred_at=at(28, 9))
    pb.log_symptom("drowsiness", severity="moderate", occurred_at=at(26))
    pb.log_symptom("nausea", severity="none", occurred_at=at(24))  # asked, and none: not a day with it
    pb.log_symptom("difficulty walking", occurred_at=at(25))
    pb.log_symptom("constipation", severity="severe", occurred_at=at(14))  # before the period


def _metric(pb, since):
    return next(m for m in pb.compute_metrics(since=since) if m.name == "side-effects")


def test_days_with_each_and_the_worst(story):
    m = _metric(story, date(2026, 11, 22))
    assert m.value == 2
    assert m.text == "constipation 3 days (worst severe); drowsiness 1 day (worst moderate)"
    d = m.details
    assert d["side_effects"] == [{"name": "constipation", "days": 3, "worst": "severe"},
                                 {"name": "drowsiness", "days": 1, "worst": "moderate"}]


def test_omed_on_days_with_and_without(story):
    d = _metric(story, date(2026, 11, 22)).details["omed_on_days_with_and_without"]
    # OMED by day: 22: 15, 23: 30, 24: 0, 25: 15, 26: 30, 27: 0, 28: 15.
    # Constipation on 23, 26, 28: (30 + 30 + 15) / 3 = 25.0; without: (15 + 0 + 15 + 0) / 4 = 7.5.
    # Drowsiness on 26 only: one day, too few for a mean; without: (15+30+0+15+0+15) / 6 = 12.5.
    assert d == [{"name": "constipation", "with": {"days": 3, "mean_omed": 25.0},
                  "without": {"days": 4, "mean_omed": 7.5}},
                 {"name": "drowsiness", "with": {"days": 1, "mean_omed": None},
                  "without": {"days": 6, "mean_omed": 12.5}}]


def test_per_week(story):
    weeks = _metric(story, date(2026, 11, 15)).details["weeks"]
    assert [(w["start"], w["end"]) for w in weeks] == [("2026-11-15", "2026-11-21"), ("2026-11-22", "2026-11-28")]
    assert weeks[0]["cells"] == {"constipation": {"days": 0, "worst": None}, "drowsiness": {"days": 0, "worst": None}}
    assert weeks[1]["cells"] == {"constipation": {"days": 3, "worst": "severe"},
                                 "drowsiness": {"days": 1, "worst": "moderate"}}


def test_nothing_logged(pb):
    m = _metric(pb, date(2026, 11, 22))
    assert (m.value, m.text) == (0, "none logged in 7 days")
