"""Use-cases: logging, episodes, the plan checklist (RRULE), toggle and undo, review prefill."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from painboard import models
from painboard.errors import BadInput, NotFound, ReadOnly
from painboard.services import Painboard, jsonable, rrule_from_options

pytestmark = pytest.mark.usefixtures("fixed_env")

TODAY = date(2026, 11, 28)  # Saturday; the frozen clock says 14:05 in London (= UTC in November)


def utc(*a) -> datetime:
    return datetime(*a, tzinfo=timezone.utc)


@pytest.fixture
def planned(db_path, make_pb, built_once) -> Painboard:
    """Five plan items: written once, copied for each test."""
    built_once("services-planned", db_path, lambda path: _plan(make_pb(path)))
    return make_pb(db_path)


def _plan(pb: Painboard) -> None:
    pb.add_plan_item(name="Morphine SR", dose=30, unit="mg", route="oral", kind="scheduled",
                     rrule="FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0", start_date=date(2026, 11, 1))
    pb.add_plan_item(name="Oxycodone IR", dose=5, unit="mg", route="oral", kind="as_needed", max_per_day=4,
                     start_date=date(2026, 11, 1))
    pb.add_plan_item(category="bone_strengthening", name="Zoledronic acid", dose=4, unit="mg", route="iv",
                     kind="scheduled", rrule="FREQ=WEEKLY;INTERVAL=4", start_date=date(2026, 11, 2))
    pb.add_plan_item(category="radiation", name="Radiation to left hip", dose=8, unit="Gy", kind="once",
                     on_date=date(2026, 12, 2), start_date=date(2026, 11, 1))
    pb.add_plan_item(category="supportive", name="Calcium and vitamin D", kind="scheduled",
                     rrule="FREQ=DAILY;BYHOUR=9", start_date=date(2026, 11, 1))


def lines_of(pb, name, day=TODAY):
    return [l for l in pb.snapshot(day=day).checklist if name.lower() in l.label.lower()]


# -- logging -------------------------------------------------------------------------------------
def test_log_pain_stores_what_was_given(pb):
    e = pb.log_pain(intensity="6", occurred_at=utc(2026, 11, 28, 13, 30), sites=["L hip"], qualities=["ache"],
                    worse=["walking"], better=["rest"], duration_min="30", note=" after lunch ")
    rows = pb.entries()
    assert len(rows) == 1 and rows[0]["id"] == e.id
    r = rows[0]
    assert (r["intensity"], r["sites"], r["qualities"], r["worse"], r["better"], r["duration_min"], r["note"]) == \
        (6, ["left hip"], ["aching"], ["walking"], ["rest"], 30, "after lunch")
    assert r["occurred_at"] == utc(2026, 11, 28, 13, 30)
    assert r["recorded_at"] == models.utcnow()  # logged late: both times kept
    assert pb.db.revision() == 1


def test_bad_input_writes_nothing(pb):
    pb.db.init()
    for bad in (dict(intensity=11), dict(intensity=3, duration_min=-1), dict(intensity=3, sites=[], mood=2),
                dict(intensity=3, occurred_at=models.utcnow() + timedelta(hours=1))):
        with pytest.raises(BadInput):
            pb.log_pain(**bad)
    assert pb.counts()["pain_entry"] == 0
    assert pb.db.revision() == 0


def test_entries_by_local_day(pb, make_pb, db_path, monkeypatch):
    pb.log_pain(intensity=2, occurred_at=utc(2026, 11, 27, 23, 30))
    pb.log_pain(intensity=5, occurred_at=utc(2026, 11, 28, 0, 30))
    assert [r["intensity"] for r in pb.entries(since=TODAY)] == [5]
    assert [r["intensity"] for r in pb.entries(until=TODAY)] == [2]
    assert [r["intensity"] for r in pb.entries(newest_first=True)] == [5, 2]
    # In New York both are on the 27th
    monkeypatch.setenv("PAINBOARD_TZ", "America/New_York")
    ny = make_pb(db_path)
    assert [r["intensity"] for r in ny.entries(since=date(2026, 11, 27), until=TODAY)] == [2, 5]


def test_read_only_services_refuse_writes_and_read(pb, make_pb, db_path):
    pb.log_pain(intensity=4, occurred_at=utc(2026, 11, 28, 10))
    ro = make_pb(db_path, read_only=True)
    with pytest.raises(ReadOnly):
        ro.log_pain(intensity=5)
    assert [r["intensity"] for r in ro.entries()] == [4]
    assert ro.counts()["pain_entry"] == 1


# -- episodes -----------------------------------------------------------------------------------
def test_episode_with_rescue_dose_records_both(planned):
    onset = utc(2026, 11, 28, 11, 0)
    ep = planned.record_episode(peak=8, onset=onset, duration_min="25", rescue_item="oxycodone",
                                trigger="coughing", type="incident non-volitional", background=3)
    assert ep.duration_min == 25 and ep.end_at == onset + timedelta(minutes=25)
    c = planned.counts()
    assert (c["episode"], c["plan_event"]) == (1, 1)
    oxy = lines_of(planned, "oxycodone")[0]
    assert oxy.count_today == 1
    assert ep.rescue_event_id is not None


def test_episode_with_unknown_rescue_writes_nothing(planned):
    before = planned.counts()
    with pytest.raises(BadInput) as info:
        planned.record_episode(peak=8, rescue_item="ibuprofen")
    assert info.value.field == "item"
    with pytest.raises(BadInput) as info:
        planned.record_episode(peak=3, background=5)
    assert info.value.field == "background"
    assert planned.counts() == before


def test_open_and_end_episode_links_rescue(planned):
    ep = planned.start_episode(peak=7, onset=utc(2026, 11, 28, 13, 0))
    assert planned.open_episode()["id"] == ep.id
    ev = planned.mark_done("oxycodone", at=utc(2026, 11, 28, 13, 5))
    done = planned.end_episode(utc(2026, 11, 28, 13, 40))
    assert done["rescue_event_id"] == ev.id
    assert planned.open_episode() is None
    with pytest.raises(NotFound):
        planned.end_episode()


# -- the plan and its checklist -------------------------------------------------------------------
def test_checklist_scheduled_times(planned):
    morphine = lines_of(planned, "morphine")
    assert [(l.text, l.state) for l in morphine] == [("08:00 Morphine SR 30 mg", "overdue"),
                                                     ("20:00 Morphine SR 30 mg", "due")]
    assert [l.due_at for l in morphine] == [utc(2026, 11, 28, 8), utc(2026, 11, 28, 20)]
    calcium = lines_of(planned, "calcium")
    assert [(l.text, l.state) for l in calcium] == [("09:00 Calcium and vitamin D", "overdue")]


def test_checklist_scheduled_in_summer_time(planned):
    # 1 July: London is on UTC+1, so 08:00 local is 07:00 UTC
    morphine = lines_of(planned, "morphine", date(2026, 7, 1))
    assert morphine == []  # not started yet
    summer = planned.snapshot(day=date(2026, 11, 1)).checklist
    assert [l.due_at for l in summer if "Morphine" in l.label] == [utc(2026, 11, 1, 8), utc(2026, 11, 1, 20)]


def test_toggle_records_and_undoes(planned):
    first = lines_of(planned, "morphine")[0]
    assert planned.toggle(first, at=utc(2026, 11, 28, 8, 10)) == "recorded"
    now_done = lines_of(planned, "morphine")[0]
    assert now_done.state == "done" and now_done.event_id is not None
    assert lines_of(planned, "morphine")[1].state == "due"  # the 20:00 dose is its own line
    assert planned.toggle(now_done) == "undone"
    again = lines_of(planned, "morphine")[0]
    assert again.state == "overdue" and again.event_id is None
    assert planned.counts()["plan_event"] == 0


def test_skipped_and_missed_doses_are_not_shown_as_taken(planned):
    planned.mark_done("morphine", at=utc(2026, 11, 28, 9), status="skipped", due_at=utc(2026, 11, 28, 8))
    assert lines_of(planned, "morphine")[0].state == "skipped"
    assert planned.toggle(lines_of(planned, "morphine")[0]) == "undone"
    planned.mark_done("morphine", at=utc(2026, 11, 28, 11), status="missed", due_at=utc(2026, 11, 28, 8))
    line = lines_of(planned, "morphine")[0]
    assert line.state == "missed" and line.event_id is not None


def test_as_needed_counts_against_max_per_day(planned):
    planned.mark_done("oxycodone", at=utc(2026, 11, 27, 22))  # yesterday: not today's count
    for h in (9, 11, 13):
        planned.mark_done("oxycodone", at=utc(2026, 11, 28, h))
    oxy = lines_of(planned, "oxycodone")
    assert len(oxy) == 1
    assert (oxy[0].state, oxy[0].count_today, oxy[0].max_per_day) == ("as_needed", 3, 4)
    assert oxy[0].text == "Oxycodone IR 5 mg, as needed (3 of 4 today)"
    assert planned.toggle(oxy[0]) == "recorded"  # space on an as-needed line adds a dose
    assert lines_of(planned, "oxycodone")[0].count_today == 4
    assert planned.undo_last_dose(oxy[0].item_id) is True
    assert lines_of(planned, "oxycodone")[0].count_today == 3
    snap = planned.snapshot()
    assert snap.today.rescue_doses == 3 and snap.today.rescue_max == 4 and not snap.today.rescue_marker


def test_rescue_marker_above_four(planned):
    for m in range(5):
        planned.mark_done("oxycodone", at=utc(2026, 11, 28, 8 + m))
    assert planned.snapshot().today.rescue_marker


def test_bone_strengthening_due_and_overdue(planned):
    zol = lines_of(planned, "zoledronic")
    # started 2 Nov, never given: overdue since then
    assert (zol[0].state, zol[0].due_in_days) == ("overdue", -26)
    assert "overdue by 26 days" in zol[0].text
    planned.mark_done("zoledronic", at=utc(2026, 11, 2, 11), due_at=utc(2026, 11, 2))
    zol = lines_of(planned, "zoledronic")
    assert (zol[0].state, zol[0].due_in_days) == ("upcoming", 2)
    assert zol[0].text == "Zoledronic acid 4 mg, due in 2 days"
    on_the_day = lines_of(planned, "zoledronic", date(2026, 11, 30))
    assert on_the_day[0].state == "due"
    later = lines_of(planned, "zoledronic", date(2026, 12, 3))
    assert (later[0].state, later[0].due_in_days) == ("overdue", -3)


def test_once_items_upcoming_then_done(planned):
    rt = lines_of(planned, "radiation")
    assert (rt[0].state, rt[0].due_in_days) == ("upcoming", 4)
    assert rt[0].text == "Radiation to left hip 8 Gy, Wed 2 Dec"
    planned.mark_done("radiation", at=utc(2026, 11, 28, 10))  # brought forward to today
    rt = lines_of(planned, "radiation")
    assert rt[0].state == "done" and "done today" in rt[0].text
    assert lines_of(planned, "radiation", date(2026, 11, 29)) == []  # once done, gone


def test_stop_item_hides_it_and_keeps_history(planned):
    planned.mark_done("morphine", at=utc(2026, 11, 28, 8, 5), due_at=utc(2026, 11, 28, 8))
    it = planned.stop_item("morphine")
    assert it.status == "stopped" and it.end_date == TODAY
    assert lines_of(planned, "morphine") == []
    assert planned.counts()["plan_event"] == 1
    with pytest.raises(BadInput) as info:
        planned.mark_done(it.id)
    assert "stopped" in str(info.value)
    assert [i.name for i in planned.plan(include_stopped=False)] == \
        ["Oxycodone IR", "Zoledronic acid", "Radiation to left hip", "Calcium and vitamin D"]


def test_find_item_ambiguity(planned):
    planned.add_plan_item(name="Morphine IR", dose=10, unit="mg", kind="as_needed")
    with pytest.raises(BadInput) as info:
        planned.mark_done("morphine")
    assert info.value.field == "item" and "several" in str(info.value)
    with pytest.raises(BadInput, match="no plan item"):
        planned.mark_done("aspirin")


def test_mme_factor_guessed_on_add(pb):
    assert pb.add_plan_item(name="Oxycodone IR", dose=5, kind="as_needed", route="oral").mme_factor == 1.5
    assert pb.add_plan_item(name="Paracetamol", dose=1000, kind="as_needed").mme_factor is None
    assert pb.add_plan_item(name="Hydromorphone", dose=2, kind="as_needed").mme_factor == 5
    assert pb.add_plan_item(name="Oxycodone", category="supportive", dose=5, kind="as_needed").mme_factor is None
    pb.mark_done("Oxycodone IR", at=utc(2026, 11, 28, 9))
    pb.mark_done("Oxycodone IR", at=utc(2026, 11, 28, 10), amount=10)
    pb.mark_done("Hydromorphone", at=utc(2026, 11, 28, 11))
    assert pb.snapshot().today.mme == pytest.approx(5 * 1.5 + 10 * 1.5 + 2 * 5)


# -- review ------------------------------------------------------------------------------------
def test_review_prefill_from_the_last_24_hours_then_saved(pb):
    pb.log_pain(intensity=8, occurred_at=utc(2026, 11, 27, 13))  # 25 h ago: outside
    pb.log_pain(intensity=9, occurred_at=utc(2026, 11, 27, 20))  # yesterday evening: inside
    for h, v in ((9, 3), (11, 7), (13, 6)):
        pb.log_pain(intensity=v, occurred_at=utc(2026, 11, 28, h))
    # the 24 h before 14:05: 9, 3, 7, 6 -> worst 9, least 3, average 25/4 = 6.25 -> 6, now 6
    pre = pb.review_prefill()
    assert (pre["worst"], pre["least"], pre["average"], pre["now"]) == (9, 3, 6, 6)
    pb.save_review(worst=8, least=2, relief_pct=30, interference={"walking": 7})
    pre = pb.review_prefill()
    assert (pre["worst"], pre["least"], pre["relief_pct"], pre["interference"]) == (8, 2, 30, {"walking": 7})
    empty = pb.review_prefill(date(2026, 11, 20))
    assert (empty["worst"], empty["now"]) == (None, None)


# -- what the dashboard shows --------------------------------------------------------------------
def test_night_pain_counts_at_most_seven_nights(pb):
    for back in range(1, 10):  # pain at 23:00 on each of the last nine evenings
        pb.log_pain(intensity=5, occurred_at=utc(2026, 11, 28 - back, 23))
    pb.log_pain(intensity=5, occurred_at=utc(2026, 11, 21, 3))  # small hours of the 21st
    today = pb.snapshot().today
    assert today.nights == 7
    assert today.nights_with_pain == 7


def test_night_pain_counts_each_night_once(pb):
    pb.log_pain(intensity=4, occurred_at=utc(2026, 11, 26, 23))
    pb.log_pain(intensity=4, occurred_at=utc(2026, 11, 27, 2))  # the same night
    pb.log_pain(intensity=4, occurred_at=utc(2026, 11, 27, 12))  # daytime
    pb.log_pain(intensity=0, occurred_at=utc(2026, 11, 25, 23))  # no pain that night
    assert pb.snapshot().today.nights_with_pain == 1


def test_snapshot_today_and_trend(planned):
    for h, v in ((8, 4), (12, 6)):
        planned.log_pain(intensity=v, occurred_at=utc(2026, 11, 28, h))
    planned.log_pain(intensity=2, occurred_at=utc(2026, 11, 20, 12))
    planned.record_episode(peak=8, onset=utc(2026, 11, 28, 10), duration_min=20)
    planned.mark_done("zoledronic", at=utc(2026, 11, 25, 11))
    s = planned.snapshot(range_days=7)
    # worst of the day = max(entries 4, 6; episode peak 8) = 8; the average is the entries' (4+6)/2
    assert (s.today.average, s.today.worst, s.today.entries, s.today.now, s.today.episodes) == (5.0, 8, 2, 6, 1)
    assert s.trend.start == date(2026, 11, 22) and s.trend.end == TODAY
    assert [d["day"] for d in s.trend.days] == [TODAY]
    assert s.trend.days[0]["episodes"] == 1
    assert [(m["day"], m["category"]) for m in s.trend.markers] == [(date(2026, 11, 25), "bone_strengthening")]
    assert s.revision == planned.db.revision()
    assert jsonable(s)["today"]["day"] == "2026-11-28"


def test_rrule_from_cli_options():
    assert rrule_from_options(None, "08:00,20:00", None) == "FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0"
    assert rrule_from_options(None, None, 4) == "FREQ=WEEKLY;INTERVAL=4"
    with pytest.raises(BadInput) as info:
        rrule_from_options("FREQ=DAILY", "08:00", None)
    assert info.value.field == "schedule"
    with pytest.raises(BadInput) as info:
        rrule_from_options(None, "8:00,20:30", None)
    assert info.value.field == "times"
    with pytest.raises(BadInput):
        rrule_from_options(None, "25:00", None)
