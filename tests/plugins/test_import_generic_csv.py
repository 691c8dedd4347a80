"""A spreadsheet's CSV through the real CLI: columns by header or mapping, any delimiter, dates
in either order with the ambiguity rule, and painboard's own CSV left to its own importer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from .importer_cli import EXAMPLES, entries, import_ok, run

pytestmark = pytest.mark.usefixtures("imports_in_process")  # what it reads, not the child: see /conftest.py

BERLIN = ZoneInfo("Europe/Berlin")


def _got(db) -> list[tuple[datetime, int, list[str], str | None]]:
    return sorted((datetime.fromisoformat(e["occurred_at"]), e["intensity"], e["sites"], e["note"])
                  for e in entries(db))


def test_sample_semicolons_day_first(tmp_path):
    db = tmp_path / "g.db"
    out = import_ok(db, EXAMPLES / "pain-spreadsheet.csv")
    assert "(generic-csv)" in out and "3 of 3 pain entries" in out
    assert _got(db) == [
        (datetime(2024, 11, 2, 8, 30, tzinfo=BERLIN), 4, ["left hip"], "after breakfast"),
        (datetime(2024, 11, 2, 21, 15, tzinfo=BERLIN), 6, ["left hip", "lower back"], 'stairs; "bad" day'),
        (datetime(2024, 11, 13, 7, 0, tzinfo=BERLIN), 3, [], None)]
    assert all(e["source"] == "csv:pain-spreadsheet.csv" for e in entries(db))
    renamed = tmp_path / "copy.csv"
    renamed.write_bytes((EXAMPLES / "pain-spreadsheet.csv").read_bytes())
    assert "3 already stored" in import_ok(db, renamed)


@pytest.mark.parametrize("delim", [",", ";", "\t"])
def test_any_delimiter_and_iso_times_with_offsets(tmp_path, delim):
    f = tmp_path / "t.csv"
    rows = [["Timestamp", "Score", "Comment"], ["2024-05-01T08:00:00+02:00", "5", "a, b"],
            ["2024-05-02 09:30", "2", ""]]
    f.write_text("".join(delim.join(f'"{c}"' if delim in c else c for c in r) + "\n" for r in rows))
    db = tmp_path / "g.db"
    import_ok(db, f)
    assert _got(db) == [(datetime(2024, 5, 1, 8, tzinfo=BERLIN), 5, [], "a, b"),
                        (datetime(2024, 5, 2, 9, 30, tzinfo=BERLIN), 2, [], None)]


def test_mapping_by_options_and_by_file(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text("Tag,Uhrzeit,Schmerz (0-10),Ort\n2024-06-01,10:00,7,neck\n")
    db = tmp_path / "g.db"
    r = run(db, "import", str(f))
    assert r.exit_code == 2  # nothing it can recognise: it cannot tell the format
    import_ok(db, f, "--format", "generic-csv", "-O", "date=Tag", "-O", "time=Uhrzeit",
              "-O", "intensity=Schmerz (0-10)", "-O", "sites=Ort")
    assert _got(db) == [(datetime(2024, 6, 1, 10, tzinfo=BERLIN), 7, ["neck"], None)]
    mapping = tmp_path / "map.txt"
    mapping.write_text("# my old app\ndate=Tag\ntime=Uhrzeit\nintensity=Schmerz (0-10)\nsites=Ort\n")
    db2 = tmp_path / "g2.db"
    import_ok(db2, f, "--format", "generic-csv", "-O", f"mapping={mapping}")
    assert _got(db2) == _got(db)


def test_a_mapping_naming_a_missing_column_is_refused(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text("date,pain\n2024-06-01,3\n")
    r = run(tmp_path / "g.db", "import", str(f), "-O", "intensity=Schmerz")
    assert r.exit_code == 2 and "Schmerz" in r.stderr and "intensity" in r.stderr


def test_month_first_found_and_ambiguous_refused(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("date,pain\n3/4/2024,2\n3/14/2024,5\n")
    db = tmp_path / "g.db"
    import_ok(db, f)
    assert [d.astimezone(BERLIN).isoformat() for d, *_ in _got(db)] == ["2024-03-04T12:00:00+01:00", "2024-03-14T12:00:00+01:00"]
    amb = tmp_path / "a.csv"
    amb.write_text("date,pain\n3/4/2024,2\n")
    r = run(tmp_path / "a.db", "import", str(amb))
    assert r.exit_code == 2 and "--date-order" in r.stderr
    import_ok(tmp_path / "a.db", amb, "--date-order", "dmy")
    assert [d.astimezone(BERLIN).isoformat() for d, *_ in _got(tmp_path / "a.db")] == ["2024-04-03T12:00:00+02:00"]


def test_decimal_comma_score_refused_naming_line_and_column(tmp_path):
    f = tmp_path / "c.csv"
    f.write_text("date;pain\n2024-06-01;3\n2024-06-02;4,5\n")
    db = tmp_path / "g.db"
    r = run(db, "import", str(f))
    assert r.exit_code == 2 and "line 3" in r.stderr and "pain" in r.stderr and "decimal comma" in r.stderr
    assert entries(db) == []


def test_painboards_own_csv_is_not_taken(tmp_path):
    db = tmp_path / "g.db"
    out = import_ok(db, EXAMPLES / "sample-entries.csv")
    assert "(csv)" in out
    # even written with semicolons (which the csv importer does not read), generic-csv declines it
    from painboard.builtin.generic_csv import sniff
    assert not sniff(b"key;occurred_at;intensity\n", "x.csv")
