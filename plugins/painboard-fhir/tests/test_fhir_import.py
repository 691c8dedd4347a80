"""The FHIR Bundle importer through the CLI: the round trip keeps every record, a re-import
adds nothing, bad input is refused whole with file, line and field, text stays inert."""

from __future__ import annotations

import json

import pytest

from painboard_fhir.codes import SITE_SNOMED

pytestmark = pytest.mark.usefixtures("imports_in_process")  # what it reads, not the child: see /conftest.py


def _same_records(a: dict, b: dict) -> None:
    """painboard's own JSON of two databases, compared by value (the export time aside)."""
    for section in ("plan_items", "plan_events", "pain_entries", "episodes", "daily_reviews"):
        assert a[section] == b[section], section
        assert a[section], f"the demo has {section}"


@pytest.mark.parametrize("bundle", ["collection", "transaction"])
def test_round_trip_keeps_every_record(demo, other, tmp_path, bundle):
    demo.export(tmp_path / "f.json", "-O", f"bundle={bundle}")
    out = other("import", str(tmp_path / "f.json"))
    assert "(fhir)" in out
    before = demo.everything(tmp_path / "a.json")
    after = other.everything(tmp_path / "b.json")
    _same_records(before, after)
    assert any(e["rescue_event_key"] for e in after["episodes"])  # rescue doses still linked
    assert {e["source"] for e in after["pain_entries"]} == {e["source"] for e in before["pain_entries"]}
    # a second import adds nothing: the identifiers written are the keys
    counts = other.pb().counts()
    out = other("import", str(tmp_path / "f.json"))
    assert other.pb().counts() == counts
    assert "already stored" in out


def test_another_systems_pain_observation(run, tmp_path):
    code, _ = SITE_SNOMED["left hip"]
    f = tmp_path / "clinic.json"
    f.write_text(json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": [
        {"fullUrl": "https://ehr.example/Patient/9", "resource": {"resourceType": "Patient", "id": "9"}},
        {"resource": {"resourceType": "Observation", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
                      "effectiveDateTime": "2026-11-20T09:30:00Z", "valueInteger": 5,
                      "bodySite": {"coding": [{"system": "http://snomed.info/sct", "code": code}]}}},
        {"resource": {"resourceType": "Observation", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                      "valueQuantity": {"value": 80}}}]}))
    run("import", str(f))
    rows = json.loads(run("entries", "--since", "2026-11-01", "--json"))
    assert len(rows) == 1
    e = rows[0]
    assert e["intensity"] == 5 and e["sites"] == ["left hip"] and e["source"] == "import:clinic.json"
    assert e["occurred_at"].startswith("2026-11-20T09:30:00")


def _bundle_with(tmp_path, resource) -> str:
    good = {"resourceType": "Observation", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
            "effectiveDateTime": "2026-11-20T09:30:00+00:00", "valueInteger": 4}
    text = ('{"resourceType": "Bundle", "type": "collection", "entry": [\n'
            + json.dumps({"resource": good}) + ",\n"
            + json.dumps({"resource": resource}) + "\n]}\n")
    f = tmp_path / "bad.json"
    f.write_text(text)
    return str(f)


@pytest.mark.parametrize("change, field", [
    ({"valueInteger": 11}, "entry[1].resource.valueInteger"),
    ({"valueInteger": "7"}, "entry[1].resource.valueInteger"),
    ({"effectiveDateTime": "2026-11-20T09:30:00"}, "entry[1].resource.effectiveDateTime"),
    ({"effectiveDateTime": "last tuesday"}, "entry[1].resource.effectiveDateTime"),
    ({"effectiveDateTime": None}, "entry[1].resource.effectiveDateTime"),
])
def test_a_wrong_entry_names_file_line_and_field_and_writes_nothing(run, tmp_path, change, field):
    res = {"resourceType": "Observation", "status": "final",
           "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
           "effectiveDateTime": "2026-11-21T09:30:00+00:00", "valueInteger": 4, **change}
    path = _bundle_with(tmp_path, res)
    out = run("import", path, code=2)
    assert f"{path}, line 3, {field}:" in out  # entry[1] starts on the file's third line
    assert run.pb().counts()["pain_entry"] == 0  # the good first entry was not written either


def test_an_entry_that_is_not_a_resource(run, tmp_path):
    path = _bundle_with(tmp_path, "just text")
    f = tmp_path / "bad.json"
    f.write_text(f.read_text().replace('{"resource": "just text"}', '"just text"'))
    out = run("import", path, code=2)
    assert "line 3, entry[1]: is not an object" in out


@pytest.mark.parametrize("content, words", [
    ("", "empty"),
    ("   \n", "empty"),
    ("not json at all", "expected a JSON object"),
    ('{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient"}}, {"res', "not valid JSON"),
    ('{"resourceType": "Patient"}', "is not a FHIR Bundle"),
    ('[1, 2]', "expected a JSON object"),
])
def test_bad_files_are_refused(run, tmp_path, content, words):
    f = tmp_path / "x.json"
    f.write_text(content)
    out = run("import", str(f), "--format", "fhir", code=2)
    assert str(f) in out and words in out
    assert sum(run.pb().counts().values()) == 0


def test_a_truncated_bundle_is_sniffed_and_refused(run, demo, tmp_path):
    demo.export(tmp_path / "f.json")
    text = (tmp_path / "f.json").read_text()
    cut = tmp_path / "cut.json"
    cut.write_text(text[: len(text) // 2])
    before = run.pb().counts()
    out = run("import", str(cut), code=2)
    assert "cut.json" in out and "line" in out
    assert run.pb().counts() == before


def test_escapes_and_markup_stay_inert_text(run, other, tmp_path):
    note = "\x1b[31mred\x1b[0m [bold]loud[/bold] <script>alert(1)</script> \\u0000 \"quoted\""
    run("log", "5", "--at", "2026-11-27T10:00", "--site", "[red]hip[/red]", "--note", note)
    run.export(tmp_path / "f.json")
    raw = (tmp_path / "f.json").read_bytes()
    assert b"\x1b" not in raw and b"\\u001b[31mred" in raw  # escaped in the JSON, never raw
    other("import", str(tmp_path / "f.json"))
    rows = json.loads(other("entries", "--since", "2026-11-01", "--json"))
    assert rows[0]["note"] == note and rows[0]["sites"] == ["[red]hip[/red]"]


def test_a_plan_request_of_the_wrong_shape_is_refused_whole(demo, other, tmp_path):
    b = demo.export(tmp_path / "f.json")
    i = next(i for i, e in enumerate(b["entry"]) if e["resource"]["resourceType"] == "MedicationRequest")
    b["entry"][i]["resource"]["dosageInstruction"] = [{"timing": {"repeat": "daily"}}]
    (tmp_path / "g.json").write_text(json.dumps(b))
    out = other("import", str(tmp_path / "g.json"), code=2)
    assert f"line 1, entry[{i}].resource:" in out  # json.dumps writes the whole Bundle on line 1
    assert sum(other.pb().counts().values()) == 0
