"""Recurrence rules through FHIR (issue 17, item 1): a hostile rule in a bundle is refused whole,
and a bad rule already stored does not stop an export."""

from __future__ import annotations

import json

import duckdb
import pytest

pytestmark = pytest.mark.usefixtures("imports_in_process")  # what it reads, not the child: see /conftest.py

HOSTILE = ["DTSTART;TZID=Europe/London:20250101T080000\nRRULE:FREQ=DAILY",
           "DTSTART:19000101T000000 RRULE:FREQ=HOURLY",
           "FREQ=DAILY;BYHOUR=8\nRDATE:20261201T090000",
           "freq=daily;byhour=8\nexdate:20261201t080000"]


def _plan_rule(resource: dict) -> dict:
    ext = next(e for e in resource["extension"] if e["url"].endswith("plan-item"))
    return next(e for e in ext["extension"] if e["url"].endswith("rrule"))


@pytest.mark.parametrize("rule", HOSTILE)
def test_a_bundle_with_a_hostile_rule_is_refused_whole(run, other, tmp_path, rule):
    run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--times", "08:00,20:00")
    run("log", "4")
    b = run.export(tmp_path / "f.json")
    req = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "MedicationRequest")
    assert _plan_rule(req)["valueString"] == "FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0"
    _plan_rule(req)["valueString"] = rule
    (tmp_path / "g.json").write_text(json.dumps(b))
    out = other("import", str(tmp_path / "g.json"), code=2)
    assert "rrule" in out and ("DTSTART" in out or "RDATE" in out or "EXDATE" in out)
    assert sum(other.pb().counts().values()) == 0


def test_an_export_beside_a_stored_bad_rule_leaves_that_rule_out(run, tmp_path):
    run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--times", "08:00,20:00")
    con = duckdb.connect(str(run.db))
    con.execute("INSERT INTO plan_item (category, name, kind, rrule, start_date, status) VALUES "
                "('medication', 'Bad', 'scheduled', ?, DATE '2026-11-01', 'active')", [HOSTILE[0]])
    con.close()
    b = run.export(tmp_path / "f.json")
    reqs = {e["resource"]["medicationCodeableConcept"]["text"]: e["resource"] for e in b["entry"]
            if e["resource"]["resourceType"] == "MedicationRequest"}
    assert reqs["Morphine SR"]["dosageInstruction"][0]["timing"]["repeat"]["timeOfDay"] == ["08:00:00", "20:00:00"]
    assert "DTSTART" not in json.dumps(reqs["Bad"])
