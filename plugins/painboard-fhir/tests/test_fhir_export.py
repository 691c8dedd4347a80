"""The FHIR exporter through the CLI: real files, validated with a FHIR model library (the R4B
models of fhir.resources: FHIR 4.3, whose Bundle, Patient, Observation, MedicationRequest,
MedicationStatement, ServiceRequest and Procedure keep R4's elements) and checked for the
JSON rules a model library does not enforce."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from urllib.parse import unquote

import pytest
from fhir.resources.R4B.bundle import Bundle

from painboard.config import Settings
from painboard.services import Painboard

from painboard_fhir.codes import PAIN_CODE, QUALITY_SNOMED, SITE_SNOMED

_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT")
_OFFSET = re.compile(r"(Z|[+-]\d\d:\d\d)$")
_UUID = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def json_rule_problems(bundle: dict) -> list[str]:
    """What FHIR's JSON rules forbid and a model library lets through."""
    problems: list[str] = []
    urls = [e.get("fullUrl") for e in bundle.get("entry", [])]
    if len(set(urls)) != len(urls):
        problems.append("fullUrl not unique")

    def walk(v, path: str) -> None:
        if v is None:
            problems.append(f"{path}: null")
        elif isinstance(v, dict):
            if not v:
                problems.append(f"{path}: empty object")
            for k, x in v.items():
                if k == "id" and not (isinstance(x, str) and _ID.fullmatch(x)):
                    problems.append(f"{path}.id: {x!r} is not a FHIR id")
                if k == "reference" and isinstance(x, str) and x.startswith("urn:") and x not in urls:
                    problems.append(f"{path}.reference: {x} does not resolve inside the bundle")
                walk(x, f"{path}.{k}")
        elif isinstance(v, list):
            if not v:
                problems.append(f"{path}: empty array")
            for i, x in enumerate(v):
                walk(x, f"{path}[{i}]")
        elif isinstance(v, str):
            if not v.strip():
                problems.append(f"{path}: empty or blank string")
            if _DATETIME.match(v) and not _OFFSET.search(v):
                problems.append(f"{path}: {v} has a time but no offset")

    walk(bundle, "Bundle")
    for i, e in enumerate(bundle.get("entry", [])):
        if not _UUID.fullmatch(e.get("fullUrl", "")):
            problems.append(f"entry[{i}].fullUrl {e.get('fullUrl')!r} is not a urn:uuid")
    return problems


def test_the_rule_checker_can_fail():
    bad = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Observation", "id": "a_b", "note": [],
                                                "subject": {"reference": "urn:uuid:2"}, "issued": None,
                                                "effectiveDateTime": "2026-01-01T10:00:00", "code": {}}}]}
    text = "\n".join(json_rule_problems(bad))
    for want in ("empty array", "null", "not a FHIR id", "does not resolve", "no offset",
                 "empty object", "not a urn:uuid"):
        assert want in text


def test_registered_through_the_entry_point(env):
    pb = Painboard(Settings.load(db=env / "p.db"))
    info = next(p for p in pb.plugin_list() if p.name == "fhir")
    assert info.source == "entry point" and info.error is None
    assert info.registers == {"importers": ["fhir"], "exporters": ["fhir"]}
    assert info.version == "0.2.0"


def test_demo_bundle_validates_and_holds_every_record(demo, tmp_path):
    b = demo.export(tmp_path / "f.json")
    assert (tmp_path / "f.json").stat().st_mode & 0o777 == 0o600
    Bundle.model_validate(b)  # raises on any element R4 does not have, or a wrong type
    assert json_rule_problems(b) == []
    mine = demo.everything(tmp_path / "all.json")
    kinds = Counter(e["resource"]["resourceType"] for e in b["entry"])
    medicines = [i for i in mine["plan_items"] if i["category"] in ("medication", "bone_strengthening")
                 or (i["category"] == "supportive" and i["kind"] in ("scheduled", "as_needed"))]
    med_refs = {i["ref"] for i in medicines}
    assert kinds == {
        "Patient": 1,
        "Observation": len(mine["pain_entries"]) + len(mine["episodes"]) + len(mine["daily_reviews"]),
        "MedicationRequest": len(medicines),
        "ServiceRequest": len(mine["plan_items"]) - len(medicines),
        "MedicationStatement": sum(e["item_ref"] in med_refs for e in mine["plan_events"]),
        "Procedure": sum(e["item_ref"] not in med_refs for e in mine["plan_events"]),
    }
    patient = next(e["fullUrl"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient")
    for e in b["entry"]:
        r = e["resource"]
        if r["resourceType"] != "Patient":
            assert r["subject"] == {"reference": patient}
        if r["resourceType"] == "Observation":
            assert r["performer"] == [{"reference": patient}] and r["category"][0]["coding"][0]["code"] == "survey"
        if r["resourceType"] == "MedicationStatement":
            assert r["informationSource"] == {"reference": patient}  # patient-reported
    scores = [e["resource"] for e in b["entry"]
              if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == PAIN_CODE]
    assert [s["valueInteger"] for s in scores] == [p["intensity"] for p in mine["pain_entries"]]
    # London: summer time (+01:00) before 25 October, GMT after it, each written with its offset
    offsets = {s["effectiveDateTime"][-6:] for s in scores}
    assert offsets == {"+01:00", "+00:00"}
    for s, p in zip(scores, mine["pain_entries"]):
        assert datetime.fromisoformat(s["effectiveDateTime"]) == datetime.fromisoformat(p["occurred_at"])


def test_a_score_with_every_site_and_quality(run, tmp_path):
    run("log", "6", "--at", "2026-07-10T12:00:00+00:00", "--site", "left hip", "--site", "sacrum",
        "--quality", "aching", "--quality", "gnawing", "--note", "after the stairs")
    b = run.export(tmp_path / "f.json", since="2026-07-01")
    Bundle.model_validate(b)
    obs = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Observation")
    assert obs["effectiveDateTime"] == "2026-07-10T13:00:00+01:00"
    assert obs["valueInteger"] == 6 and obs["status"] == "final"
    hip_code, hip_name = SITE_SNOMED["left hip"]
    assert obs["bodySite"] == {"text": "left hip", "coding": [
        {"system": "http://snomed.info/sct", "code": hip_code, "display": hip_name}]}
    comps = {(c["code"]["coding"][0]["code"], c["valueCodeableConcept"]["text"]): c["valueCodeableConcept"]
             for c in obs["component"]}
    assert set(comps) == {("site", "left hip"), ("site", "sacrum"), ("quality", "aching"), ("quality", "gnawing")}
    assert "coding" not in comps[("site", "sacrum")]  # no code we are sure of: text only
    assert "coding" not in comps[("quality", "gnawing")]
    assert comps[("quality", "aching")]["coding"][0]["code"] == QUALITY_SNOMED["aching"][0]
    assert obs["note"] == [{"text": "after the stairs"}]


def test_patient_reference_by_option_and_by_setting(run, tmp_path, monkeypatch):
    run("log", "3", "--at", "2026-11-27T10:00")
    b = run.export(tmp_path / "f.json", "-O", "patient=Patient/123")
    assert all(e["resource"]["resourceType"] != "Patient" for e in b["entry"])
    assert {e["resource"]["subject"]["reference"] for e in b["entry"]} == {"Patient/123"}
    Bundle.model_validate(b)
    monkeypatch.setenv("PAINBOARD_FHIR_PATIENT", "Patient/abc-9")
    b = run.export(tmp_path / "g.json")
    assert {e["resource"]["subject"]["reference"] for e in b["entry"]} == {"Patient/abc-9"}


@pytest.mark.parametrize("opt, field", [("patient=Patient/", "patient"), ("patient=Observation/1", "patient"),
                                        ("bundle=batch", "bundle"), ("colour=red", "option")])
def test_bad_options_are_refused(run, tmp_path, opt, field):
    out = run("export", "fhir", "-o", str(tmp_path / "f.json"), "-O", opt, code=2)
    assert field in out and not (tmp_path / "f.json").exists()


def test_transaction_bundle_posts_every_entry(demo, tmp_path):
    b = demo.export(tmp_path / "t.json", "-O", "bundle=transaction")
    assert b["type"] == "transaction"
    Bundle.model_validate(b)
    assert json_rule_problems(b) == []
    for e in b["entry"]:
        r = e["resource"]
        assert e["request"]["method"] == "POST" and e["request"]["url"] == r["resourceType"]
        system, value = r["identifier"][0]["system"], r["identifier"][0]["value"]
        param, _, token = unquote(e["request"]["ifNoneExist"]).partition("=")
        # the token is system|value with FHIR's backslash escapes inside each part
        parts = [p.replace("\\,", ",").replace("\\|", "|") for p in re.split(r"(?<!\\)\|", token)]
        assert param == "identifier" and parts == [system, value]


def test_an_empty_period_writes_a_bundle_without_entry(run, tmp_path):
    b = run.export(tmp_path / "e.json", "-O", "patient=Patient/1")
    assert "entry" not in b and b["resourceType"] == "Bundle" and b["type"] == "collection"
    Bundle.model_validate(b)
    assert json_rule_problems(b) == []
    b = run.export(tmp_path / "p.json")  # no reference given: the Patient alone
    assert [e["resource"]["resourceType"] for e in b["entry"]] == ["Patient"]


def test_full_urls_are_stable_across_exports(demo, tmp_path):
    one = demo.export(tmp_path / "1.json")
    two = demo.export(tmp_path / "2.json", "-O", "bundle=transaction")
    assert [e["fullUrl"] for e in one["entry"]] == [e["fullUrl"] for e in two["entry"]]


def test_plan_timing_from_the_rrule_and_text_where_it_does_not_map(run, tmp_path):
    run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--times", "08:00,20:00")
    run("plan", "add", "Denosumab", "--category", "bone_strengthening", "--dose", "120", "--unit", "mg",
        "--rrule", "FREQ=MONTHLY;BYMONTHDAY=1")
    b = run.export(tmp_path / "f.json")
    Bundle.model_validate(b)
    reqs = {e["resource"]["medicationCodeableConcept"]["text"]: e["resource"]["dosageInstruction"][0]
            for e in b["entry"] if e["resource"]["resourceType"] == "MedicationRequest"}
    rep = reqs["Morphine SR"]["timing"]["repeat"]
    assert (rep["frequency"], rep["period"], rep["periodUnit"], rep["timeOfDay"]) == (2, 1, "d", ["08:00:00", "20:00:00"])
    den = reqs["Denosumab"]["timing"]
    assert den["code"] == {"text": "RRULE:FREQ=MONTHLY;BYMONTHDAY=1"} and "frequency" not in den["repeat"]
