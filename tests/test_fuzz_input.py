"""Bad input, generated: only clean errors, and the database unchanged after every rejection."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from painboard.errors import BadInput
from painboard.models import DailyReview, Episode, PainEntry, PlanItem, parse_day, parse_when
from tests.conftest import examples

pytestmark = pytest.mark.usefixtures("fixed_env")

FUZZ = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

texty = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=string.digits + ":-+T. Zyesterdaytodaynow", max_size=25),
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


def _state(pb):
    c = pb.counts()
    c["revision"] = pb.db.revision()
    return c


@pytest.mark.slow
@FUZZ
@given(intensity=texty, at=st.one_of(st.none(), texty), duration=st.one_of(st.none(), texty),
       site=st.lists(st.text(max_size=15), max_size=3))
def test_log_command_rejects_cleanly(cli_run, pb, intensity, at, duration, site):
    pb.db.init()
    before = _state(pb)
    args = ["log", "--", intensity] if intensity.startswith("-") else ["log", intensity]
    opts = []
    if at is not None:
        opts += ["--at", at]
    if duration is not None:
        opts += ["--duration", duration]
    for s in site:
        opts += ["--site", s]
    args = args[:1] + opts + args[1:]
    result = cli_run(*args)  # an unexpected exception would fail the test here
    after = _state(pb)
    if result.exit_code == 0:
        assert after["pain_entry"] == before["pain_entry"] + 1
    else:
        assert result.exit_code == 2, result.output
        assert "painboard:" in result.stderr or "Error" in result.output
        assert after == before, "a rejected entry changed the database"


@FUZZ
@given(data=st.dictionaries(
    st.sampled_from(["intensity", "occurred_at", "sites", "qualities", "pattern", "duration_min",
                     "note", "worse", "nonsense"]),
    st.one_of(st.none(), st.integers(-20, 20), st.floats(allow_nan=True), st.text(max_size=10),
              st.lists(st.text(max_size=8), max_size=3), st.booleans())))
def test_pain_entry_validation_raises_only_bad_input(data):
    data.setdefault("occurred_at", "2026-11-28T10:00:00+00:00")
    try:
        e = PainEntry.build(**data)
    except BadInput as exc:
        assert exc.field, f"no field named for {data!r}: {exc}"
        return
    assert 0 <= e.intensity <= 10 and isinstance(e.intensity, int)
    assert all(s == s.strip().lower() and s for s in e.sites)
    assert e.duration_min is None or e.duration_min >= 0


@FUZZ
@given(model=st.sampled_from([Episode, DailyReview, PlanItem]),
       data=st.dictionaries(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12),
                            st.one_of(st.none(), st.integers(-5, 200), st.text(max_size=10)), max_size=6))
def test_other_records_raise_only_bad_input(model, data):
    try:
        model.build(**data)
    except BadInput as exc:
        assert str(exc)


@FUZZ
@given(text=texty)
def test_time_parsing_raises_only_bad_input(text, fixed_env):
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/London")
    for fn in (parse_when, parse_day):
        try:
            fn(text, tz)
        except BadInput as exc:
            assert exc.field
