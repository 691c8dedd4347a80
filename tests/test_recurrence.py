"""Recurrence rules (issue 17, item 1): one parsed, checked structure at every entry point,
and a bad rule already stored breaks no read (it shows as an error line of its own)."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from .conftest import examples, ok, refused
from painboard.models import PlanItem
from painboard.recurrence import KEYS, MAX_RULE_TEXT, Recurrence, RuleError

pytestmark = pytest.mark.usefixtures("fixed_env")

# What a hostile user, an old version or an edited file could put where a rule goes.
HOSTILE = {
    "zoned start": ("DTSTART;TZID=Europe/London:20250101T080000\nRRULE:FREQ=DAILY", "DTSTART"),
    "start in 1900": ("DTSTART:19000101T000000 RRULE:FREQ=HOURLY", "DTSTART"),
    "extra dates": ("FREQ=DAILY;BYHOUR=8\nRDATE:20261201T090000", "RDATE"),
    "dates left out": ("RRULE:FREQ=DAILY;BYHOUR=8\nEXDATE:20261201T080000", "EXDATE"),
    "lower case start": ("dtstart:19000101t000000\nrrule:freq=hourly", "DTSTART"),
    "exrule": ("FREQ=DAILY;BYHOUR=8\nEXRULE:FREQ=WEEKLY", "EXRULE"),
    "very long": ("FREQ=DAILY;BYHOUR=" + ",".join(["8"] * 400), f"at most {MAX_RULE_TEXT}"),
    "a second line": ("FREQ=DAILY;BYHOUR=8\nFREQ=HOURLY", "a second line"),
    "unknown part": ("FREQ=DAILY;BYEASTER=0", "'BYEASTER' is not a part"),
    "part twice": ("FREQ=DAILY;FREQ=HOURLY", "FREQ is given twice"),
    "hour out of range": ("FREQ=DAILY;BYHOUR=25", "BYHOUR: 25 is outside 0 to 23"),
    "utc until": ("FREQ=DAILY;UNTIL=20270101T000000Z", "without Z"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_rule_that_is_not_a_plain_rrule_is_refused_by_plan_add(cli_run, name):
    rule, words = HOSTILE[name]
    t0 = time.monotonic()
    r = cli_run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--rrule", rule)
    refused(r, 2, "rrule:", words)
    assert "\n" not in r.stderr.rstrip("\n")  # one line, whatever the rule held
    assert time.monotonic() - t0 < 5
    assert ok(cli_run("plan", "list", "--json")).stdout.strip() == "[]"  # nothing added


def test_a_plain_rule_in_lower_case_is_kept_in_its_one_canonical_form(cli_run):
    ok(cli_run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg",
               "--rrule", "rrule:freq=daily;byminute=0;byhour=20,8"))
    items = json.loads(ok(cli_run("plan", "list", "--json")).stdout)
    assert [i["rrule"] for i in items] == ["FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0"]
    assert "daily at 08:00 and 20:00" in ok(cli_run("plan", "list")).stdout
    # the same rule written another way is the same schedule: a duplicate
    refused(cli_run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--times", "20:00,08:00"),
            2, "already in the plan")


def test_parse_gives_the_parts_and_the_canonical_text():
    r = Recurrence.parse("RRULE:freq=monthly;interval=2;byday=1mo,-1fr;wkst=su")
    assert (r.freq, r.interval, r.byday, r.wkst) == ("MONTHLY", 2, ((-1, "FR"), (1, "MO")), "SU")
    assert r.text() == "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR,1MO;WKST=SU"
    assert Recurrence.parse("FREQ=WEEKLY;INTERVAL=4").step() == (4, "weeks")
    with pytest.raises(RuleError, match="numbered day"):
        Recurrence.parse("FREQ=DAILY;BYDAY=1MO")
    with pytest.raises(RuleError, match="both COUNT and UNTIL"):
        Recurrence.parse("FREQ=DAILY;COUNT=3;UNTIL=20270101")
    for not_text in (["FREQ=DAILY"], 7, None):  # as a JSON file could hold it
        with pytest.raises(RuleError, match="is not text"):
            Recurrence.parse(not_text)  # type: ignore[arg-type]


def test_the_rule_starts_at_the_items_start_and_nowhere_else():
    # The dateutil rule is built from the fields with the plan item's start: 08:00 from 1 Dec.
    rule = Recurrence.parse("FREQ=DAILY;BYHOUR=8;COUNT=2").rule(date(2026, 12, 1))
    assert list(rule) == [datetime(2026, 12, 1, 8), datetime(2026, 12, 2, 8)]


def test_due_times_of_an_item_started_long_ago_are_found_without_walking_the_years():
    it = PlanItem(category="medication", name="Paracetamol", kind="scheduled", rrule="FREQ=HOURLY;INTERVAL=5",
                  start_date=date(1900, 1, 1))
    lo = datetime(2026, 11, 28, tzinfo=timezone.utc)
    t0 = time.monotonic()
    got = it.occurrences(lo, lo + timedelta(days=1), timezone.utc)
    assert time.monotonic() - t0 < 1  # walked from 1900 hour by hour: about 1.1 million steps
    # every 5 hours from 1900-01-01 00:00: 2026-11-28 is day 46,352; 46,352*24 = 1,112,448 hours,
    # 1,112,448 mod 5 = 3, so the first is at 02:00, then 07, 12, 17, 22
    assert [t.hour for t in got] == [2, 7, 12, 17, 22]
    monthly = PlanItem(category="medication", name="B12", kind="scheduled", rrule="FREQ=MONTHLY;INTERVAL=5",
                       start_date=date(1900, 1, 31))
    # months 1900-01 + 5k: 2026-11 is 1,522 months on; 1,525 is Feb 2027 (no 31st, so no dose),
    # 1,530 is Jul 2027
    assert monthly.next_due(lo, timezone.utc) == datetime(2027, 7, 31, tzinfo=timezone.utc)


# -- a bad rule already stored ------------------------------------------------------------
def _store_raw(db_path, name: str, rule: str, start: str = "2026-11-01") -> None:
    """Write a plan item as an old version or a hand-edited file could: past every check."""
    con = duckdb.connect(str(db_path))
    try:
        con.execute("INSERT INTO plan_item (category, name, dose, unit, kind, rrule, start_date, status) "
                    "VALUES ('medication', ?, 10, 'mg', 'scheduled', ?, ?, 'active')", [name, rule, start])
    finally:
        con.close()


@pytest.fixture
def spoilt(cli_run, db_path, built_once):
    """A plan with one good item (08:00 and 20:00) and the hostile rules stored beside it."""
    def build(path):
        ok(cli_run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--times", "08:00,20:00", db=path))
        ok(cli_run("log", "4", db=path))
        for i, (rule, _) in enumerate(HOSTILE.values()):
            _store_raw(path, f"Bad {i}", rule)
        _store_raw(path, "Too often", "FREQ=MINUTELY")

    built_once("recurrence-spoilt", db_path, build)  # built once, copied for each test
    return len(HOSTILE) + 1


def test_a_stored_bad_rule_is_a_line_of_its_own_in_plan_list(cli_run, spoilt):
    out = ok(cli_run("plan", "list")).stdout.splitlines()
    assert len(out) == 1 + spoilt
    assert "Morphine SR 30 mg" in out[0] and "daily at 08:00 and 20:00" in out[0]
    bad = [line for line in out if "this item's schedule cannot be read:" in line]
    assert len(bad) == spoilt
    assert any("holds DTSTART" in line for line in bad) and any("FREQ=MINUTELY is more often" in line for line in bad)
    assert not any("\x1b" in line or "EXDATE:2026" in line for line in out)  # the raw rule is not echoed


def test_plan_done_of_another_item_and_check_work_beside_a_stored_bad_rule(cli_run, spoilt):
    t0 = time.monotonic()
    ok(cli_run("plan", "done", "Morphine", "--at", "2026-11-28T08:10"))
    assert time.monotonic() - t0 < 5  # the 1900 start held the file for 23 s
    r = cli_run("check")
    assert r.exit_code == 1
    problems = [line for line in r.stderr.splitlines() if "schedule cannot be read" in line]
    assert len(problems) == spoilt and all(line.startswith("problem: plan item ") for line in problems)


def test_the_dashboard_snapshot_reads_beside_a_stored_bad_rule(pb, spoilt):
    t0 = time.monotonic()
    snap = pb.snapshot()
    assert time.monotonic() - t0 < 10
    good = [(l.due_at.astimezone(timezone.utc).hour, l.state) for l in snap.checklist if l.state != "error"]
    assert good == [(8, "overdue"), (20, "due")]  # 14:05 now: 08:00 is 6 h past
    errors = [l for l in snap.checklist if l.state == "error"]
    assert len(errors) == spoilt
    assert all(": this item's schedule cannot be read: " in l.text for l in errors)
    assert snap.today.entries == 1
    with pytest.raises(Exception, match="cannot be read"):
        pb.toggle(errors[0])  # space on the error line records nothing


@pytest.mark.parametrize("fmt,shows", [("markdown", "# Pain summary"), ("html", "<html"),
                                       ("ical", "SUMMARY:Morphine SR 30 mg"), ("json", '"name": "Morphine SR"')])
def test_every_export_works_beside_a_stored_bad_rule(cli_run, spoilt, tmp_path, fmt, shows):
    out = tmp_path / f"out.{fmt}"
    ok(cli_run("export", fmt, "-o", str(out)))
    text = out.read_text(encoding="utf-8")
    assert shows in text
    if fmt == "json":  # everything, as stored: the bad rule too, which an import then refuses
        assert text.upper().count("DTSTART") == 3
    else:
        assert "RDATE:20261201" not in text and "19000101T000000" not in text
    if fmt == "ical":
        assert text.count("BEGIN:VEVENT") == 1  # the good item alone
        assert "RRULE:FREQ=DAILY;BYMINUTE=0;BYHOUR=8,20" in text  # icalendar orders the parts


def test_metrics_work_beside_a_stored_bad_rule(cli_run, spoilt):
    r = ok(cli_run("metrics", "--json"))
    assert json.loads(r.stdout)


# -- entry points other than the CLI ------------------------------------------------------
@pytest.mark.usefixtures("imports_in_process")  # what it reads: see /conftest.py
def test_painboard_json_import_refuses_a_hostile_rule_and_adds_nothing(cli_run, tmp_path, db_path):
    ok(cli_run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--times", "08:00"))
    out = tmp_path / "all.json"
    ok(cli_run("export", "json", "-o", str(out)))
    doc = json.loads(out.read_text(encoding="utf-8"))
    doc["plan_items"][0]["rrule"] = HOSTILE["start in 1900"][0]
    out.write_text(json.dumps(doc), encoding="utf-8")
    fresh = tmp_path / "fresh.db"
    r = cli_run("import", str(out), db=fresh)
    assert r.exit_code != 0 and "DTSTART" in r.stderr and "Traceback" not in r.stderr
    assert json.loads(ok(cli_run("plan", "list", "--json", db=fresh)).stdout) == []


# -- parse under hypothesis ---------------------------------------------------------------
_PART = st.one_of(
    st.sampled_from(KEYS + ("DTSTART", "RDATE", "EXDATE", "BYEASTER", "")),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=8))
_VALUE = st.one_of(
    st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "HOURLY", "MINUTELY", "MO", "1MO", "-1FR",
                     "20270101", "20270101T080000", "20270101T080000Z", "0", "-1", "8,20", "99999", ""]),
    st.text(alphabet="0123456789,+-MOTUWEFRSA", max_size=12),
    st.text(max_size=12))


@st.composite
def rules(draw):
    parts = draw(st.lists(st.tuples(_PART, _VALUE), max_size=6))
    text = ";".join(f"{k}={v}" for k, v in parts)
    return draw(st.sampled_from(["", "RRULE:", "rrule:", " "])) + (text.lower() if draw(st.booleans()) else text)


def _nums(lo: int, hi: int) -> st.SearchStrategy[str]:
    return st.lists(st.integers(lo, hi), min_size=1, max_size=4).map(lambda v: ",".join(map(str, v)))


@st.composite
def plain_rules(draw):
    """Rules made of valid parts in any order and case, so many of them parse."""
    parts = {"FREQ": draw(st.sampled_from(["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY"]))}
    optional = {"INTERVAL": st.integers(1, 30).map(str), "COUNT": st.integers(1, 1000).map(str),
                "BYHOUR": _nums(0, 23), "BYMINUTE": _nums(0, 59), "BYMONTH": _nums(1, 12),
                "BYMONTHDAY": _nums(-31, 31).filter(lambda v: "0" not in v.split(",")),
                "BYDAY": st.lists(st.sampled_from(["MO", "TU", "WE", "TH", "FR", "SA", "SU"]), min_size=1,
                                  max_size=3).map(",".join),
                "WKST": st.sampled_from(["MO", "SU"]),
                "UNTIL": st.dates(date(1990, 1, 1), date(2199, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))}
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True, max_size=5)):
        parts[key] = draw(optional[key])
    order = draw(st.permutations(list(parts)))
    text = ";".join(f"{k}={parts[k]}" for k in order)
    return text.lower() if draw(st.booleans()) else text


@settings(max_examples=examples(300), deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(rules(), plain_rules(), st.text(max_size=400)))
def test_parse_refuses_with_a_message_or_round_trips(text):
    try:
        rec = Recurrence.parse(text)
    except RuleError as e:
        assert str(e) and "\n" not in str(e) and len(str(e)) < 400
        return
    assert Recurrence.parse(rec.text()) == rec
    assert Recurrence.parse(rec.text()).text() == rec.text()
    rec.problem(date(2026, 11, 28))  # the guard answers (a message or None) within the deadline


def test_an_ical_export_keeps_a_far_until_instead_of_counting_each_time(cli_run, tmp_path):
    ok(cli_run("plan", "add", "Paracetamol", "--dose", "1", "--unit", "g", "--rrule", "FREQ=HOURLY;UNTIL=21991231"))
    out = tmp_path / "plan.ics"
    t0 = time.monotonic()
    ok(cli_run("export", "ical", "-o", str(out)))
    assert time.monotonic() - t0 < 5  # counting 1.5 million hourly times took 5 s an item
    rules = [line for line in out.read_text().splitlines() if line.startswith("RRULE")]
    assert rules == ["RRULE:FREQ=HOURLY;UNTIL=21991231T000000Z"]  # London is on UTC in December


_PLAIN = ["FREQ=DAILY;BYHOUR=8,20", "FREQ=HOURLY;INTERVAL=5", "FREQ=HOURLY;INTERVAL=7;BYMINUTE=15,45",
          "FREQ=DAILY;INTERVAL=3;BYHOUR=9", "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;BYHOUR=10",
          "FREQ=WEEKLY;INTERVAL=3;WKST=SU;BYDAY=SU,SA", "FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=31",
          "FREQ=MONTHLY;INTERVAL=7;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=-1",
          "FREQ=YEARLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=29", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=TH",
          "FREQ=MONTHLY;INTERVAL=18"]


@settings(max_examples=examples(150), deadline=5000)
@given(rule=st.sampled_from(_PLAIN), start=st.dates(date(1990, 1, 1), date(2026, 11, 1)),
       ahead=st.integers(0, 20_000))
def test_walking_from_near_the_day_gives_the_same_times_as_walking_from_the_start(rule, start, ahead):
    rec = Recurrence.parse(rule)
    near = datetime.combine(start, datetime.min.time()) + timedelta(days=ahead, hours=ahead % 24)
    far = near + timedelta(days=40)
    walked = rec.rule(start).between(near, far, inc=True)
    assert rec.rule(start, near=near).between(near, far, inc=True) == walked
