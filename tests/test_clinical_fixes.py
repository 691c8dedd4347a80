"""Issue 12, "wrong today": each figure worked by hand from the inputs, through the CLI.

The clock is frozen at Sat 28 Nov 2026 14:05 in Europe/London (tests/conftest.py)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest

from painboard.figures.omed import omed_per_day
from painboard.figures.opioids import resolve_opioid
from painboard.figures.schedule import match_due

pytestmark = pytest.mark.usefixtures("fixed_env")


def ok(r):
    assert r.exit_code == 0, (r.output, r.stderr if r.stderr_bytes is not None else "")
    return r


def metrics(cli_run, since: str, until: str) -> dict:
    r = ok(cli_run("metrics", "--since", since, "--until", until, "--json"))
    return {m["name"]: m for m in json.loads(r.stdout)}


def summary(cli_run, tmp_path, since: str, until: str) -> str:
    out = tmp_path / f"visit-{since}.md"
    ok(cli_run("export", "markdown", "-o", str(out), "--since", since, "--until", until))
    return out.read_text()


# -- 2. units -------------------------------------------------------------------------------------
def test_omed_converts_mass_units_and_liquids_and_names_what_it_cannot(cli_run, tmp_path):
    ok(cli_run("plan", "add", "Hydromorphone", "--dose", "1300", "--unit", "mcg", "--as-needed"))
    ok(cli_run("plan", "add", "Morphine oral solution", "--dose", "5", "--unit", "ml",
               "--strength", "10 mg/5 ml", "--as-needed"))
    r = ok(cli_run("plan", "add", "Oramorph", "--dose", "5", "--unit", "ml", "--as-needed"))
    assert "note: Oramorph" in r.stdout and "--strength" in r.stdout  # said when it is added
    ok(cli_run("plan", "done", "Hydromorphone", "--at", "2026-11-20T08:00"))
    ok(cli_run("plan", "done", "Morphine oral", "--at", "2026-11-20T10:00"))
    ok(cli_run("plan", "done", "Oramorph", "--at", "2026-11-20T12:00"))
    # By hand: 1300 mcg = 1.3 mg x 5 = 6.5; 5 ml of 10 mg/5 ml = 10 mg x 1 = 10; Oramorph 5 ml
    # without a strength cannot be converted: nothing, and said.
    hydro, liquid = 1300 / 1000 * 5, 5 * 10 / 5 * 1
    m = metrics(cli_run, "2026-11-20", "2026-11-21")["omed"]
    assert m["value"] == pytest.approx(hydro + liquid)
    assert m["details"]["per_drug"] == {"Hydromorphone": pytest.approx(hydro), "Morphine oral solution": liquid}
    assert m["details"]["not_counted"] == {"Oramorph": "unit"}
    assert "not counted (unit): Oramorph" in m["text"]
    md = summary(cli_run, tmp_path, "2026-11-20", "2026-11-21")
    assert "mean 16.5 mg a day on 1 of 1 day (range 16.5 to 16.5)" in md  # 6.5 + 10, half up to 0.1
    assert "not counted (unit): Oramorph" in md


def test_a_bad_strength_is_refused(cli_run, db_counts, db_path):
    r = cli_run("plan", "add", "Oramorph", "--dose", "5", "--unit", "ml", "--strength", "strong", "--as-needed")
    assert not db_path.exists() or db_counts(db_path)["plan_item"] == 0
    assert r.exit_code == 2 and "strength" in r.stderr


# -- 3. names -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, route, drug, factor", [
    ("OxyNorm", None, "oxycodone", 1.5), ("OxyContin 20 mg", None, "oxycodone", 1.5),
    ("MST Continus", None, "morphine", 1), ("MS Contin", None, "morphine", 1),
    ("Zomorph", None, "morphine", 1), ("Sevredol", None, "morphine", 1), ("Oramorph", None, "morphine", 1),
    ("Durogesic", None, "fentanyl transdermal", 2.4), ("Palladone", None, "hydromorphone", 5),
    ("Dilaudid", None, "hydromorphone", 5), ("Nucynta", None, "tapentadol", 0.4),
    ("Palexia SR", None, "tapentadol", 0.4), ("Ultram", None, "tramadol", 0.2), ("Zydol", None, "tramadol", 0.2),
    ("Tramal", None, "tramadol", 0.2), ("Percocet", None, "oxycodone", 1.5), ("Norco", None, "hydrocodone", 1),
    ("Vicodin", None, "hydrocodone", 1), ("co-codamol 30/500", None, "codeine", 0.15),
    ("Dihydrocodeine", None, "dihydrocodeine", None), ("Actiq", None, "fentanyl transmucosal", None),
    ("Abstral", None, "fentanyl transmucosal", None), ("Effentora", None, "fentanyl transmucosal", None),
    ("PecFent", None, "fentanyl transmucosal", None), ("Fentanyl", "buccal", "fentanyl transmucosal", None),
    ("Fentanyl nasal spray", None, "fentanyl transmucosal", None), ("Morphine", "sc", "morphine", None),
    ("Oxycodone", "iv", "oxycodone", None),
])
def test_whole_names_and_brands(name, route, drug, factor):
    o = resolve_opioid(name, route)
    assert (o.drug, o.factor) == (drug, factor)


def test_not_an_opioid_by_resemblance():
    assert resolve_opioid("Paracetamol") is None
    assert resolve_opioid("Morphinexyz") is None  # a whole word, not a prefix


def test_brand_names_count_and_what_is_not_counted_is_named(cli_run, tmp_path):
    ok(cli_run("plan", "add", "OxyNorm", "--dose", "5", "--unit", "mg", "--as-needed"))
    r = ok(cli_run("plan", "add", "Dihydrocodeine", "--dose", "30", "--unit", "mg", "--as-needed"))
    assert "looks like an opioid with no factor" in r.stdout
    r = ok(cli_run("plan", "add", "Abstral", "--dose", "100", "--unit", "mcg", "--as-needed"))
    assert "not in OMED" in r.stdout
    for h in (8, 10, 12, 14, 16):
        ok(cli_run("plan", "done", "OxyNorm", "--at", f"2026-11-21T{h:02d}:00"))
    ok(cli_run("plan", "done", "Dihydrocodeine", "--at", "2026-11-21T18:00"))
    ok(cli_run("plan", "done", "Abstral", "--at", "2026-11-21T20:00"))
    m = metrics(cli_run, "2026-11-21", "2026-11-22")
    # 5 OxyNorm x 5 mg x 1.5 = 37.5; dihydrocodeine has no factor; Abstral is not in OMED.
    assert m["omed"]["value"] == 5 * 5 * 1.5
    assert m["omed"]["details"]["not_counted"] == {"Abstral": "not in OMED", "Dihydrocodeine": "no factor"}
    assert "not counted (no factor): Dihydrocodeine" in m["omed"]["text"]
    assert "not in OMED: Abstral" in m["omed"]["text"]
    # All three are opioids taken as needed: 7 rescue doses, over the marker.
    assert m["rescue-doses-today"]["value"] == 7
    assert m["rescue-doses-today"]["level"] == "alert"
    md = summary(cli_run, tmp_path, "2026-11-21", "2026-11-22")
    assert "not counted (no factor): Dihydrocodeine" in md and "not in OMED: Abstral" in md


# -- 4. patches -----------------------------------------------------------------------------------
def test_a_patch_counts_every_day_it_is_worn(cli_run, tmp_path):
    ok(cli_run("plan", "add", "Fentanyl", "--route", "transdermal", "--dose", "25", "--unit", "mcg/h",
               "--rrule", "FREQ=DAILY;INTERVAL=3;BYHOUR=9", "--start", "2026-11-20"))
    ok(cli_run("plan", "done", "Fentanyl", "--at", "2026-11-20T09:00"))
    ok(cli_run("plan", "done", "Fentanyl", "--at", "2026-11-23T09:00"))
    # 25 mcg/h x 2.4 = 60 a day. First patch 20th 09:00 until the change on the 23rd; second
    # until its 72 h run out on the 26th 09:00. Worn on the 20th..26th; not on the 27th.
    per_day = 25 * 2.4
    m = metrics(cli_run, "2026-11-20", "2026-11-28")["omed"]
    assert m["series"] == [per_day] * 7 + [None]
    assert m["value"] == per_day
    assert m["details"]["per_drug"] == {"Fentanyl": per_day * 7}
    # A period that starts after the patch went on still sees it worn.
    assert metrics(cli_run, "2026-11-22", "2026-11-23")["omed"]["value"] == per_day
    assert "mean 60 mg a day on 7 of 8 days (range 60 to 60)" in summary(cli_run, tmp_path, "2026-11-20", "2026-11-28")


def test_a_patch_across_the_clocks_going_back():
    # London leaves summer time on Sun 25 Oct 2026 (02:00 BST -> 01:00 GMT). A patch put on
    # Sat 24 Oct 09:00 BST (08:00 UTC) comes off 72 h later, Tue 27 Oct 08:00 GMT: worn on
    # the 24th, 25th, 26th and 27th, 60 mg each.
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/London")
    item = {"id": 1, "name": "Durogesic", "category": "medication", "kind": "scheduled", "dose": 25,
            "unit": "mcg/h", "route": None, "mme_factor": None, "strength": None}
    on = datetime(2026, 10, 24, 9, 0, tzinfo=tz).astimezone(timezone.utc)
    ev = {"item_id": 1, "status": "taken", "amount": None, "done_at": on, "due_at": None}
    assert omed_per_day([ev], [item], tz) == {date(2026, 10, d): 60.0 for d in (24, 25, 26, 27)}


# -- 1. adherence from anywhere --------------------------------------------------------------------
def test_doses_from_the_command_line_find_their_due_time(cli_run, tmp_path):
    ok(cli_run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--times", "08:00,20:00",
               "--start", "2026-11-20"))
    ok(cli_run("plan", "done", "Morphine SR", "--at", "2026-11-20T08:00"))   # on time
    r = ok(cli_run("plan", "done", "Morphine SR", "--at", "2026-11-20T21:30"))  # 1.5 h late
    assert "due 20:00" in r.stdout
    ok(cli_run("plan", "done", "Morphine SR", "--at", "2026-11-21T10:30"))   # 2.5 h late, logged later
    # A second record near 08:00 on the 21st: that due time is taken, so it is refused...
    r = cli_run("plan", "done", "Morphine SR", "--at", "2026-11-21T08:30")
    assert r.exit_code == 2
    assert "already recorded as taken" in r.stderr and "--extra" in r.stderr
    # ...unless asked for on purpose: kept as an extra dose, outside adherence.
    r = ok(cli_run("plan", "done", "Morphine SR", "--at", "2026-11-21T08:30", "--extra"))
    assert "due" not in r.stdout.split("at 08:30")[1]
    # 14:00 is 6 h from both due times: kept, not matched.
    ok(cli_run("plan", "done", "Morphine SR", "--at", "2026-11-21T14:00"))
    # By hand: due 08:00 and 20:00 on the 20th and 21st = 4; taken for 3 of them = 75 %.
    m = metrics(cli_run, "2026-11-20", "2026-11-22")["scheduled-adherence"]
    assert m["value"] == 75.0
    assert m["text"].startswith("3 of 4 scheduled doses taken")
    assert m["series"] == [100.0, 50.0]
    # The OMED counts every dose taken, matched or not: 3 + 2 extra = 5 doses of 30 mg.
    assert metrics(cli_run, "2026-11-20", "2026-11-22")["omed"]["details"]["per_drug"] == {"Morphine SR": 5 * 30}


def test_closer_schedules_use_half_the_gap():
    from zoneinfo import ZoneInfo

    from painboard.models import PlanItem

    tz = ZoneInfo("Europe/London")
    it = PlanItem(id=1, category="medication", name="Oxycodone", kind="scheduled",
                  rrule="FREQ=HOURLY;INTERVAL=4", start_date=date(2026, 11, 20))
    at = lambda h, m=0: datetime(2026, 11, 21, h, m, tzinfo=tz).astimezone(timezone.utc)  # noqa: E731
    # Due 00, 04, 08, 12...: each owns 2 h either side (half the 4 h gap, under the 3 h window).
    assert match_due(it, at(9, 30), [], tz) == ("open", at(8))
    assert match_due(it, at(10, 30), [], tz) == ("open", at(12))
    assert match_due(it, at(9, 30), [at(8)], tz) == ("recorded", at(8))  # not moved to 12:00


@pytest.mark.usefixtures("imports_in_process")  # what it reads: see /conftest.py
def test_imported_doses_are_matched_too(cli_run, tmp_path, db_path):
    ok(cli_run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--times", "08:00,20:00",
               "--start", "2026-11-20"))
    ok(cli_run("plan", "done", "Morphine SR", "--at", "2026-11-20T08:10"))
    ok(cli_run("plan", "done", "Morphine SR", "--at", "2026-11-20T19:40"))
    out = tmp_path / "all.json"
    ok(cli_run("export", "json", "-o", str(out), "--since", "2026-11-19", "--until", "2026-11-22"))
    data = json.loads(out.read_text())
    assert len(data["plan_events"]) == 2
    for e in data["plan_events"]:
        e["due_at"] = None  # as another app writes them: when taken, no due time
    (tmp_path / "nodue.json").write_text(json.dumps(data))
    other = tmp_path / "other.db"
    ok(cli_run("import", str(tmp_path / "nodue.json"), db=other))
    r = ok(cli_run("metrics", "--since", "2026-11-20", "--until", "2026-11-21", "--json", db=other))
    m = {x["name"]: x for x in json.loads(r.stdout)}["scheduled-adherence"]
    assert m["text"].startswith("2 of 2 scheduled doses taken")


# -- 5. bone-strengthening drug ------------------------------------------------------------------
def test_bone_agent_next_due_follows_the_last_dose_given(cli_run, pb, tmp_path):
    # Added today (Sat 28 Nov), every 4 weeks; the last infusion was given on Thu 5 Nov.
    ok(cli_run("plan", "add", "Zoledronic acid", "--category", "bone_strengthening", "--dose", "4",
               "--unit", "mg", "--route", "iv", "--every-weeks", "4"))
    ok(cli_run("plan", "done", "Zoledronic acid", "--at", "2026-11-05T10:00"))
    due = date(2026, 11, 5) + timedelta(weeks=4)  # 3 Dec
    assert due == date(2026, 12, 3)
    line = [l for l in pb.snapshot(7).checklist if l.category == "bone_strengthening"][0]
    assert line.due_in_days == (due - date(2026, 11, 28)).days == 5 and line.state == "upcoming"
    m = metrics(cli_run, "2026-11-22", "2026-11-29")["bone-agent"]
    assert m["value"] == 5 and "due in 5 days (due 3 Dec 2026; last given 5 Nov 2026)" in m["text"]
    # As of 9 Nov (a period that ended then) it was 24 days away.
    assert metrics(cli_run, "2026-11-01", "2026-11-10")["bone-agent"]["value"] == (due - date(2026, 11, 9)).days
    cal = tmp_path / "plan.ics"
    ok(cli_run("export", "ical", "-o", str(cal)))
    assert "DTSTART;VALUE=DATE:20261203" in cal.read_text()


def test_a_late_infusion_moves_the_next_date(cli_run, pb):
    ok(cli_run("plan", "add", "Denosumab", "--category", "bone_strengthening", "--dose", "120",
               "--unit", "mg", "--route", "sc", "--every-weeks", "4", "--start", "2026-10-01"))
    # The grid says 1 Oct, 29 Oct, 26 Nov; given 1 Oct, then late on 6 Nov: next 4 Dec, not 26 Nov.
    ok(cli_run("plan", "done", "Denosumab", "--at", "2026-10-01T10:00"))
    ok(cli_run("plan", "done", "Denosumab", "--at", "2026-11-06T10:00"))
    m = metrics(cli_run, "2026-11-22", "2026-11-29")["bone-agent"]
    assert m["value"] == (date(2026, 11, 6) + timedelta(weeks=4) - date(2026, 11, 28)).days == 6
    # Nothing given for longer than the interval: overdue, in days.
    assert metrics(cli_run, "2026-10-30", "2026-10-31")["bone-agent"]["text"].startswith(
        "Denosumab 120 mg: overdue by 1 day (due 29 Oct 2026")


# -- 6. the rescue-dose marker over a period -------------------------------------------------------
def test_the_rescue_marker_names_the_days_over_a_period(cli_run):
    ok(cli_run("plan", "add", "Oxycodone IR", "--dose", "5", "--unit", "mg", "--as-needed",
               "--max-per-day", "6", "--start", "2026-08-01"))
    counts = {"2026-09-01": 1, "2026-09-03": 5, "2026-09-04": 2}
    for day, n in counts.items():
        for i in range(n):
            ok(cli_run("plan", "done", "Oxycodone", "--at", f"{day}T{8 + 2 * i:02d}:00"))
    m = metrics(cli_run, "2026-09-01", "2026-09-05")["rescue-doses-today"]
    # The period's last day is 09-04 (2 doses), not today; 09-03 had 5, more than 4.
    assert m["value"] == 2
    assert m["text"].startswith("Oxycodone IR 5 mg 2 of 6 on 2026-09-04")  # the item against its own cap
    assert "today" not in m["text"]
    assert "more than 4 a day on 2026-09-03 (5)" in m["text"]
    assert m["level"] == "alert"
    assert m["series"] == [1.0, 0.0, 5.0, 2.0]
    # A period without such a day says nothing of the kind.
    quiet = metrics(cli_run, "2026-09-04", "2026-09-05")["rescue-doses-today"]
    assert quiet["level"] == "ok" and "more than" not in quiet["text"]


# -- 7. a day with only a daily review -----------------------------------------------------------------
def test_daily_reviews_count_in_worst_and_least(cli_run, pb, tmp_path):
    # 26 Nov: a review only (worst 8, least 3, average 5). 27 Nov: entries 4 and 7, and a
    # review saying the worst of the last 24 h was 9 and the least 2.
    ok(cli_run("review", "--day", "2026-11-26", "--worst", "8", "--least", "3", "--average", "5", "--yes"))
    ok(cli_run("log", "4", "--at", "2026-11-27T09:00"))
    ok(cli_run("log", "7", "--at", "2026-11-27T15:00"))
    ok(cli_run("review", "--day", "2026-11-27", "--worst", "9", "--least", "2", "--average", "5", "--yes"))
    one = metrics(cli_run, "2026-11-26", "2026-11-27")
    assert one["worst-pain"]["value"] == 8 and one["least-pain"]["value"] == 3
    assert one["average-pain"]["value"] == 5
    assert "(0 entries, 1 review)" in one["worst-pain"]["text"]
    two = metrics(cli_run, "2026-11-26", "2026-11-28")
    # Worst of each day = max(entries' worst, review's worst): 8, max(7, 9) = 9.
    assert two["worst-pain"]["series"] == [8, 9] and two["worst-pain"]["value"] == 9
    # Least of each day = min(entries' least, review's least): 3, min(4, 2) = 2.
    assert two["least-pain"]["series"] == [3, 2] and two["least-pain"]["value"] == 2
    # Average: the entries' (4 + 7) / 2 on the 27th; the review's 5 on the 26th, weighing as one entry.
    assert two["average-pain"]["series"] == [5, (4 + 7) / 2]
    assert two["average-pain"]["value"] == round((5 + 4 + 7) / 3, 1)
    # The dashboard's day and the trend agree.
    today = pb.snapshot(7, day=date(2026, 11, 26)).today
    assert (today.worst, today.entries) == (8, 0)
    md = summary(cli_run, tmp_path, "2026-11-26", "2026-11-27")
    assert "worst 8" in md


# -- 8. check on a path with no database ---------------------------------------------------------------
def test_check_with_no_database_says_so_and_creates_nothing(cli_run, tmp_path):
    where = tmp_path / "nothing" / "here.db"
    r = cli_run("check", db=where)
    assert r.exit_code == 1
    assert f"there is no database at {where}" in r.stderr
    assert not where.exists() and not where.parent.exists()
    assert list(tmp_path.iterdir()) == []


# -- 10. one metric's failed query does not break the others -------------------------------------------
FAILING_METRIC = '''
from painboard.plugins import Metric, MetricValue, hookimpl


def broken(view):
    # A query DuckDB refuses while it runs (a folder that does not exist): it aborts the
    # unit of work's read transaction.
    view.write_entries_parquet({target!r})
    return MetricValue(value=1, text="never")


@hookimpl
def register_metrics(register):
    register(Metric(name="broken", label="Broken", order=1, compute=broken))
'''


def test_a_failed_query_leaves_the_other_metrics_of_the_refresh_alone(cli_run, tmp_path, monkeypatch, pb):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "broken.py").write_text(FAILING_METRIC.format(target=str(tmp_path / "no" / "such" / "x.parquet")))
    monkeypatch.setenv("PAINBOARD_LOAD_PLUGINS", "broken")
    ok(cli_run("log", "4", "--at", "2026-11-27T09:00"))
    ok(cli_run("log", "6", "--at", "2026-11-27T15:00"))
    r = ok(cli_run("--plugins-dir", str(plugins), "metrics", "--since", "2026-11-27", "--until", "2026-11-28", "--json"))
    got = {m["name"]: m for m in json.loads(r.stdout)}
    assert got["broken"]["error"] and got["broken"]["value"] is None
    others = [m for n, m in got.items() if n != "broken"]
    assert [m["name"] for m in others if m["error"]] == []
    assert got["average-pain"]["value"] == (4 + 6) / 2 and got["worst-pain"]["value"] == 6
    # The dashboard's refresh too: one snapshot, its metrics all there but the broken one.
    from painboard.plugins import load_registry

    pb.use_registry(load_registry(plugins, env={"PAINBOARD_LOAD_PLUGINS": "broken"}))
    snap = pb.snapshot(7, day=date(2026, 11, 27))
    assert [m.name for m in snap.metrics if m.error] == ["broken"]
    assert snap.today.worst == 6
