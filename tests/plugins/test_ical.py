"""The plan as an iCalendar file: parsed back with icalendar, expanded across DST changes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import recurring_ical_events
from click.testing import CliRunner
from icalendar import Calendar

from painboard.cli import cli

BERLIN = ZoneInfo("Europe/Berlin")  # the plugin tests' zone (conftest sets PAINBOARD_TZ)


def _export(pb, tmp_path, name="plan.ics") -> Calendar:
    r = CliRunner().invoke(cli, ["--db", str(pb.db.path), "export", "ical", "-o", str(tmp_path / name)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    return Calendar.from_ical((tmp_path / name).read_bytes())


def _by_summary(cal: Calendar) -> dict[str, object]:
    return {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}


def _local_times(cal: Calendar, summary: str, since: date, until: date) -> list[datetime]:
    occ = recurring_ical_events.of(cal).between(since, until)
    return sorted(e["DTSTART"].dt for e in occ if str(e["SUMMARY"]) == summary)


def test_scheduled_doses_keep_local_time_across_both_dst_changes(pb, tmp_path):
    pb.add_plan_item(name="Morphine SR", dose=30, unit="mg", route="oral", kind="scheduled",
                     rrule="FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0", start_date=date(2026, 3, 20))
    cal = _export(pb, tmp_path)
    ev = _by_summary(cal)["Morphine SR 30 mg"]
    assert ev["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert ev["DTSTART"].dt == datetime(2026, 3, 20, 8, 0, tzinfo=BERLIN)
    assert ev["RRULE"]["FREQ"] == ["DAILY"] and ev["RRULE"]["BYHOUR"] == [8, 20]
    assert len(ev.walk("VALARM")) == 1
    # The VTIMEZONE written in the file, not only the zone's name, carries the changes.
    vtz = {str(t["TZID"]): t for t in cal.walk("VTIMEZONE")}
    assert set(vtz) == {"Europe/Berlin"}
    tz_from_file = vtz["Europe/Berlin"].to_tz()
    for since, until, before, after in ((date(2026, 3, 28), date(2026, 3, 31), 1, 2),
                                        (date(2026, 10, 24), date(2026, 10, 27), 2, 1)):
        times = _local_times(cal, "Morphine SR 30 mg", since, until)
        # Three days, two doses a day, each at 08:00 and 20:00 local on the wall clock.
        assert [(t.date(), t.hour, t.minute) for t in times] == \
            [(since + timedelta(days=d), h, 0) for d in range(3) for h in (8, 20)]
        offsets = [t.replace(tzinfo=tz_from_file).utcoffset() for t in times]
        assert offsets[0] == timedelta(hours=before) and offsets[-1] == timedelta(hours=after)
        # So the UTC instant of the 08:00 dose moves by the hour the clocks moved.
        utc8 = [t.replace(tzinfo=tz_from_file).astimezone(timezone.utc).hour for t in times if t.hour == 8]
        assert utc8 == [8 - before, 8 - after, 8 - after]


def test_end_date_and_course_bound_the_recurrence(pb, tmp_path):
    pb.add_plan_item(name="Dexamethasone", dose=4, unit="mg", kind="scheduled",
                     rrule="FREQ=DAILY;BYHOUR=9", start_date=date(2026, 10, 20), end_date=date(2026, 10, 29))
    pb.add_plan_item(name="Radiation to spine", category="radiation", dose=4, unit="Gy", kind="course",
                     sessions=5, rrule="FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=10", start_date=date(2026, 10, 22))
    cal = _export(pb, tmp_path)
    dexa = _local_times(cal, "Dexamethasone 4 mg", date(2026, 10, 1), date(2026, 12, 1))
    assert [t.date() for t in dexa] == [date(2026, 10, 20) + timedelta(days=i) for i in range(10)]
    assert all(t.hour == 9 for t in dexa)
    course = _local_times(cal, "Radiation to spine 4 Gy", date(2026, 10, 1), date(2026, 12, 1))
    # Thu 22, Fri 23, then Mon 26 (after the DST change on Sun 25), Tue 27, Wed 28: five sessions.
    assert [t.date() for t in course] == [date(2026, 10, d) for d in (22, 23, 26, 27, 28)]
    assert [t.utcoffset() for t in course] == [timedelta(hours=2)] * 2 + [timedelta(hours=1)] * 3
    assert all((t.hour, t.minute) == (10, 0) for t in course)


def test_one_offs_bone_dose_as_needed_and_stable_uids(pb, tmp_path):
    zol = pb.add_plan_item(name="Zoledronic acid", category="bone_strengthening", dose=4, unit="mg",
                           kind="scheduled", rrule="FREQ=WEEKLY;INTERVAL=4", start_date=date(2026, 9, 1))
    block = pb.add_plan_item(name="Nerve block, left hip", category="procedure", kind="once",
                             on_date=date(2026, 12, 8), note="<b>bring the scan</b>")
    pb.add_plan_item(name="Oxycodone IR", dose=5, unit="mg", kind="as_needed", max_per_day=4)
    # Given late: due 27 Oct (8 weeks after 1 Sep), given on 30 Oct at 11:00 local.
    given = datetime(2026, 10, 30, 11, 0, tzinfo=BERLIN)
    pb.mark_done(zol.id, at=given.astimezone(timezone.utc))
    first = _export(pb, tmp_path, "a.ics")
    evs = _by_summary(first)
    # The next dose: one interval (4 weeks) after the dose given, not after the planned date.
    nxt = evs["Zoledronic acid 4 mg due"]
    assert nxt["DTSTART"].dt == given.date() + timedelta(weeks=4) == date(2026, 11, 27)
    assert "30 Oct 2026" in str(nxt["DESCRIPTION"]) and "4 weeks" in str(nxt["DESCRIPTION"])
    assert "RRULE" not in nxt
    nb = evs["Nerve block, left hip"]
    assert nb["DTSTART"].dt == date(2026, 12, 8) and nb["DTEND"].dt == date(2026, 12, 9)
    assert "<b>bring the scan</b>" in str(nb["DESCRIPTION"])  # kept as text, the calendar escapes it
    for e in first.walk("VEVENT"):
        alarms = e.walk("VALARM")
        assert len(alarms) == 1 and alarms[0]["ACTION"] == "DISPLAY"
    # As-needed items are no events: the calendar's description lists them.
    assert not any("Oxycodone" in s for s in evs)
    assert "Oxycodone IR 5 mg, as needed, up to 4 a day" in str(first["DESCRIPTION"])
    # Stable UIDs: a second export (after another dose moved the next date) keeps them all.
    pb.mark_done(zol.id, at=datetime(2026, 11, 27, 10, 0, tzinfo=BERLIN).astimezone(timezone.utc))
    second = _export(pb, tmp_path, "b.ics")
    uids = lambda cal: {str(e["SUMMARY"]): str(e["UID"]) for e in cal.walk("VEVENT")}
    assert uids(first) == uids(second) and len(set(uids(first).values())) == len(uids(first))
    assert _by_summary(second)["Zoledronic acid 4 mg due"]["DTSTART"].dt == date(2026, 12, 25)


def test_bone_dose_never_given_is_due_at_the_plans_first_date_and_stopped_items_leave(pb, tmp_path):
    pb.add_plan_item(name="Denosumab", category="bone_strengthening", dose=120, unit="mg",
                     kind="scheduled", rrule="FREQ=WEEKLY;INTERVAL=4", start_date=date(2026, 12, 3))
    old = pb.add_plan_item(name="Paracetamol", dose=1, unit="g", kind="scheduled",
                           rrule="FREQ=DAILY;BYHOUR=8,14,20", start_date=date(2026, 11, 1))
    pb.stop_item(old.id)
    evs = _by_summary(_export(pb, tmp_path))
    assert evs["Denosumab 120 mg due"]["DTSTART"].dt == date(2026, 12, 3)
    assert set(evs) == {"Denosumab 120 mg due"}


def test_empty_plan_is_a_valid_calendar(pb, tmp_path):
    cal = _export(pb, tmp_path)
    assert cal.walk("VEVENT") == [] and str(cal["VERSION"]) == "2.0" and str(cal["PRODID"])


def test_loading_the_plugins_leaves_icalendar_until_a_calendar_is_written():
    # icalendar was most of the registry's load, which each dashboard start pays (issue 22)
    import subprocess
    import sys

    code = ("import sys; from painboard.plugins import load_registry; reg = load_registry(); "
            "print('ical' in reg.exporters, 'icalendar' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["True", "False"], out.stderr
