"""Bearable files laid out as real exports are, through the real CLI.

What real exports look like was read from exports and parsers published with open-source tools
(see docs/importers.md): an unquoted header, every data cell quoted, ordinal dates, parts of the
day pre/am/mid/pm, "all day" and empty times for day-long categories, clock times for moods and
meds, categories such as Meds/Supplements, Sleep factors, Food Diary and Water; newer exports
add a ``date formatted`` column (ISO dates). The rows below are our own, written in that layout.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from .importer_cli import entries, import_ok, run

pytestmark = pytest.mark.usefixtures("imports_in_process")  # what it reads, not the child: see /conftest.py

BERLIN = ZoneInfo("Europe/Berlin")
OLD = "date,weekday,time of day,category,rating/amount,detail,notes\n"
NEW = "date,date formatted,weekday,time of day,category,rating/amount,detail,notes\n"


def q(*cells: str) -> str:
    return ",".join('"' + c.replace('"', '""') + '"' for c in cells) + "\n"


def local(e) -> datetime:
    return datetime.fromisoformat(e["occurred_at"]).astimezone(BERLIN)


def test_a_day_of_a_2021_export(tmp_path):
    f = tmp_path / "bearable-export-27-10-2021.csv"
    f.write_text(OLD
                 + q("23rd Jul 2021", "Friday", "pre", "Symptom", "1", "Neck pain (Mild)", "")
                 + q("23rd Jul 2021", "Friday", "pm", "Symptom", "3", "Back (lower) pain (Severe)", "")
                 + q("23rd Jul 2021", "Friday", "am", "Symptom", "1", "Dizziness (Mild)", "")
                 + q("23rd Jul 2021", "Friday", "all day", "Factors", "", "Quiet day | Home | Sunny", "")
                 + q("23rd Jul 2021", "Friday", "", "Sleep", "7:00", "In bed 23:00 - 07:00", ". ")
                 + q("23rd Jul 2021", "Friday", "all day", "Sleep factors", "", "Woke early", "")
                 + q("23rd Jul 2021", "Friday", "21:29", "Meds/Supplements", "1000", "Paracetamol (mg)", "")
                 + q("23rd Jul 2021", "Friday", "21:30", "Mood", "5", "Meh | Exhausted", "long day, \"rough\"")
                 + q("23rd Jul 2021", "Friday", "pm", "Food Diary", "", "Meals: Pasta", "")
                 + q("23rd Jul 2021", "Friday", "", "Water", "1.25L", "", ""))
    db = tmp_path / "b.db"
    out = import_ok(db, f)
    assert "(bearable)" in out and "2 of 2 pain entries" in out and "1 of 1 symptoms" in out
    for part in ("Factors 1", "Sleep 1", "Sleep factors 1", "Meds/Supplements 1", "Mood 1",
                 "Food Diary 1", "Water 1"):
        assert part in out, part
    got = sorted(entries(db), key=lambda e: e["occurred_at"])
    # pre is 03:00 and pm 21:00 local; mild is 3 and severe 8 (the derived scores)
    assert [(local(e).replace(tzinfo=None), e["sites"], e["intensity"], e["original_level"]) for e in got] == [
        (datetime(2021, 7, 23, 3), ["neck"], 3, "Mild"),
        (datetime(2021, 7, 23, 21), ["lower back"], 8, "Severe")]
    assert [e["note"] for e in got] == ["(approximate time: pre)", "(approximate time: pm)"]


def test_newer_export_with_date_formatted_and_a_bom(tmp_path):
    f = tmp_path / "Bearable App - Data Export. Generated 05-02-2024.csv"
    body = (NEW
            + q("4th Feb 2024", "2024-02-04", "Sunday", "mid", "Symptom", "2", "Hip pain (Moderate)", "after walk")
            + q("4th Feb 2024", "2024-02-04", "Sunday", "all day", "Symptom", "4", "Bone pain (Extreme)", "")
            + q("4th Feb 2024", "2024-02-04", "Sunday", "08:15", "Health measurements", "5400", "Step count", "")
            + q("4th Feb 2024", "2024-02-04", "Sunday", "10:02", "Energy", "2", "Low", ""))
    f.write_bytes(b"\xef\xbb\xbf" + body.replace("\n", "\r\n").encode())
    db = tmp_path / "b.db"
    out = import_ok(db, f)
    assert "(bearable)" in out and "2 of 2 pain entries" in out
    assert "Health measurements 1" in out and "Energy 1" in out
    got = sorted(entries(db), key=lambda e: e["occurred_at"])
    # all day is 12:00, mid 15:00; moderate 5; the fourth level (Extreme) 10
    assert [(local(e).replace(tzinfo=None), e["sites"], e["intensity"], e["original_level"], e["note"])
            for e in got] == [
        (datetime(2024, 2, 4, 12), ["bone"], 10, "Extreme", "(approximate time: all day)"),
        (datetime(2024, 2, 4, 15), ["hip"], 5, "Moderate", "after walk (approximate time: mid)")]


def test_date_formatted_wins_and_a_bad_one_is_named(tmp_path):
    # the ISO column is the one read: a day that only it names (the ordinal one left empty)
    f = tmp_path / "d.csv"
    f.write_text(NEW + q("", "2024-02-29", "Thursday", "am", "Symptom", "1", "Knee pain (Mild)", ""))
    db = tmp_path / "b.db"
    import_ok(db, f)
    [e] = entries(db)
    assert datetime.fromisoformat(e["occurred_at"]).astimezone(timezone.utc) == \
        datetime(2024, 2, 29, 9, tzinfo=BERLIN).astimezone(timezone.utc)
    bad = tmp_path / "bad.csv"
    bad.write_text(NEW + q("1st Mar 2024", "2024-02-30", "Friday", "am", "Symptom", "1", "Knee pain (Mild)", ""))
    r = run(tmp_path / "c.db", "import", str(bad))
    assert r.exit_code == 2 and "line 2" in r.stderr and "date formatted" in r.stderr and "2024-02-30" in r.stderr


def test_columns_in_another_order_with_an_extra_one(tmp_path):
    f = tmp_path / "o.csv"
    f.write_text("category,detail,rating/amount,time of day,date,timezone,notes\n"
                 + q("Symptom", "Shoulder pain (Severe)", "3", "am", "2nd Jan 2023", "Europe/Berlin", ""))
    db = tmp_path / "b.db"
    out = import_ok(db, f)
    assert "(bearable)" in out
    [e] = entries(db)
    assert (local(e).replace(tzinfo=None), e["sites"], e["intensity"]) == (datetime(2023, 1, 2, 9), ["shoulder"], 8)


@pytest.mark.parametrize("amount, detail, want", [
    ("0", "Neck pain (None)", (0, "None")),   # 0 is recorded as none
    ("2.0", "Neck pain (Moderate)", (5, "Moderate")),
    ("", "Neck pain (Unbearable)", (10, "Unbearable")),
])
def test_level_forms(tmp_path, amount, detail, want):
    f = tmp_path / "l.csv"
    f.write_text(OLD + q("8th Dec 2021", "Wednesday", "mid", "Symptom", amount, detail, ""))
    db = tmp_path / "b.db"
    import_ok(db, f)
    [e] = entries(db)
    assert (e["intensity"], e["original_level"]) == want


def test_garbage_is_refused_with_line_and_field(tmp_path):
    f = tmp_path / "g.csv"
    f.write_text(OLD + q("8th Dec 2021", "Wednesday", "mid", "Symptom", "2", "Neck pain (Moderate)", "")
                 + q("8th Dec 2021", "Wednesday", "mid", "Symptom", "2.5", "Neck pain (Moderate)", ""))
    r = run(tmp_path / "b.db", "import", str(f))
    assert r.exit_code == 2 and "line 3" in r.stderr and "rating/amount" in r.stderr
    assert entries(tmp_path / "b.db") == []
    no_detail = tmp_path / "h.csv"
    no_detail.write_text("date,weekday,time of day,category,rating/amount,notes\n"
                         + q("8th Dec 2021", "Wednesday", "mid", "Symptom", "2", ""))
    r = run(tmp_path / "c.db", "import", str(no_detail), "--format", "bearable")
    assert r.exit_code == 2 and "line 1" in r.stderr and "'detail'" in r.stderr
