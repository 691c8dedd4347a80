"""What is due now (painboard.reminders): pure decisions over a plan, by hand-worked times."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from painboard.models import PlanItem
from painboard.reminders import (RemindSettings, RemindState, decide, due_between, in_quiet_hours, message,
                                 warning_reminders, window)

LON = ZoneInfo("Europe/London")
UTC = timezone.utc
S = RemindSettings()


def _item(id_, **kw):
    it = PlanItem(**{"category": "medication", "name": "Morphine SR", "dose": 30, "unit": "mg",
                     "kind": "scheduled", "rrule": "FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0",
                     "start_date": date(2026, 11, 1), **kw})
    it.id = id_
    return it


def _state(items, events=(), reviews=(), entries=()):
    return RemindState(list(items), list(events), set(reviews), list(entries))


def _at(h, m=0, day=28):
    return datetime(2026, 11, day, h, m, tzinfo=UTC)  # November: London is UTC


def test_a_dose_is_due_at_its_time_and_once_more_if_not_ticked():
    st = _state([_item(1)])
    got = due_between(st, _at(7), _at(9), LON, S)
    assert [(r.kind, r.at) for r in got] == [("dose", _at(8)), ("dose_again", _at(8, 30))]
    ticked = _state([_item(1)], [{"id": 5, "item_id": 1, "due_at": _at(8), "done_at": _at(8, 10), "status": "taken"}])
    assert due_between(ticked, _at(7), _at(9), LON, S) == []


def test_nothing_for_a_stopped_or_not_yet_started_item():
    stopped = _item(1, status="stopped", end_date=date(2026, 11, 27))
    later = _item(2, start_date=date(2026, 11, 29))
    assert due_between(_state([stopped, later]), _at(0), _at(23), LON, S) == [
        r for r in due_between(_state([]), _at(0), _at(23), LON, S)]


def test_the_day_before_a_radiation_session_and_the_evening_review():
    rt = _item(3, category="radiation", name="Radiation 8 Gy", dose=None, unit=None, kind="once",
               rrule=None, on_date=date(2026, 12, 1))
    got = due_between(_state([rt], reviews={date(2026, 11, 30)}), _at(0, day=30), _at(17, day=30) + timedelta(hours=2), LON, S)
    assert [(r.kind, r.at) for r in got] == [("day_before", _at(18, day=30))]
    got = due_between(_state([]), _at(0, day=29), _at(23, day=29), LON, S)
    assert [(r.key, r.at) for r in got] == [("review:2026-11-29", _at(20, day=29))]


def test_how_is_the_pain_an_hour_after_a_rescue_dose_unless_logged():
    prn = _item(4, name="Oxycodone IR", dose=5, kind="as_needed", rrule=None, max_per_day=4)
    ev = {"id": 9, "item_id": 4, "due_at": None, "done_at": _at(14), "status": "taken"}
    got = due_between(_state([prn], [ev], reviews={date(2026, 11, 28)}), _at(13), _at(16), LON, S)
    assert [(r.key, r.at) for r in got] == [("rescue_check:9", _at(15))]
    assert message(got[0], LON) == "painboard: how is the pain now? painboard relief 9 SCORE"
    logged = _state([prn], [ev], reviews={date(2026, 11, 28)}, entries=[_at(14, 45)])
    assert due_between(logged, _at(13), _at(16), LON, S) == []


def test_fresh_ones_one_by_one_missed_ones_as_one_summary_nothing_in_quiet_hours():
    st = _state([_item(1)], reviews={date(2026, 11, 28)})
    now = _at(18)  # the machine was off from 08:00: the 08:00 dose and its second call were missed
    due = due_between(st, now - timedelta(hours=10), now, LON, S)
    d = decide(due, set(), now, LON, S)
    assert [r.kind for r in d.send] == ["summary"]
    assert message(d.send[0], LON) == "painboard: missed while you were away (1): a dose due Sat 28 Nov 08:00, not ticked"
    assert decide(due, {r.key for r in due}, now, LON, S).send == []
    fresh = decide(due_between(st, _at(19, 55), _at(20, 1), LON, S), set(), _at(20, 1), LON, S)
    assert [message(r, LON) for r in fresh.send] == ["painboard: a dose is due at 20:00"]
    assert message(fresh.send[0], LON, details=True) == "painboard: Morphine SR 30 mg is due at 20:00"
    assert in_quiet_hours(_at(23), LON, S) and not in_quiet_hours(_at(7), LON, S)
    assert decide(due, set(), _at(23), LON, S).send == []
    warn = warning_reminders([(7, "new weakness in the legs", _at(23))])
    assert [r.key for r in decide(warn, set(), _at(23), LON, S).send] == ["warning:7"]


def test_a_dose_across_the_spring_change_in_london():
    # 29 Mar 2026: clocks go forward at 01:00 UTC; the 08:00 dose is 07:00 UTC that day.
    st = _state([_item(1, start_date=date(2026, 3, 1))], reviews={date(2026, 3, 28), date(2026, 3, 29)})
    day = datetime(2026, 3, 28, 12, tzinfo=UTC)
    got = [(r.kind, r.at) for r in due_between(st, day, day + timedelta(hours=24), LON, S) if r.kind == "dose"]
    assert got == [("dose", datetime(2026, 3, 28, 20, tzinfo=UTC)), ("dose", datetime(2026, 3, 29, 7, tzinfo=UTC))]


def test_the_window_starts_at_the_first_run_at_most_a_day_back():
    assert window(_at(12), None) == (_at(11, 45), _at(12))
    assert window(_at(12), _at(2)) == (_at(2), _at(12))
    assert window(_at(12), _at(1, day=20)) == (_at(12, day=27), _at(12))


def test_saving_a_setting_keeps_the_reminder_channels(tmp_path):
    from painboard.config import read_config, read_remind_config, save_config
    from painboard.reminders_run import remind_settings

    conf = tmp_path / "config.toml"
    conf.write_text('theme = "nord"\n\n[remind]\nreview_at = "21:15"\n\n[[remind.channel]]\nname = "phone"\n'
                    'url = "ntfy://ntfy.example.org/p"\ndetails = true\n')
    save_config({"range": "7d"}, conf)
    assert read_config(conf) == {"theme": "nord", "range": "7d"}
    s = remind_settings(read_remind_config(conf))
    assert s.review_at == time(21, 15) and [(c.name, c.url, c.details) for c in s.channels] == [
        ("phone", "ntfy://ntfy.example.org/p", True)]
    assert oct(conf.stat().st_mode & 0o777) == "0o600"


def test_a_bad_reminder_setting_names_itself():
    import pytest

    from painboard.errors import BadInput
    from painboard.reminders_run import remind_settings

    with pytest.raises(BadInput, match="remind.review_at"):
        remind_settings({"review_at": "8pm"})
    with pytest.raises(BadInput, match=r"remind.channel\[0\]"):
        remind_settings({"channel": [{"name": "x"}]})


def test_watch_wakes_at_the_next_due_time_or_within_five_minutes():
    from painboard.reminders import next_wake

    st = _state([_item(1)], reviews={date(2026, 11, 28)})
    assert next_wake(st, _at(19, 58), LON, S) == _at(20)
    assert next_wake(st, _at(12), LON, S) == _at(12, 5)
