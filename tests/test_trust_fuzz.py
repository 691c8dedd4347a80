"""Issue 10's hostile strings, generated: over the CLI's options and every importer, only clean
messages (exit 0, 1 or 2, no traceback), no control character on the terminal, no NaN in JSON,
and a refused command changes nothing (revision counter and row counts)."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

pytestmark = [pytest.mark.usefixtures("fixed_env"), pytest.mark.slow]

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CONTROL = set(chr(c) for c in [*range(0, 9), *range(11, 32), *range(0x7f, 0xa0)])

HOSTILE = ["\x1b]0;PWNED\x07\x1b[41m", "\x1b]52;c;aGVsbG8=\x07", "Evil [/] [bold]x", "[/] yesterday",
           "Morph [red]", "nan", "NaN", "inf", "-inf", "1e309", "0001-01-01T00:00", "9999-12-31",
           "99999999d", "2026-03-29T01:30", "-1", "3000000000", "x" * 11_000, "a\nb", "\x9b31m", "",
           "FREQ=SECONDLY", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "=cmd|' /C calc'!A0", "<img src=x onerror=alert(1)>"]
hostile = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=20),
                    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(max_size=5)))

COMMANDS = [
    ("log", "INT", "--at", "S", "--site", "S", "--note", "S", "--duration", "S"),
    ("episode", "INT", "--duration", "S", "--trigger", "S", "--note", "S"),
    ("plan", "add", "S", "--dose", "S", "--mme-factor", "S", "--as-needed", "--max-per-day", "S"),
    ("plan", "add", "S", "--rrule", "S", "--start", "S"),
    ("plan", "done", "1", "--amount", "S", "--at", "S", "--note", "S"),
    ("plan", "stop", "1", "--on", "S"),
    ("review", "--yes", "--day", "S", "--worst", "S", "--interference", "S", "--note", "S"),
    ("entries", "--since", "S", "--until", "S", "--limit", "S"),
    ("metrics", "--since", "S", "--until", "S", "--json"),
    ("delete", "entry", "S", "--yes"),
]


def _state(pb):
    c = pb.counts()
    c["revision"] = pb.db.revision()
    return c


def _clean_output(r) -> None:
    out = r.stdout + r.stderr
    assert r.exit_code in (0, 1, 2), (r.exit_code, out[:500])
    assert "Traceback" not in out, out[:2000]
    assert not (set(out.replace("\n", "")) & CONTROL), repr(out[:500])


@FUZZ
@given(which=st.integers(0, len(COMMANDS) - 1), values=st.lists(hostile, min_size=6, max_size=6),
       intensity=st.sampled_from(["5", "-1", "11", "nan", "\x1b[31m", "[/]"]))
def test_cli_options_with_hostile_strings(cli_run, pb, which, values, intensity):
    pb.add_plan_item(name="Oxycodone", dose=5, kind="as_needed") if not pb.plan() else None
    before = _state(pb)
    it = iter(values)
    args = [intensity if a == "INT" else next(it) if a == "S" else a for a in COMMANDS[which]]
    if args[0] in ("log", "episode") and args[1].startswith("-"):
        args.insert(1, "--")
    r = cli_run(*args, input="n\n")
    _clean_output(r)
    if r.exit_code != 0:
        assert _state(pb) == before, (args, r.stderr)
    if r.exit_code == 0 and "--json" in args:
        json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))


def _csv_cell(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


IMPORT_FILES = {
    "csv": ("in.csv", lambda v: "occurred_at,intensity,sites,note\n"
            f"{_csv_cell(v[0])},{_csv_cell(v[1])},{_csv_cell(v[2])},{_csv_cell(v[3])}\n"),
    "json": ("in.json", lambda v: json.dumps({"format": "painboard", "version": 1, "pain_entries": [
        {"occurred_at": v[0], "intensity": v[1], "sites": [v[2]], "note": v[3]}],
        "plan_items": [{"ref": "1", "category": "medication", "name": v[2], "kind": "scheduled",
                        "rrule": v[3], "dose": v[1], "start_date": "2026-11-01"}]})),
    "bearable": ("in.csv", lambda v: "date,weekday,time of day,category,rating/amount,detail,notes\n"
                 f"{_csv_cell(v[0])},Friday,am,Symptom,{_csv_cell(v[1])},{_csv_cell(v[2])},{_csv_cell(v[3])}\n"),
    "paindiary": ("in.csv", lambda v: "Date,Conditions,Pain Level (0-10),Body Regions,Pain nature,Times of pain,"
                  f"Drug Intakes,Comment\n{_csv_cell(v[0])},[],{_csv_cell(v[1])},[{v[2]}],[dull],[],[],{_csv_cell(v[3])}\n"),
    "generic-csv": ("in.csv", lambda v: f"date,time,pain,notes\n{_csv_cell(v[0])},08:00,{_csv_cell(v[1])},"
                    f"{_csv_cell(v[3])}\n"),
    "applehealth": ("export.xml", lambda v: '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_GB">\n'
                    f' <Record type="HKCategoryTypeIdentifierHeadache" sourceName="{_xml(v[3])}" '
                    f'startDate="{_xml(v[0])}" endDate="{_xml(v[0])}" value="HKCategoryValueSeverityMild"/>\n'
                    "</HealthData>\n"),
    "fhir": ("in.json", lambda v: json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Observation", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
                      "effectiveDateTime": v[0], "valueInteger": _num(v[1]), "note": [{"text": v[3]}]}}]})),
}


def _xml(s: str) -> str:
    return "".join(c for c in s if c >= " " or c in "\t\n").replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _num(s: str):
    try:
        return json.loads(s)
    except ValueError:
        return s


@pytest.mark.parametrize("fmt", IMPORT_FILES)
@FUZZ
@given(values=st.lists(hostile, min_size=4, max_size=4))
def test_every_importer_with_hostile_strings(cli_run, pb, tmp_path_factory, fmt, values):
    if fmt == "fhir":
        pytest.importorskip("painboard_fhir")
    pb.db.init()
    before = _state(pb)
    name, make = IMPORT_FILES[fmt]
    f = tmp_path_factory.mktemp("fuzz") / name
    f.write_text(make(values), encoding="utf-8")
    import os

    old = os.environ.get("PAINBOARD_LOAD_PLUGINS")
    if fmt == "fhir":
        os.environ.pop("PAINBOARD_LOAD_PLUGINS", None)
    try:
        r = cli_run("import", str(f), "--format", fmt)
    finally:
        if old is not None:
            os.environ["PAINBOARD_LOAD_PLUGINS"] = old
    _clean_output(r)
    assert "no import format" not in r.stderr, r.stderr
    if r.exit_code != 0:
        assert _state(pb) == before, r.stderr
    else:  # what was stored shows cleanly and exports as strict JSON
        _clean_output(cli_run("entries"))
        _clean_output(cli_run("plan", "list"))
        out = cli_run("export", "json", "-o", "-")
        assert out.exit_code == 0, out.stderr
        json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
