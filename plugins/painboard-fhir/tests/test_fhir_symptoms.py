"""Issue 20: each symptom an Observation with its name as code.text (no SNOMED code: none was
confirmed), the severity, and for a warning sign when and to whom it was reported; warning
signs first; valid R4B; the wording states what was logged, never what it means."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository: tests/wording.py
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tests.wording import check_wording  # noqa: E402

from test_fhir_export import json_rule_problems  # noqa: E402

pytestmark = pytest.mark.usefixtures("imports_in_process")  # what it reads, not the child: see /conftest.py

def test_symptoms_as_observations(run, tmp_path, monkeypatch):
    monkeypatch.setenv("PAINBOARD_CONFIG", str(tmp_path / "c.toml"))
    run("symptom", "constipation", "--severity", "moderate", "--at", "2026-11-27T09:00")
    run("symptom", "new weakness in an arm or leg", "--severity", "severe", "--note", "left leg",
        "--at", "2026-11-28T10:00")
    run("symptom", "reported", "2", "--to", "oncology nurse", "--at", "2026-11-28T11:30")
    b = run.export(tmp_path / "b.json")
    Bundle.model_validate(b)
    assert json_rule_problems(b) == []
    obs = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert [o["code"] for o in obs] == [{"text": "new weakness in an arm or leg"}, {"text": "constipation"}]
    sign, side = obs
    assert "coding" not in sign["code"]
    assert sign["valueCodeableConcept"] == {"text": "severe"} and side["valueCodeableConcept"] == {"text": "moderate"}
    assert sign["effectiveDateTime"] == "2026-11-28T10:00:00+00:00"
    assert sign["note"] == [{"text": "left leg"}]
    comps = {c["code"]["coding"][0]["code"]: c for c in sign["component"]}
    assert comps["symptom-kind"]["valueString"] == "Warning sign on the care team's list"
    assert comps["reported-at"]["valueDateTime"] == "2026-11-28T11:30:00+00:00"
    assert comps["reported-to"]["valueString"] == "oncology nurse"
    assert {c["code"]["coding"][0]["code"] for c in side["component"]} == {"symptom-kind"}
    words = " ".join(re.findall(r'"(?:text|valueString|display)": "([^"]*)"', json.dumps(sign)))
    check_wording(words)


def test_symptoms_round_trip(run, other, tmp_path, monkeypatch):
    monkeypatch.setenv("PAINBOARD_CONFIG", str(tmp_path / "c.toml"))
    run("symptom", "itching", "--severity", "mild", "--note", "arms", "--at", "2026-11-26T09:00")
    run("symptom", "difficulty walking", "--at", "2026-11-27T09:00")
    run("symptom", "reported", "2", "--to", "GP", "--at", "2026-11-27T10:00")
    run.export(tmp_path / "f.json")
    out = other("import", str(tmp_path / "f.json"))
    assert "2 of 2 symptoms" in out
    mine = json.loads(run("symptoms", "--json"))
    theirs = json.loads(other("symptoms", "--json"))
    fields = ("name", "kind", "occurred_at", "recorded_at", "severity", "note", "reported_at", "reported_to", "key")
    assert [[s[f] for f in fields] for s in theirs] == [[s[f] for f in fields] for s in mine]
    assert "0 of 2 symptoms; 2 already stored" in other("import", str(tmp_path / "f.json"))
