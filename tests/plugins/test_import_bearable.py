"""Bearable's CSV export through the real CLI: pain symptoms in, everything else counted out."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from .importer_cli import EXAMPLES, entries, import_ok, run

pytestmark = pytest.mark.usefixtures("imports_in_process")  # what it reads, not the child: see /conftest.py

BERLIN = ZoneInfo("Europe/Berlin")  # the zone the plugin tests run in (conftest)
HEADER = "date,weekday,time of day,category,rating/amount,detail,notes\n"


def _at(y, m, d, hh, mm=0) -> str:
    return datetime(y, m, d, hh, mm, tzinfo=BERLIN).isoformat()


def _utc(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def test_sample_imports_pain_symptoms_only_with_derived_scores(tmp_path):
    db = tmp_path / "b.db"
    out = import_ok(db, EXAMPLES / "bearable-export.csv")
    assert "(bearable)" in out and "5 of 5 pain entries" in out
    # the other rows are named in the summary, with their counts
    for part in ("Mood 1", "Sleep 1", "Factors 1", "Meds/Supplements 1"):
        assert part in out
    # a symptom that is not pain is a symptom record now (issue 20), no longer skipped
    assert "1 of 1 symptoms" in out and "other symptoms" not in out
    got = sorted(entries(db), key=lambda e: e["occurred_at"])
    levels = {"Mild": 3, "Moderate": 5, "Severe": 8, "Unbearable": 10}
    want = [  # (when, site, original level, note fragment)
        (_at(2021, 12, 6, 9), "lower back", "Moderate", 'stiff after sleeping, "better" by noon (approximate time: am)'),
        (_at(2021, 12, 6, 21), "neck", "Mild", "(approximate time: pm)"),
        (_at(2021, 12, 7, 3), "lower back", "Severe", "woke at 3 (approximate time: pre)"),
        (_at(2021, 12, 8, 14, 30), "hip", "Moderate", "after the walk"),
        (_at(2021, 12, 8, 15), "headache", "Unbearable", "(approximate time: mid)"),
    ]
    assert [(_utc(e["occurred_at"]), e["sites"], e["original_level"], e["intensity"], e["note"]) for e in got] == \
        [(_utc(w), [s], lvl, levels[lvl], n) for w, s, lvl, n in want]
    assert all(e["derived"] for e in got)
    assert all(e["source"].startswith("bearable:bearable-export.csv:") for e in got)


def test_reimport_and_renamed_file_add_nothing(tmp_path):
    db = tmp_path / "b.db"
    import_ok(db, EXAMPLES / "bearable-export.csv")
    again = import_ok(db, EXAMPLES / "bearable-export.csv")
    assert "0 of 5 pain entries, 0 of 1 symptoms; 6 already stored" in again
    renamed = tmp_path / "my-old-app.csv"
    renamed.write_bytes((EXAMPLES / "bearable-export.csv").read_bytes())
    assert "6 already stored" in import_ok(db, renamed)
    assert len(entries(db)) == 5


def test_identical_readings_in_one_file_both_kept(tmp_path):
    f = tmp_path / "twice.csv"
    row = "1st Feb 2022,Tuesday,am,Symptom,1,Neck pain (Mild),\n"
    f.write_text(HEADER + row + row)
    db = tmp_path / "b.db"
    import_ok(db, f)
    assert len(entries(db)) == 2
    import_ok(db, f)
    assert len(entries(db)) == 2


def test_level_only_in_the_detail_and_clock_times(tmp_path):
    f = tmp_path / "b.csv"
    f.write_text(HEADER + "3rd Mar 2023,Friday,2:15 PM,Symptom,,Upper back pain (Severe),\n"
                 "22nd Mar 2023,Wednesday,07:05,symptom,4,Joint pain (Unbearable),\n")
    db = tmp_path / "b.db"
    import_ok(db, f)
    got = sorted(entries(db), key=lambda e: e["occurred_at"])
    assert [(_utc(e["occurred_at"]), e["intensity"], e["sites"]) for e in got] == [
        (_utc(_at(2023, 3, 3, 14, 15)), 8, ["upper back"]), (_utc(_at(2023, 3, 22, 7, 5)), 10, ["joint"])]
    assert got[0]["note"] is None  # a clock time is not approximate


def test_level_disagreeing_with_detail_is_refused(tmp_path):
    f = tmp_path / "b.csv"
    f.write_text(HEADER + "3rd Mar 2023,Friday,am,Symptom,1,Neck pain (Severe),\n")
    db = tmp_path / "b.db"
    r = run(db, "import", str(f))
    assert r.exit_code == 2
    assert "line 2" in r.stderr and "rating/amount" in r.stderr and "'Severe'" in r.stderr


def test_bad_time_of_day_names_line_and_field(tmp_path):
    f = tmp_path / "b.csv"
    f.write_text(HEADER + "3rd Mar 2023,Friday,am,Symptom,1,Neck pain (Mild),\n"
                 "4th Mar 2023,Saturday,evening,Symptom,1,Neck pain (Mild),\n")
    db = tmp_path / "b.db"
    r = run(db, "import", str(f))
    assert r.exit_code == 2 and "line 3" in r.stderr and "time of day" in r.stderr
    assert entries(db) == []


def test_symptoms_that_are_not_pain_become_symptom_records(tmp_path):
    """Issue 20: Nausea and Dizziness are symptom records (a side effect, own words), with the
    level as severity; none is a warning sign, so an old row never raises the banner."""
    f = tmp_path / "s.csv"
    f.write_text(HEADER + "1st Feb 2022,Tuesday,am,Symptom,2,Nausea (Moderate),after lunch\n"
                 + "1st Feb 2022,Tuesday,21:15,Symptom,4,Dizziness (Extreme),\n"
                 + "2nd Feb 2022,Wednesday,pm,Symptom,,Constipation,\n"
                 + "2nd Feb 2022,Wednesday,pm,Symptom,1,Neck pain (Mild),\n")
    db = tmp_path / "b.db"
    out = import_ok(db, f)
    assert "1 of 1 pain entries, 3 of 3 symptoms" in out
    r = run(db, "symptoms", "--json")
    got = [(s["name"], s["kind"], s["severity"], s["note"], _utc(s["occurred_at"])) for s in json.loads(r.stdout)]
    assert got == [
        ("nausea", "side_effect", "moderate", "after lunch (approximate time: am)", _utc(_at(2022, 2, 1, 9))),
        ("dizziness", "own_words", "severe", None, _utc(_at(2022, 2, 1, 21, 15))),
        ("constipation", "side_effect", None, "(approximate time: pm)", _utc(_at(2022, 2, 2, 21)))]
    assert all(s["source"].startswith("bearable:s.csv:") for s in json.loads(r.stdout))
    assert "Warning" not in out
