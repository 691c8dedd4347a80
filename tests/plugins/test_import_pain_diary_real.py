"""Privacy Friendly Pain Diary files as the app's own writer makes them, through the real CLI.

Each file here is written by hand from how the app's CSV writer works (SecUSo's
helpers/CsvHelper.java with opencsv's CSVWriter): every cell in double quotes, quotes inside
doubled, LF line ends, UTF-8 without a byte-order mark, an English header, enum names for
condition and body regions, lower-case words for pain nature and times of pain, and drug
intakes written as nested brackets.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from .importer_cli import entries, import_ok, run

pytestmark = pytest.mark.usefixtures("imports_in_process")  # what it reads, not the child: see /conftest.py

BERLIN = ZoneInfo("Europe/Berlin")
COLS = ["Date", "Conditions", "Pain Level (0-10)", "Body Regions", "Pain nature", "Times of pain",
        "Drug Intakes", "Comment"]


def quoted(*cells: str) -> str:
    """One line as opencsv writes it: every cell quoted, quotes doubled, LF at the end."""
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n"


def intake(name, dose, m, n, e, night) -> str:
    drug = f"drug:[name:{name},dose{dose}]," if name is not None else ""
    return f"[{drug}quantityMorning:{m},quantityNoon:{n},quantityEvening:{e},quantityNight:{night}]"


def day_of(e) -> date:
    return datetime.fromisoformat(e["occurred_at"]).astimezone(BERLIN).date()


def test_quoted_header_is_recognised_without_format(tmp_path):
    f = tmp_path / "01032024-31032024.csv"  # the app names files after the range
    f.write_text(quoted(*COLS) + quoted("3/14/24", "BAD", "6", "[NECK]", "[burning]", "[all day]", "[]", ""))
    db = tmp_path / "p.db"
    out = import_ok(db, f)
    assert "(paindiary)" in out
    [e] = entries(db)
    assert day_of(e) == date(2024, 3, 14) and e["intensity"] == 6
    assert e["sites"] == ["neck"] and e["qualities"] == ["burning"]
    assert e["note"] == "(one entry for the day; condition: bad; times of pain: all day)"


def test_earlier_writer_condition_header_is_always_day_first(tmp_path):
    # The earlier CsvHelper wrote "Condition" and dates with SimpleDateFormat("dd.MM.yyyy"): 05.03
    # is the 5th of March even though every day here is 12 or less.
    cols = ["Condition" if c == "Conditions" else c for c in COLS]
    f = tmp_path / "old.csv"
    f.write_text(quoted(*cols) + quoted("05.03.2019", "OKAY", "3", "[]", "[]", "[]", "[]", "")
                 + quoted("06.03.2019", "VERY_BAD", "8", "[]", "[]", "[]", "[]", ""))
    db = tmp_path / "p.db"
    import_ok(db, f)
    got = sorted((day_of(e), e["intensity"]) for e in entries(db))
    assert got == [(date(2019, 3, 5), 3), (date(2019, 3, 6), 8)]
    assert sorted(e["note"] for e in entries(db)) == ["(one entry for the day; condition: okay)",
                                                      "(one entry for the day; condition: very bad)"]


@pytest.mark.parametrize("written, want", [
    ("2019/03/25", date(2019, 3, 25)),    # ja: yyyy/MM/dd
    ("2019. 03. 25.", date(2019, 3, 25)),  # hu: yyyy. MM. dd.
    ("25.03.19", date(2019, 3, 25)),      # de: dd.MM.yy
    ("25-03-2019", date(2019, 3, 25)),    # nl: dd-MM-yyyy
])
def test_short_date_formats_of_other_locales(tmp_path, written, want):
    f = tmp_path / "d.csv"
    f.write_text(quoted(*COLS) + quoted(written, "GOOD", "2", "[]", "[]", "[]", "[]", ""))
    db = tmp_path / "p.db"
    import_ok(db, f)
    assert [day_of(e) for e in entries(db)] == [want]


def test_every_kind_of_body_region_name(tmp_path):
    regions = ["HEAD", "NECK_BACK", "HEAD_BACK", "CHEST_LEFT", "CHEST_RIGHT_BACK", "ABDOMEN_RIGHT_BACK",
               "GROIN_LEFT_BACK", "UPPER_ARM_RIGHT", "LOWER_LEG_LEFT_BACK", "HAND_RIGHT_BACK", "KNEE_LEFT"]
    # worked out by hand: side first; the back view is "back of ..." except abdomen (lower
    # back), chest (upper back) and groin (buttock)
    want = ["head", "back of neck", "back of head", "left chest", "right upper back", "right lower back",
            "left buttock", "right upper arm", "back of left lower leg", "back of right hand", "left knee"]
    f = tmp_path / "r.csv"
    f.write_text(quoted(*COLS) + quoted("3/14/24", "OKAY", "5", "[" + ", ".join(regions) + "]", "[]", "[]",
                                        "[]", ""))
    db = tmp_path / "p.db"
    import_ok(db, f)
    assert entries(db)[0]["sites"] == want


def test_drug_intakes_with_and_without_a_drug(tmp_path):
    drugs = "[" + intake("Morphine sulfate", "10 mg", 1, 0, 1, 1) + "," + intake(None, None, 0, 2, 0, 0) \
        + "," + intake("Naproxen", "null", 0, 0, 0, 0) + ",]"
    f = tmp_path / "d.csv"
    f.write_text(quoted(*COLS) + quoted("3/14/24", "", "5", "[]", "[]", "[]", drugs, ""))
    db = tmp_path / "p.db"
    import_ok(db, f)
    assert entries(db)[0]["note"] == ("(one entry for the day; drug intakes: Morphine sulfate 10 mg (morning 1, "
                                      "evening 1, night 1), a drug without a name (noon 2), Naproxen)")


def test_a_broken_drug_intake_list_names_line_and_field(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(quoted(*COLS) + quoted("3/14/24", "OKAY", "5", "[]", "[]", "[]", "[]", "")
                 + quoted("3/15/24", "OKAY", "5", "[]", "[]", "[]", "[[quantityMorning:1,quantityNoon:", ""))
    db = tmp_path / "p.db"
    r = run(db, "import", str(f))
    assert r.exit_code == 2
    assert "line 3" in r.stderr and "Drug Intakes" in r.stderr
    assert entries(db) == []  # all or nothing


def test_multi_line_comment_in_a_crlf_file_keeps_lines_and_line_numbers(tmp_path):
    # a file passed through Windows: CRLF ends, a comment over two lines; the bad date after it
    # is on physical line 4
    body = (quoted(*COLS) + quoted("3/14/24", "OKAY", "4", "[]", "[]", "[]", "[]", 'slept badly\n"again"')
            + quoted("3/15/24", "OKAY", "4", "[]", "[]", "[]", "[]", "")).replace("\n", "\r\n")
    f = tmp_path / "c.csv"
    f.write_bytes(body.encode())
    db = tmp_path / "p.db"
    import_ok(db, f)
    notes = sorted(e["note"] for e in entries(db))
    assert notes == ["(one entry for the day; condition: okay)",
                     'slept badly\n"again" (one entry for the day; condition: okay)']
    bad = tmp_path / "bad.csv"
    bad.write_bytes((body + quoted("31/31/24", "OKAY", "4", "[]", "[]", "[]", "[]", "").replace("\n", "\r\n"))
                    .encode())
    r = run(tmp_path / "q.db", "import", str(bad), "--format", "paindiary", "--date-order", "mdy")
    assert r.exit_code == 2 and "line 5" in r.stderr and "Date" in r.stderr


def test_bom_extra_column_and_other_order_are_read_by_name(tmp_path):
    cols = ["Comment", "Pain Level (0-10)", "Date", "Exported by", "Conditions", "Body Regions", "Pain nature",
            "Times of pain", "Drug Intakes"]
    f = tmp_path / "o.csv"
    f.write_bytes(b"\xef\xbb\xbf" + (quoted(*cols) + quoted("ok", "3", "3/14/24", "me", "GOOD", "[KNEE_RIGHT]",
                                                            "[dull]", "[]", "[]") + "\n\n").encode())
    db = tmp_path / "p.db"
    out = import_ok(db, f)
    assert "(paindiary)" in out
    [e] = entries(db)
    assert (day_of(e), e["intensity"], e["sites"], e["qualities"]) == (date(2024, 3, 14), 3, ["right knee"],
                                                                         ["dull"])
    assert e["note"] == "ok (one entry for the day; condition: good)"


def test_a_missing_column_is_named(tmp_path):
    f = tmp_path / "m.csv"
    cols = [c for c in COLS if c != "Body Regions"]
    f.write_text(quoted(*cols) + quoted("3/14/24", "GOOD", "3", "[]", "[]", "[]", ""))
    r = run(tmp_path / "p.db", "import", str(f), "--format", "paindiary")
    assert r.exit_code == 2 and "line 1" in r.stderr and "'body regions'" in r.stderr
