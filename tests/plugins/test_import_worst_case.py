"""Every importer's parser under worst-case text: cells at the size limit made of the characters
each old pattern looped on, deep brackets, long runs; each read runs in a child process with a
wall-clock guard, so a backtracking pattern fails the test instead of hanging it. Then
hypothesis feeds arbitrary cells to each reader: records, or a BadInput naming line and field,
never another exception.

The sizes are chosen where the patterns these replaced took far longer than the guard (a
Bearable detail of 3,000 spaces took 56 s; a 19 KB drug intake cell 75 s) and the new parsers
take well under a second."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from painboard.errors import BadInput
from painboard.plugin_api import ImportSource
from tests.conftest import examples

from .reader_child import FRESH, ForkedReads

CELL = 128 * 1024  # the documented limit of one cell (docs/importers.md)
GUARD = 20.0  # seconds the child may take before the test fails: the old patterns took longer
FAST = 3.0  # seconds the parse itself may take in the child, with both cores busy

BEARABLE = ["date", "weekday", "time of day", "category", "rating/amount", "detail", "notes"]
PAINDIARY = ["Date", "Conditions", "Pain Level (0-10)", "Body Regions", "Pain nature", "Times of pain",
             "Drug Intakes", "Comment"]
GENERIC = ["date", "time", "pain", "notes"]
OWN_CSV = ["occurred_at", "intensity", "note"]

READERS = {
    "bearable": ("painboard.builtin.bearable", "read"),
    "paindiary": ("painboard.builtin.pain_diary", "read"),
    "generic-csv": ("painboard.builtin.generic_csv", "read"),
    "csv": ("painboard.builtin.csv_format", "read_csv"),
    "json": ("painboard.builtin.json_format", "read_json"),
    "applehealth": ("painboard.builtin.apple_health", "read"),
    "fhir": ("painboard_fhir.importer", "read"),
}


ENV = {**os.environ, "PAINBOARD_TZ": "Europe/Berlin"}


def _too_long(fmt: str, path: Path, guard: float):
    pytest.fail(f"{fmt}: reading {path.name} took more than {guard:.0f} s (a parser backtracks)")


def child_read(fmt: str, path: Path, options: dict | None = None, guard: float = GUARD) -> dict:
    """Run one importer's reader over the file in a new interpreter; fail if it outlives the guard.
    Its peak_mb is the reader's alone (the memory tests)."""
    module, func = READERS[fmt]
    try:
        out = subprocess.run([sys.executable, "-c", FRESH, module, func, str(path), json.dumps(options or {})],
                             capture_output=True, text=True, timeout=guard, env=ENV)
    except subprocess.TimeoutExpired:
        _too_long(fmt, path, guard)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def forked_read(tmp_path_factory):
    """child_read in a forked child of one reader process (reader_child.ForkedReads): the same
    guard, without an interpreter's start-up per read. Its peak_mb is not the reader's alone (the
    pages it shares with the reader process): a test on memory uses child_read."""
    server = ForkedReads([m for m, _ in READERS.values()], ENV, tmp_path_factory.mktemp("reader") / "stderr.txt")

    def read(fmt: str, path: Path, options: dict | None = None, guard: float = GUARD) -> dict:
        got = server.read(*READERS[fmt], path, options or {}, guard)
        return got if got is not None else _too_long(fmt, path, guard)

    yield read
    server.close()


def csv_file(tmp_path: Path, header: list[str], *rows: list[str], name: str = "in.csv") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    w.writerow(header)
    w.writerows(rows)
    f = tmp_path / name
    f.write_text(buf.getvalue(), encoding="utf-8")
    return f


def _fast(result: dict, limit: float = FAST) -> dict:
    print(f"{result['seconds']:.3f} s", end=" ")  # shown with -s
    assert result["seconds"] < limit, f"took {result['seconds']:.2f} s"
    return result


def _bearable_row(detail="Neck pain (Mild)", when="am", amount="1"):
    return ["3rd Mar 2023", "Friday", when, "Symptom", amount, detail, ""]


def _intake(name, dose, m, n, e, night):
    return (f"[drug:[name:{name},dose{dose}],quantityMorning:{m},quantityNoon:{n},quantityEvening:{e},"
            f"quantityNight:{night}],")


def _diary_row(drugs="[]", comment="", level="4"):
    return ["2023-03-03", "[GOOD]", level, "[NECK]", "[dull]", "[morning]", drugs, comment]


# -- worst-case cells at the size limit ----------------------------------------------------
def test_bearable_detail_of_spaces_at_the_limit(tmp_path, forked_read):
    """"x(a" + spaces + "(": the old detail pattern's three neighbouring loops over spaces (cubic)."""
    detail = "x(a" + " " * (CELL - 4) + "("
    r = _fast(forked_read("bearable", csv_file(tmp_path, BEARABLE, _bearable_row(detail))))
    # not pain: a symptom record in the person's words since issue 20 (it was skipped before)
    assert (r["rows"], r["error"], r["skipped"]) == (1, None, {})
    assert (r["first"]["name"], r["first"]["kind"]) == ("x(a (", "own_words")


def test_bearable_level_word_padded_with_spaces_at_the_limit(tmp_path, forked_read):
    half = (CELL - 16) // 2
    detail = "Neck pain (" + " " * half + "Mild" + " " * half + ")"
    r = _fast(forked_read("bearable", csv_file(tmp_path, BEARABLE, _bearable_row(detail))))
    assert r["error"] is None and r["rows"] == 1
    assert (r["first"]["intensity"], r["first"]["sites"], r["first"]["original_level"]) == (3, ["neck"], "Mild")


def test_bearable_symptom_of_brackets_at_the_limit(tmp_path, forked_read):
    detail = "Back " + "(a " * ((CELL - 30) // 3) + "(lower) pain (Mild)"
    r = _fast(forked_read("bearable", csv_file(tmp_path, BEARABLE, _bearable_row(detail))))
    assert r["error"] is None and r["rows"] == 1 and r["first"]["intensity"] == 3
    site = r["first"]["sites"][0]
    assert site.startswith("lower back (a (a") and site.endswith("(a (a")


def test_bearable_clock_with_a_run_of_spaces_at_the_limit(tmp_path, forked_read):
    """"9:30" + spaces + "x": the old clock pattern's two optional runs of spaces (quadratic)."""
    when = "9:30" + " " * (CELL - 6) + "x"
    r = _fast(forked_read("bearable", csv_file(tmp_path, BEARABLE, _bearable_row(when=when))))
    assert (r["field"], r["line"]) == ("time of day", 2) and "not pre, am" in r["error"]


def test_bearable_clock_with_spaces_before_pm_is_read(tmp_path, forked_read):
    when = "2:30" + " " * 1000 + "PM"
    r = _fast(forked_read("bearable", csv_file(tmp_path, BEARABLE, _bearable_row(when=when))))
    assert r["error"] is None and r["first"]["occurred_at"] == "2023-03-03T14:30:00+01:00"


def test_pain_diary_intake_of_unfinished_names_at_the_limit(tmp_path, forked_read):
    """Repeated "[drug:[name:,dose" (the old pattern's lazy loops each ran to the end: 19 KB took 75 s)."""
    cell = "[" + "[drug:[name:,dose" * ((CELL - 40) // 17) + "quantityMorning:1"
    r = _fast(forked_read("paindiary", csv_file(tmp_path, PAINDIARY, _diary_row(cell))))
    assert (r["field"], r["line"]) == ("Drug Intakes", 2) and "drug intake list" in r["error"]


def test_pain_diary_intake_list_of_many_drugs_at_the_limit(tmp_path, forked_read):
    one = _intake("Ibuprofen", "400 mg", 1, 0, 1, 0)
    cell = "[" + one * ((CELL - 2) // len(one)) + "]"
    r = _fast(forked_read("paindiary", csv_file(tmp_path, PAINDIARY, _diary_row(cell))))
    assert r["error"] is None and r["rows"] == 1
    note = r["first"]["note"]
    assert note.count("Ibuprofen 400 mg (morning 1, evening 1)") == (CELL - 2) // len(one)


def test_pain_diary_intake_names_of_commas_and_brackets(tmp_path, forked_read):
    cell = "[" + _intake("A,dose,[x]", "5 mg", 1, 2, 0, "null") + "]"
    r = _fast(forked_read("paindiary", csv_file(tmp_path, PAINDIARY, _diary_row(cell))))
    assert r["error"] is None
    # the first ",dose" ends the name, as the app's own writer has no other mark
    assert r["first"]["note"].endswith("drug intakes: A ,[x],dose5 mg (morning 1, noon 2))")


def test_generic_csv_clock_with_a_run_of_spaces_at_the_limit(tmp_path, forked_read):
    when = "08:00" + " " * (CELL - 7) + "x"
    f = csv_file(tmp_path, GENERIC, ["2023-03-03", when, "4", ""])
    r = _fast(forked_read("generic-csv", f))
    assert (r["field"], r["line"]) == ("time", 2) and "not a time of day" in r["error"]


def test_generic_csv_delimiter_from_crafted_quotes(tmp_path, forked_read):
    """The first lines made of the quotes and commas csv.Sniffer's patterns loop on."""
    f = tmp_path / "in.csv"
    f.write_text("date,pain\n" + ('"' + ',"' * 4000 + "\n") * 3 + "2023-03-03,4\n")
    r = _fast(forked_read("generic-csv", f))
    # the odd quotes leave the last quoted cell open to the end of the file
    assert (r["field"], r["line"]) == ("row", 5) and "ends inside a quoted cell" in r["error"], r


def test_own_csv_note_at_the_limit_and_over_it(tmp_path, forked_read):
    note = "'=" + "=" * (CELL - 2)
    r = _fast(forked_read("csv", csv_file(tmp_path, OWN_CSV, ["2023-03-03T08:00:00+01:00", "4", note])))
    assert r["error"] is None and r["rows"] == 1 and r["first"]["note"] == [note[1:]]
    r = _fast(forked_read("csv", csv_file(tmp_path, OWN_CSV, ["2023-03-03T08:00:00+01:00", "4", note + "="],
                                         name="over.csv")))
    assert (r["field"], r["line"]) == ("note", 2) and "128 KiB" in r["error"]


@pytest.mark.parametrize("fmt,header,row,col", [
    ("bearable", BEARABLE, _bearable_row(), 6), ("paindiary", PAINDIARY, _diary_row(), 7),
    ("generic-csv", GENERIC, ["2023-03-03", "08:00", "4", ""], 3)])
def test_a_cell_over_the_limit_is_refused_naming_line_and_column(tmp_path, fmt, header, row, col, forked_read):
    ok = list(row)
    ok[col] = "n" * CELL
    assert _fast(forked_read(fmt, csv_file(tmp_path, header, ok)))["error"] is None
    over = list(row)
    over[col] = "n" * (CELL + 1)
    r = _fast(forked_read(fmt, csv_file(tmp_path, header, row, over, name="over.csv")))
    assert (r["field"], r["line"]) == (header[col].lower(), 3) and "128 KiB" in r["error"]


def test_a_line_of_a_million_empty_cells_is_refused(tmp_path, forked_read):
    f = tmp_path / "in.csv"
    f.write_text("date,time,pain,notes\n" + "," * (5 * 1024 * 1024) + "\n")
    r = _fast(forked_read("generic-csv", f))
    assert (r["field"], r["line"]) == ("row", 2) and "4 MiB" in r["error"]


def _json_file(tmp_path: Path, records_text: str) -> Path:
    f = tmp_path / "in.json"
    f.write_text('{\n"format": "painboard",\n"version": 1,\n"pain_entries": [\n' + records_text + "\n]\n}\n")
    return f


def test_json_deep_brackets_are_refused(tmp_path, forked_read):
    depth = 500_000
    r = _fast(forked_read("json", _json_file(tmp_path, "[" * depth + "]" * depth)))
    assert (r["field"], r["line"]) == ("json", 5) and "nests" in r["error"]


def test_json_record_over_the_limit_is_refused(tmp_path, forked_read):
    big = json.dumps({"occurred_at": "2023-03-03T08:00:00+01:00", "intensity": 4, "note": "n" * (2 << 20)})
    r = _fast(forked_read("json", _json_file(tmp_path, '{"intensity": 1},\n' + big)))
    assert (r["rows"], r["field"], r["line"]) == (1, "json", 6) and "1 MiB" in r["error"]


def test_json_runs_of_whitespace_and_records_across_chunks(tmp_path, forked_read):
    rec = '{"occurred_at": "2023-03-03T08:00:00+01:00", "intensity": 12345678901}'
    text = ("," + " " * (3 << 20) + "\n").join([rec] * 3 + [rec[:-1] + ", }"])
    r = _fast(forked_read("json", _json_file(tmp_path, text)))
    assert (r["rows"], r["field"], r["line"]) == (3, "json", 8) and "not valid JSON" in r["error"]
    text = ("," + " " * (3 << 20) + "\n").join([rec] * 4)
    r = _fast(forked_read("json", _json_file(tmp_path, text)))
    assert r["error"] is None and r["rows"] == 4 and r["first"]["intensity"] == 12345678901


def _fhir_bundle(tmp_path: Path, entries: str) -> Path:
    f = tmp_path / "bundle.json"
    f.write_text('{"resourceType": "Bundle", "type": "collection", "entry": [\n' + entries + "\n]}\n")
    return f


def test_fhir_many_entries_are_read_in_linear_time(tmp_path, forked_read):
    """Each entry's line was counted from the start of the file: quadratic in the entries (about
    a minute here); 150,000 entries are decoded one by one in a few seconds."""
    n = 150_000
    f = _fhir_bundle(tmp_path, ",\n".join(['{"resource": {"resourceType": "Patient"}}'] * n) + ",\n{}")
    r = _fast(forked_read("fhir", f), limit=10.0)
    assert (r["field"], r["line"]) == (f"entry[{n}].resource", n + 2)


def test_fhir_deep_brackets_are_refused(tmp_path, forked_read):
    depth = 500_000
    r = _fast(forked_read("fhir", _fhir_bundle(tmp_path, "[" * depth + "]" * depth)))
    assert r["field"] == "json" and "nests" in r["error"]


def _health(tmp_path: Path, body: str, name: str = "export.xml") -> Path:
    f = tmp_path / name
    f.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_GB">\n' + body + "</HealthData>\n")
    return f


HEADACHE = ('<Record type="HKCategoryTypeIdentifierHeadache" sourceName="{src}" startDate="2023-03-03 08:00:00 +0000" '
            'endDate="2023-03-03 08:00:00 +0000" value="HKCategoryValueSeverityMild">{inside}</Record>\n')


def test_apple_health_deep_nesting_and_many_children(tmp_path, forked_read):
    depth = 200_000
    inside = "<a>" * depth + "</a>" * depth + '<MetadataEntry key="k" value="v"/>' * 100_000
    r = _fast(forked_read("applehealth", _health(tmp_path, HEADACHE.format(src="Watch", inside=inside))))
    assert r["error"] is None and r["rows"] == 1 and r["first"]["intensity"] == 3


def test_apple_health_tag_or_comment_over_the_limit_is_refused(tmp_path, forked_read):
    ok = HEADACHE.format(src="x" * (3 << 20), inside="")
    assert _fast(forked_read("applehealth", _health(tmp_path, ok)))["rows"] == 1
    r = _fast(forked_read("applehealth", _health(tmp_path, "<!-- " + "<>" * (3 << 20) + " -->\n", "big.xml")))
    assert (r["field"], r["line"]) == ("big.xml", 3) and "4 MiB" in r["error"]


# -- arbitrary cells: records or a clean BadInput -------------------------------------------
LOOPED = [" ", "(", ")", "[", "]", ",", ":", ".", "am", "pm", "Mild", "pain", "dose", "drug:[name:",
          "quantityMorning:", "quantityNoon:", "quantityEvening:", "quantityNight:", "1", "12", "/", "-", "\n",
          '"', "'", "=", "\t", ";", "null", "_LEFT", "BACK"]
cells = st.one_of(st.text(max_size=40), st.lists(st.sampled_from(LOOPED), max_size=30).map("".join))
FUZZ = settings(max_examples=examples(150), deadline=timedelta(seconds=2),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def _read_all(fmt: str, data: bytes, name: str = "in.csv", options: dict | None = None) -> list:
    module, func = READERS[fmt]
    import importlib

    read = getattr(importlib.import_module(module), func)
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / name
        f.write_bytes(data)
        try:
            return list(read(ImportSource(f, options=options)))
        except BadInput as exc:
            assert exc.field and exc.message, exc
            return []


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    return buf.getvalue().encode("utf-8", "surrogatepass")


def _check_rows(got: list, n_rows: int) -> None:
    for r in got:
        lines = getattr(r, "lines", None) or [r.line]
        assert all(2 <= ln <= 1 + 2 * n_rows + 50 for ln in lines)


@FUZZ
@given(rows=st.lists(st.fixed_dictionaries({"when": cells, "amount": cells, "detail": cells, "date": cells}),
                     min_size=1, max_size=3))
def test_bearable_arbitrary_cells(rows):
    data = [[r["date"], "Friday", r["when"], "Symptom", r["amount"], r["detail"], "n"] for r in rows]
    got = _read_all("bearable", _csv_bytes(BEARABLE, data))
    _check_rows(got, len(rows))
    assert all(0 <= r.data["intensity"] <= 10 for r in got)


@FUZZ
@given(rows=st.lists(st.lists(cells, min_size=8, max_size=8), min_size=1, max_size=3),
       order=st.sampled_from(["dmy", "mdy", "ymd", None]))
def test_pain_diary_arbitrary_cells(rows, order):
    got = _read_all("paindiary", _csv_bytes(PAINDIARY, rows), options={"date_order": order} if order else {})
    _check_rows(got, len(rows))


@FUZZ
@given(rows=st.lists(st.lists(cells, min_size=4, max_size=4), min_size=1, max_size=3))
def test_generic_csv_arbitrary_cells(rows):
    got = _read_all("generic-csv", _csv_bytes(GENERIC, rows), options={"date_order": "dmy"})
    _check_rows(got, len(rows))


@FUZZ
@given(rows=st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=3))
def test_own_csv_arbitrary_cells(rows):
    _check_rows(_read_all("csv", _csv_bytes(OWN_CSV, rows)), len(rows))


@FUZZ
@given(text=st.one_of(st.text(max_size=200), st.lists(st.sampled_from(
    ['{', '}', '[', ']', ',', ':', '"format"', '"painboard"', '"version"', '1', '"pain_entries"', ' ', '\n',
     '"x"', 'null', '{"intensity": 3}', '"\\']), max_size=40).map("".join)))
def test_json_arbitrary_text(text):
    got = _read_all("json", ('{"format": "painboard", "version": 1, ' + text).encode("utf-8", "surrogatepass"),
                    "in.json")
    assert all(isinstance(r.data, dict) for r in got)


@FUZZ
@given(text=st.one_of(st.text(max_size=200), st.lists(st.sampled_from(
    ['{', '}', '[', ']', ',', ':', '"resource"', '"resourceType"', '"Observation"', '"Bundle"', '"entry"', ' ',
     '\n', '"x"', 'null', '1', '"valueInteger"', '"code"']), max_size=40).map("".join)))
def test_fhir_arbitrary_text(text):
    pytest.importorskip("painboard_fhir")
    _read_all("fhir", ('{"resourceType": "Bundle", "entry": [' + text).encode("utf-8", "surrogatepass"), "b.json")


@FUZZ
@given(attrs=st.dictionaries(st.sampled_from(["type", "value", "startDate", "endDate", "sourceName"]),
                             cells, max_size=5),
       tail=st.lists(st.sampled_from(["<", ">", "/", "a", "<!--", "-->", "&amp;", "&x;", "\n", '"']),
                     max_size=20).map("".join))
def test_apple_health_arbitrary_records(attrs, tail):
    def q(v: str) -> str:
        return v.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")

    rec = "<Record " + " ".join(f'{k}="{q(v)}"' for k, v in attrs.items()) + "/>"
    body = f'<?xml version="1.0"?>\n<HealthData>\n{rec}\n{tail}</HealthData>\n'
    got = _read_all("applehealth", body.encode("utf-8", "surrogatepass"), "export.xml")
    assert all(r.data["intensity"] in (0, 3, 5, 8) for r in got)


@FUZZ
@given(fmt=st.sampled_from(["bearable", "paindiary", "generic-csv", "csv"]),
       body=st.binary(max_size=300), header=st.sampled_from([BEARABLE, PAINDIARY, GENERIC, OWN_CSV]))
def test_csv_readers_arbitrary_bytes_after_their_header(fmt, body, header):
    """Bytes that need not be UTF-8 or CSV after a header the reader knows."""
    got = _read_all(fmt, (",".join(header) + "\n").encode() + body)
    _check_rows(got, body.count(b"\n") + body.count(b"\r") + 1)


@FUZZ
@given(head=st.binary(max_size=2000), name=st.sampled_from(["in.csv", "export.xml", "export.zip", "a.json"]))
def test_sniffers_take_any_bytes(head, name):
    """Every importer's sniff is asked about the first bytes of any file: a yes or no, nothing else."""
    from painboard.builtin import apple_health, bearable, csv_format, generic_csv, json_format, pain_diary

    sniffs = [bearable.sniff, pain_diary.sniff, generic_csv.sniff, csv_format.sniff_csv, json_format.sniff_json,
              apple_health.sniff]
    try:
        from painboard_fhir.importer import sniff as fhir_sniff
        sniffs.append(fhir_sniff)
    except ImportError:
        pass
    assert all(isinstance(s(head, name), bool) for s in sniffs)


def test_apple_health_entity_expansion_and_outside_files_are_refused(tmp_path, forked_read):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    laughs = "".join(f'<!ENTITY {chr(98 + i)} "' + f"&{chr(97 + i)};" * 10 + '">\n' for i in range(9))
    rec = HEADACHE.format(src="&j;", inside="")
    f = tmp_path / "laughs.xml"
    f.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n<!ENTITY a "aaaaaaaaaa">\n{laughs}]>\n'
                 f"<HealthData>\n{rec}</HealthData>\n")
    r = _fast(forked_read("applehealth", f))
    assert (r["field"], r["line"]) == ("laughs.xml", 15) and "amplification" in r["error"]
    f = tmp_path / "outside.xml"
    f.write_text(f'<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n<!ENTITY x SYSTEM "file://{secret}">\n]>\n'
                 f"<HealthData>&x;\n{HEADACHE.format(src='Watch', inside='')}</HealthData>\n")
    r = _fast(forked_read("applehealth", f))
    assert (r["rows"], r["field"], r["line"]) == (0, "outside.xml", 5) and "another file" in r["error"]


def test_fhir_bundle_over_the_limit_is_refused_before_it_is_read(tmp_path):
    f = tmp_path / "bundle.json"
    with open(f, "wb") as out:  # sparse: nothing of it is read
        out.write(b'{"resourceType": "Bundle", "entry": [')
        out.truncate(24 * 1024 * 1024 + 1)
    r = _fast(child_read("fhir", f))
    assert (r["field"], r["rows"]) == ("file", 0) and "at most 24 MiB" in r["error"]
    assert r["peak_mb"] < 100
