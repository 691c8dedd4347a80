"""Privacy Friendly Pain Diary's CSV through the real CLI: one entry a day, the date order found
from the whole file or asked for."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from .importer_cli import EXAMPLES, entries, import_ok, run

pytestmark = pytest.mark.usefixtures("imports_in_process")  # what it reads, not the child: see /conftest.py

BERLIN = ZoneInfo("Europe/Berlin")
HEADER = "Date,Conditions,Pain Level (0-10),Body Regions,Pain nature,Times of pain,Drug Intakes,Comment\n"


def _days(db) -> list[tuple[date, int]]:
    return sorted((datetime.fromisoformat(e["occurred_at"]).astimezone(BERLIN).date(), e["intensity"])
                  for e in entries(db))


def test_sample_one_entry_a_day_at_noon(tmp_path):
    db = tmp_path / "p.db"
    out = import_ok(db, EXAMPLES / "pain-diary-export.csv")
    assert "(paindiary)" in out and "3 of 3 pain entries" in out and "days without a pain level 1" in out
    got = sorted(entries(db), key=lambda e: e["occurred_at"])
    assert [datetime.fromisoformat(e["occurred_at"]) for e in got] == \
        [datetime(2024, 3, d, 12, tzinfo=BERLIN) for d in (14, 15, 17)]
    assert [e["intensity"] for e in got] == [4, 7, 0]
    # ABDOMEN_LEFT_BACK is the back view of the left abdomen; GROIN_RIGHT_BACK of the right groin
    assert got[0]["sites"] == ["left lower back", "left thigh"] and got[1]["sites"] == ["right buttock"]
    assert got[0]["qualities"] == ["stabbing", "dull"]
    assert got[0]["note"] == ('Walked to the shop, "not too bad" (one entry for the day; condition: okay; '
                              'times of pain: morning, evening; drug intakes: Ibuprofen 400 mg (morning 1, evening 1))')
    assert got[1]["note"] == ("Woke twice\nand again at 4 (one entry for the day; condition: bad; times of pain: "
                              "at night; drug intakes: Ibuprofen 400 mg (morning 1), Paracetamol 1 g (noon 1, night 1))")
    assert not any(e["derived"] for e in got)  # the app records 0-10 itself
    renamed = tmp_path / "diary.csv"
    renamed.write_bytes((EXAMPLES / "pain-diary-export.csv").read_bytes())
    assert "3 already stored" in import_ok(db, renamed)


@pytest.mark.parametrize("dates, want", [
    (["14/3/24", "2/4/24"], [date(2024, 3, 14), date(2024, 4, 2)]),       # day first (14 > 12)
    (["3/14/24", "4/2/24"], [date(2024, 3, 14), date(2024, 4, 2)]),       # month first
    (["14.3.24", "2.4.24"], [date(2024, 3, 14), date(2024, 4, 2)]),       # d.M.yy
    (["2024-03-14", "2024-04-02"], [date(2024, 3, 14), date(2024, 4, 2)]),  # yyyy-MM-dd
])
def test_date_order_found_from_the_whole_file(tmp_path, dates, want):
    f = tmp_path / "d.csv"
    # the telling date comes last: the first rows alone are ambiguous
    f.write_text(HEADER + "".join(f"{d},[],{i + 2},[],[],[],[],\n" for i, d in enumerate(reversed(dates))))
    db = tmp_path / "p.db"
    import_ok(db, f)
    assert _days(db) == sorted(zip(reversed(want), range(2, 2 + len(want))))


def test_ambiguous_dates_refused_until_the_order_is_given(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(HEADER + "5/3/24,[],4,[],[],[],[],\n6/3/24,[],5,[],[],[],[],\n")
    db = tmp_path / "p.db"
    r = run(db, "import", str(f))
    assert r.exit_code == 2 and "--date-order" in r.stderr and "Date" in r.stderr
    assert entries(db) == []
    import_ok(db, f, "--date-order", "dmy")
    assert _days(db) == [(date(2024, 3, 5), 4), (date(2024, 3, 6), 5)]
    db2 = tmp_path / "p2.db"
    import_ok(db2, f, "-O", "date_order=mdy")
    assert _days(db2) == [(date(2024, 5, 3), 4), (date(2024, 6, 3), 5)]


def test_mixed_orders_refused_naming_both_lines(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(HEADER + "14/3/24,[],4,[],[],[],[],\n3/15/24,[],5,[],[],[],[],\n")
    r = run(tmp_path / "p.db", "import", str(f))
    assert r.exit_code == 2 and "line 2" in r.stderr and "line 3" in r.stderr


def test_a_level_above_10_names_its_line(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text(HEADER + "14/3/24,[],4,[],[],[],[],\n15/3/24,[],12,[],[],[],[],\n")
    db = tmp_path / "p.db"
    r = run(db, "import", str(f))
    assert r.exit_code == 2 and "line 3" in r.stderr and "intensity" in r.stderr
    assert entries(db) == []
