"""Space on a checklist line decides on what is stored, not on the line as last drawn."""

from __future__ import annotations

import pytest

from painboard.errors import BadInput

pytestmark = pytest.mark.usefixtures("fixed_env")


@pytest.fixture
def morning_dose(pb):
    pb.add_plan_item(name="Morphine SR", dose=30, unit="mg", route="oral", kind="scheduled",
                     rrule="FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0")
    line = next(l for l in pb.snapshot().checklist if l.label.startswith("Morphine") and l.text.startswith("08:00"))
    assert line.event_id is None
    return line



def test_a_stale_line_pressed_twice_records_once_then_undoes(pb, morning_dose):
    stale = morning_dose  # the line as drawn before the first press
    assert pb.toggle(stale) == "recorded"
    mme_once = pb.snapshot(7).today.mme
    assert pb.toggle(stale) == "undone"  # the same stale line: the stored event decides
    assert pb.snapshot(7).today.mme is None
    assert pb.toggle(stale) == "recorded"
    assert pb.snapshot(7).today.mme == mme_once == 30


def test_two_sessions_ticking_the_same_dose_do_not_double_it(pb, make_pb, db_path, morning_dose):
    caregiver = make_pb(db_path)
    line_seen_by_caregiver = next(l for l in caregiver.snapshot().checklist if l.due_at == morning_dose.due_at)
    assert pb.toggle(morning_dose) == "recorded"
    assert caregiver.toggle(line_seen_by_caregiver) == "undone"
    done = [l for l in pb.snapshot().checklist if l.due_at == morning_dose.due_at]
    assert [l.state for l in done] != ["done"] and pb.snapshot(7).today.mme is None


def test_a_rescue_dose_must_be_an_active_as_needed_item(pb):
    pb.add_plan_item(name="Morphine SR", dose=30, unit="mg", route="oral", kind="scheduled",
                     rrule="FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0")
    pb.add_plan_item(name="Oxycodone IR", dose=5, unit="mg", route="oral", kind="as_needed", max_per_day=4)
    before = pb.counts()
    with pytest.raises(BadInput) as info:
        pb.record_episode(peak=8, rescue_item="Morphine")
    assert info.value.field == "rescue" and pb.counts() == before  # nothing half-saved
    pb.stop_item("Oxycodone")
    with pytest.raises(BadInput):
        pb.record_episode(peak=8, rescue_item="Oxycodone")
    assert pb.counts() == before


def test_an_item_past_its_end_date_leaves_the_checklist(pb):
    from datetime import timedelta

    pb.add_plan_item(name="Oxycodone IR", dose=5, unit="mg", route="oral", kind="as_needed", max_per_day=4,
                     start_date=pb.today() - timedelta(days=10), end_date=pb.today() - timedelta(days=1))
    pb.add_plan_item(name="Paracetamol", dose=1000, unit="mg", route="oral", kind="as_needed")
    assert [l.label for l in pb.snapshot().checklist] == ["Paracetamol 1000 mg"]
