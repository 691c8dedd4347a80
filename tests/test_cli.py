"""The command line: every command, exit codes, messages naming the field, nothing written on error."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from painboard.store import repository as repo

from .conftest import ok, refused as failed

pytestmark = pytest.mark.usefixtures("fixed_env")


@pytest.fixture
def with_plan(cli_run):
    ok(cli_run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--route", "oral",
               "--times", "08:00,20:00", "--start", "2026-11-01"))
    ok(cli_run("plan", "add", "Oxycodone IR", "--dose", "5", "--unit", "mg", "--as-needed",
               "--max-per-day", "4"))
    return cli_run


# -- log ---------------------------------------------------------------------------------------
def test_log_writes_one_entry(cli_run, db_path, make_pb):
    r = ok(cli_run("log", "6", "--site", "left hip", "--site", "lumbar", "--quality", "aching",
                   "--activity", "walking", "--worse", "walking", "--better", "rest", "--duration", "30",
                   "--note", "after lunch", "--at", "13:30", "--pattern", "on movement"))
    assert "logged 6/10 at Sat 28 Nov 13:30 (entry 1)" in r.stdout
    rows = make_pb(db_path).entries()
    assert len(rows) == 1
    e = rows[0]
    assert (e["intensity"], e["sites"], e["qualities"], e["activity"], e["duration_min"], e["pattern"]) == \
        (6, ["left hip", "lower back"], ["aching"], "walking", 30, "on movement")
    assert e["occurred_at"] == datetime(2026, 11, 28, 13, 30, tzinfo=timezone.utc)


def test_log_times(cli_run, db_path, make_pb):
    ok(cli_run("log", "3", "--at", "yesterday 22:10"))
    ok(cli_run("log", "4", "--at", "2026-11-28T09:00+01:00"))
    ok(cli_run("log", "5", "--at", "2026-11-28 10:15"))
    ok(cli_run("log", "2"))
    got = [(r["intensity"], r["occurred_at"]) for r in make_pb(db_path).entries()]
    utc = lambda *a: datetime(*a, tzinfo=timezone.utc)  # noqa: E731
    assert got == [(3, utc(2026, 11, 27, 22, 10)), (4, utc(2026, 11, 28, 8)), (5, utc(2026, 11, 28, 10, 15)),
                   (2, utc(2026, 11, 28, 14, 5))]


@pytest.mark.parametrize("args, fragments", [
    (["11"], ["intensity:", "0 to 10"]),
    (["--", "-1"], ["intensity:"]),
    (["seven"], ["intensity:", "'seven'"]),
    (["4", "--at", "14:30"], ["at:", "future"]),
    (["4", "--at", "tomorrow"], ["at:", "not a time"]),
    (["4", "--duration", "ages"], ["duration_min:", "minutes"]),
    (["4", "--pattern", "sometimes"], ["pattern:"]),
])
def test_log_bad_input_exits_2_and_writes_nothing(cli_run, db_path, db_counts, args, fragments):
    ok(cli_run("log", "1"))
    before = db_counts(db_path)
    failed(cli_run("log", *args), 2, *fragments)
    assert db_counts(db_path) == before


# -- episode -------------------------------------------------------------------------------------
def test_episode_with_rescue(with_plan, db_path, make_pb):
    r = ok(with_plan("episode", "8", "--at", "13:00", "--type", "incident non-volitional", "--trigger",
                     "coughing", "--duration", "20", "--rescue", "oxycodone", "--background", "3"))
    assert "peak 8/10, 20 min" in r.stdout
    pb = make_pb(db_path)
    c = pb.counts()
    assert (c["episode"], c["plan_event"]) == (1, 1)
    line = [l for l in pb.snapshot().checklist if l.kind == "as_needed"][0]
    assert line.count_today == 1


@pytest.mark.parametrize("args, fragments", [
    (["12"], ["peak:"]),
    (["8", "--rescue", "aspirin"], ["item:", "aspirin"]),
    (["8", "--rescue", "i"], ["item:", "several"]),
    (["5", "--background", "7"], ["background:", "higher than the peak"]),
    (["5", "--type", "sudden"], ["type:"]),
    (["5", "--duration", "-3"], ["duration:", "negative"]),
])
def test_episode_bad_input(with_plan, db_path, db_counts, args, fragments):
    before = db_counts(db_path)
    failed(with_plan("episode", *args), 2, *fragments)
    assert db_counts(db_path) == before


# -- plan ---------------------------------------------------------------------------------------
def test_plan_add_kinds_and_list(with_plan, db_path):
    ok(with_plan("plan", "add", "Zoledronic acid", "--category", "bone_strengthening", "--dose", "4",
                 "--unit", "mg", "--every-weeks", "4"))
    ok(with_plan("plan", "add", "Radiation to left hip", "--category", "radiation", "--dose", "8", "--unit",
                 "Gy", "--on", "2026-12-02"))
    ok(with_plan("plan", "add", "Radiation course", "--category", "radiation", "--sessions", "5",
                 "--times", "10:00"))
    ok(with_plan("plan", "add", "Fentanyl", "--dose", "25", "--unit", "mcg/h", "--route", "transdermal",
                 "--rrule", "FREQ=DAILY;INTERVAL=3;BYHOUR=9"))
    items = json.loads(ok(with_plan("plan", "list", "--json")).stdout)
    got = {i["name"]: (i["category"], i["kind"], i["rrule"], i["max_per_day"], i["on_date"], i["sessions"],
                       i["mme_factor"]) for i in items}
    assert got == {
        "Morphine SR": ("medication", "scheduled", "FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0", None, None, None, 1.0),
        "Oxycodone IR": ("medication", "as_needed", None, 4, None, None, 1.5),
        "Zoledronic acid": ("bone_strengthening", "scheduled", "FREQ=WEEKLY;INTERVAL=4", None, None, None, None),
        "Radiation to left hip": ("radiation", "once", None, None, "2026-12-02", None, None),
        "Radiation course": ("radiation", "course", "FREQ=DAILY;BYHOUR=10;BYMINUTE=0", None, None, 5, None),
        "Fentanyl": ("medication", "scheduled", "FREQ=DAILY;INTERVAL=3;BYHOUR=9", None, None, None, 2.4),
    }
    text = ok(with_plan("plan", "list")).stdout
    assert "as needed, up to 4/day" in text and "on 2026-12-02" in text and "5 sessions" in text


@pytest.mark.parametrize("args, fragments", [
    (["X"], ["schedule:", "say when"]),
    (["X", "--times", "8:00", "--rrule", "FREQ=DAILY"], ["schedule:", "only one"]),
    (["X", "--times", "25:00"], ["times:"]),
    (["X", "--rrule", "EVERY DAY"], ["rrule:", "RFC 5545"]),
    (["X", "--on", "2026-12-02", "--times", "10:00"], ["rrule:", "one-off"]),
    (["X", "--sessions", "5"], ["rrule:", "schedule"]),
    (["X", "--times", "08:00", "--max-per-day", "3"], ["max_per_day:", "as-needed"]),
    (["X", "--as-needed", "--dose", "-5"], ["dose:", "more than 0"]),
    (["X", "--as-needed", "--start", "2026-11-20", "--end", "2026-11-01"], ["end_date:"]),
    (["X", "--on", "next week"], ["on:", "not a date"]),
    (["X", "--as-needed", "--category", "food"], ["category"]),
])
def test_plan_add_rejects(cli_run, db_path, db_counts, args, fragments):
    ok(cli_run("log", "1"))
    before = db_counts(db_path)
    r = cli_run("plan", "add", *args)
    if "food" in args:  # click's own choice check: usage error, exit 2
        assert r.exit_code == 2 and "food" in r.stderr
    else:
        failed(r, 2, *fragments)
    assert db_counts(db_path) == before


def test_plan_done_and_stop(with_plan, db_path, db_counts, make_pb):
    r = ok(with_plan("plan", "done", "morphine", "--at", "08:10"))
    assert "recorded: item 1 taken at 08:10" in r.stdout
    ok(with_plan("plan", "done", "2", "--amount", "10"))
    ok(with_plan("plan", "done", "morphine", "--skipped", "--at", "13:00"))
    pb = make_pb(db_path)
    with pb.db.unit_of_work() as con:
        evs = con.execute("SELECT item_id, status, amount FROM plan_event ORDER BY id").fetchall()
    assert evs == [(1, "taken", 30.0), (2, "taken", 10.0), (1, "skipped", 30.0)]
    before = db_counts(db_path)
    failed(with_plan("plan", "done", "paracetamol"), 2, "item:", "no plan item")
    failed(with_plan("plan", "done", "morphine", "--at", "23:00"), 2, "at:", "future")
    assert db_counts(db_path) == before
    r = ok(with_plan("plan", "stop", "morphine"))
    assert "stopped Morphine SR 30 mg from 2026-11-28" in r.stdout
    assert "Morphine" not in ok(with_plan("plan", "list")).stdout
    assert "[stopped]" in ok(with_plan("plan", "list", "--all")).stdout
    failed(with_plan("plan", "done", "1"), 2, "item:", "stopped")


def test_plan_list_empty(cli_run):
    assert "the plan is empty" in ok(cli_run("plan", "list")).stdout
    assert json.loads(ok(cli_run("plan", "list", "--json")).stdout) == []


# -- review ------------------------------------------------------------------------------------
def _reviews(make_pb, db_path):
    pb = make_pb(db_path)
    with pb.db.unit_of_work() as con:
        return repo.reviews(con)


def test_review_interactive_prefilled(cli_run, db_path, make_pb):
    for at, v in (("09:00", "3"), ("11:00", "7"), ("13:00", "5")):
        ok(cli_run("log", v, "--at", at))
    # worst, least, average, now: accept the prefill; relief 40; seven domains; a note
    answers = ["", "", "", "", "40", "5", "4", "8", "6", "2", "7", "3", "slept badly"]
    r = ok(cli_run("review", input="\n".join(answers) + "\n"))
    assert "Worst pain in the last 24 hours (0-10) [7]" in r.stdout
    assert "Least pain in the last 24 hours (0-10) [3]" in r.stdout
    assert "Pain on average (0-10) [5]" in r.stdout
    assert "Pain right now (0-10) [5]" in r.stdout
    assert "Walking and getting about" in r.stdout and "BPI" not in r.stdout
    assert "review saved for Sat 28 Nov" in r.stdout
    [rev] = _reviews(make_pb, db_path)
    assert (rev["day"], rev["worst"], rev["least"], rev["average"], rev["now"], rev["relief_pct"]) == \
        (date(2026, 11, 28), 7, 3, 5, 5, 40)
    assert rev["interference"] == {"activity": 5, "mood": 4, "walking": 8, "work": 6, "relations": 2,
                                   "sleep": 7, "enjoyment": 3}
    assert rev["note"] == "slept badly"
    # a second review the same day starts from the saved one and replaces it
    r = ok(cli_run("review", input="8\n" + "\n" * 12))
    assert "Worst pain in the last 24 hours (0-10) [7]" in r.stdout
    assert "How much relief has treatment given, 0-100 % [40]" in r.stdout
    [rev] = _reviews(make_pb, db_path)
    assert (rev["worst"], rev["relief_pct"], rev["interference"]["walking"], rev["note"]) == (8, 40, 8, "slept badly")


def test_review_prompt_asks_again_after_a_bad_answer(cli_run, db_path, make_pb):
    answers = ["11", "7", "2", "4", "4", "55", "50"] + [""] * 7 + [""]
    r = ok(cli_run("review", input="\n".join(answers) + "\n"))
    assert "0 to 10" in r.stdout and "steps of 10" in r.stdout
    [rev] = _reviews(make_pb, db_path)
    assert (rev["worst"], rev["least"], rev["average"], rev["now"], rev["relief_pct"]) == (7, 2, 4, 4, 50)


def test_review_yes_asks_nothing(cli_run, db_path, make_pb):
    ok(cli_run("log", "6", "--at", "10:00"))
    ok(cli_run("log", "2", "--at", "12:00"))
    r = ok(cli_run("review", "--yes", "--relief", "30", "--interference", "sleep=6", "--note", "ok day"))
    assert "Worst pain" not in r.stdout
    [rev] = _reviews(make_pb, db_path)
    assert (rev["worst"], rev["least"], rev["average"], rev["now"], rev["relief_pct"], rev["interference"],
            rev["note"]) == (6, 2, 4, 2, 30, {"sleep": 6}, "ok day")


@pytest.mark.parametrize("args, fragments", [
    (["--yes", "--worst", "12"], ["worst:"]),
    (["--yes", "--worst", "3", "--least", "5"], ["least:", "higher than worst"]),
    (["--yes", "--relief", "45"], ["relief_pct:", "steps of 10"]),
    (["--yes", "--interference", "typing=3"], ["interference:", "typing"]),
    (["--yes", "--day", "2026-12-25"], ["day:", "future"]),
])
def test_review_bad_input(cli_run, db_path, db_counts, args, fragments):
    ok(cli_run("log", "4", "--at", "10:00"))
    before = db_counts(db_path)
    failed(cli_run("review", *args), 2, *fragments)
    assert db_counts(db_path) == before


# -- entries, demo, globals -------------------------------------------------------------------
def test_entries_text_and_json(cli_run):
    ok(cli_run("log", "3", "--at", "2026-11-20T10:00", "--site", "ribs"))
    ok(cli_run("log", "7", "--at", "09:30", "--site", "left hip", "--quality", "sharp"))
    text = ok(cli_run("entries")).stdout.splitlines()
    assert text[0].startswith("2026-11-20 10:00   3/10  ribs")
    assert text[1].startswith("2026-11-28 09:30   7/10  left hip") and "sharp" in text[1]
    assert text[1].rstrip().endswith("(entry 2)")  # the number 'painboard delete entry' takes
    rows = json.loads(ok(cli_run("entries", "--since", "yesterday", "--json")).stdout)
    assert [(r["intensity"], r["occurred_at"][:16]) for r in rows] == [(7, "2026-11-28T09:30")]
    assert "no entries" in ok(cli_run("entries", "--since", "2026-11-28", "--until", "2026-11-28")).stderr
    failed(cli_run("entries", "--since", "last tuesday"), 2, "since:")


def test_demo_command_and_refusal(cli_run, db_path, db_counts):
    r = ok(cli_run("demo", "--days", "30", "--seed", "3"))
    assert "demo story written to" in r.stdout
    before = db_counts(db_path)
    assert before["pain_entry"] > 60 and before["plan_item"] >= 5
    failed(cli_run("demo", "--days", "30"), 2, "already holds data", "--force")
    assert db_counts(db_path) == before
    ok(cli_run("demo", "--days", "30", "--seed", "3", "--force"))
    after = db_counts(db_path)
    assert {k: v for k, v in after.items() if k != "revision"} == {k: v for k, v in before.items() if k != "revision"}
    assert cli_run("demo", "--days", "3").exit_code == 2


def test_read_only_flag(cli_run, db_path, db_counts):
    ok(cli_run("log", "5", "--at", "10:00"))
    before = db_counts(db_path)
    failed(cli_run("--read-only", "log", "6"), 1, "read-only")
    failed(cli_run("--read-only", "plan", "add", "X", "--as-needed"), 1, "read-only")
    assert db_counts(db_path) == before
    assert "5/10" in ok(cli_run("--read-only", "entries")).stdout


def test_read_only_on_missing_file(cli_run, tmp_path):
    failed(cli_run("--read-only", "entries", db=tmp_path / "none.db"), 1, "no database")
    assert not (tmp_path / "none.db").exists()


@pytest.mark.parametrize("where", ["s3://bucket/p.db", "https://example.com/p.db", "md:mine"])
def test_remote_db_refused(cli_run, where, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    failed(cli_run("log", "5", db=where), 2, "db:", "remote")
    assert list(tmp_path.iterdir()) == []


def test_version_and_help(cli_run):
    from painboard import __version__
    assert __version__ in ok(cli_run("--version")).stdout
    assert "log" in ok(cli_run("--help")).stdout
