"""Plan limits (issue 17, item 8): a plan beyond a documented size is refused at plan add and at
import, and what one refresh computes stays bounded even for a plan stored beyond it."""

from __future__ import annotations

import json

import duckdb
import pytest

from painboard.recurrence import MAX_ACTIVE_ITEMS, MAX_PLAN_DUE_PER_DAY

from .conftest import ok, refused

pytestmark = pytest.mark.usefixtures("fixed_env", "imports_in_process")  # imports: see /conftest.py

HOURLY, TWICE = "FREQ=HOURLY", "FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0"


def _item(i: int, rule: str | None) -> dict:
    kind = "scheduled" if rule else "as_needed"
    return {"ref": str(i), "category": "medication", "name": f"Item {i}", "dose": 1, "unit": "mg",
            "kind": kind, "rrule": rule, "start_date": "2026-11-01", "status": "active"}


def _plan_file(tmp_path, cli_run, rules: list[str | None]):
    """A painboard JSON file holding these plan items (None: an as-needed item)."""
    empty = tmp_path / "empty.json"
    ok(cli_run("export", "json", "-o", str(empty), db=tmp_path / "empty.db"))
    doc = json.loads(empty.read_text(encoding="utf-8"))
    doc["plan_items"] = [_item(i, r) for i, r in enumerate(rules)]
    f = tmp_path / "plan.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    return f


def _at_the_limit() -> list[str | None]:
    # 8 hourly (192 due times) + 4 twice a day (8) = 200 due times; + 88 as needed = 100 items
    return [HOURLY] * 8 + [TWICE] * 4 + [None] * 88


def test_the_limits_are_the_documented_ones():
    assert (MAX_ACTIVE_ITEMS, MAX_PLAN_DUE_PER_DAY) == (100, 200)
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "at most 100 active plan items" in readme and "200 due times a day" in readme


def test_a_plan_at_the_limit_imports_and_refreshes_with_a_bounded_checklist(cli_run, tmp_path, pb):
    ok(cli_run("import", str(_plan_file(tmp_path, cli_run, _at_the_limit()))))
    lines = pb.snapshot(metrics=False).checklist
    states = [l.state for l in lines]
    assert len(lines) == 192 + 8 + 88
    assert states.count("as_needed") == 88 and "error" not in states
    # one more item of any kind is refused, naming the limit; nothing is added
    refused(cli_run("plan", "add", "Ibuprofen", "--as-needed"), 2, "plan:", "at most 100 active items")
    assert len(json.loads(ok(cli_run("plan", "list", "--json")).stdout)) == 100


def test_a_due_time_beyond_the_plans_limit_is_refused(cli_run, tmp_path):
    ok(cli_run("import", str(_plan_file(tmp_path, cli_run, [HOURLY] * 8 + [TWICE] * 4))))
    r = refused(cli_run("plan", "add", "Paracetamol", "--dose", "1", "--unit", "g", "--times", "09:00"),
                2, "up to 201 due times a day", "at most 200")
    assert "Paracetamol" not in ok(cli_run("plan", "list")).stdout
    ok(cli_run("plan", "add", "Ibuprofen", "--as-needed"))  # no due times: still fits


@pytest.mark.parametrize("rules, words", [
    ([None] * 101, "101 active items"),
    ([HOURLY] * 9, "up to 216 due times a day"),
])
def test_an_import_beyond_the_limits_is_refused_whole(cli_run, tmp_path, rules, words):
    r = cli_run("import", str(_plan_file(tmp_path, cli_run, rules)))
    assert r.exit_code == 2 and words in r.stderr and "Traceback" not in r.stderr
    assert json.loads(ok(cli_run("plan", "list", "--json")).stdout) == []


def test_a_plan_stored_beyond_the_limits_reads_with_a_bounded_checklist(cli_run, db_path, pb):
    ok(cli_run("log", "3"))
    con = duckdb.connect(str(db_path))  # 1,000 hourly items, as an older version could keep
    con.execute("INSERT INTO plan_item (category, name, kind, rrule, start_date, status) "
                "SELECT 'medication', 'Item ' || i, 'scheduled', 'FREQ=HOURLY', DATE '2026-11-01', 'active' "
                "FROM range(1000) t(i)")
    con.close()
    lines = pb.snapshot(metrics=False).checklist
    # due times stop once 200 are computed: 9 items of 24 (216), then one line for the 991 left
    assert len([l for l in lines if l.due_at is not None]) == 216
    assert [l.text for l in lines if l.state == "error"] == [
        "991 more plan items not shown: the plan is beyond painboard's limits (100 active items, "
        "200 due times a day); see 'painboard check'"]
    r = cli_run("check")
    assert r.exit_code == 1 and "problem: the plan holds 1000 active items" in r.stderr
