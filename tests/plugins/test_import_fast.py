"""The fast path of painboard CSV imports (DuckDB's reader, import_fast) stores exactly what the
Python path stores, and never refuses: every bad file gets the Python path's error (file, line,
field) and writes nothing. Real files, real DuckDB files, the real import child."""

from __future__ import annotations

import csv
import io
import sys
from datetime import datetime, timezone

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from painboard import import_fast
from painboard.errors import BadInput
from painboard.store import csv_stage

from .conftest import make_pb

Q = "SELECT * EXCLUDE (id) FROM pain_entry ORDER BY id"
HEADER = ["key", "occurred_at", "recorded_at", "intensity", "sites", "qualities", "pattern", "activity",
          "worse", "better", "duration_min", "note", "source", "derived", "original_level"]


@pytest.fixture
def spy(monkeypatch):
    """Which way each import went: True (fast path kept it) or False (the Python path read it)."""
    ways: list[bool] = []
    real = import_fast.stage

    def stage(*a, **k):
        got = real(*a, **k)
        ways.append(got is not None)
        return got

    monkeypatch.setattr(import_fast, "stage", stage)
    return ways


def _write(path, rows, header=HEADER, crlf=False, bom=False) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode())


def _import(tmp_path, path, fast: bool, monkeypatch, name: str):
    """One import through import_here (this process): rows stored, or the error and the count."""
    monkeypatch.setenv(import_fast.FAST_ENV, "1" if fast else "0")
    pb = make_pb(tmp_path, f"{name}-{int(fast)}.db")
    pb.db.init()
    try:
        pb.import_here(path, "csv")
    except BadInput as exc:
        return ("error", exc.message, exc.file, exc.line, exc.field, pb.counts()["pain_entry"])
    with pb.db.unit_of_work() as con:
        return ("ok", con.execute(Q).fetchall())


def _both(tmp_path, path, monkeypatch, name="f"):
    return _import(tmp_path, path, True, monkeypatch, name), _import(tmp_path, path, False, monkeypatch, name)


RICH = [
    ["k1", "2026-11-02T08:00:00+01:00", "2026-11-02T08:05:00+01:00", "7", "left hip, Lower Back", "aching",
     "constant", "walking, then stairs", "", "", "30", "woke at 3 \"bad\" night,\nsecond line", "phone", "false", ""],
    ["k2", "2026-11-02 09:00:00Z", "", " 4 ", "l hip", "ACHE, burn", "On_Movement", "'=SUM(A1)", "'+cold",
     "'-rest", "", "'@note that starts with a formula", "", "true", "moderate"],
    ["k3", "2026-11-02T10:00:00.123456-05:30", "2026-11-02T10:00:00.5Z", "0", "", "", "", "  padded  ", "",
     "", "12.6", "  note with spaces  ", "'=x", "", ""],
    ["k1", "2026-11-03T10:00:00+00:00", "", "3", "", "", "", "", "", "", "", "repeated key: the first wins", "",
     "", ""],
    ["k4", "2026-11-03T11:00:00+00:00", "", "10", "", "", "intermittent", "", "", "", "0",
     "comma \"quote\", and 'apostrophe'", "", "False", "severe"],
]


@pytest.mark.parametrize("crlf,bom", [(False, False), (True, False), (False, True), (True, True)])
def test_a_rich_file_takes_the_fast_path_and_stores_what_python_stores(tmp_path, monkeypatch, spy, crlf, bom):
    path = tmp_path / "rich.csv"
    _write(path, RICH, crlf=crlf, bom=bom)
    fast, slow = _both(tmp_path, path, monkeypatch)
    assert spy == [True]  # the fast path kept it (the second import was the Python path's)
    assert fast[0] == "ok" and fast == slow
    rows = fast[1]
    assert [r[-1] for r in rows] == ["k1", "k2", "k3", "k4"]  # the key; k1's repeat is dropped
    k2 = rows[1]
    assert k2[2:6] == (4, ["left hip"], ["aching", "burning"], "on movement")  # the model's words
    assert k2[6] == "=SUM(A1)" and k2[7] == ["+cold"] and k2[8] == ["-rest"]  # apostrophe taken off
    assert k2[10] == "@note that starts with a formula" and k2[11] == "import:rich.csv"
    assert rows[2][6] == "padded" and rows[2][9] == 13 and rows[2][10] == "note with spaces"
    assert rows[0][10] == 'woke at 3 "bad" night,\nsecond line'  # as written inside the quotes


def test_a_space_between_delimiter_and_quote_goes_the_python_way(tmp_path, monkeypatch, spy):
    """DuckDB trims a space before an opening quote, Python keeps it: not sure, so Python reads."""
    path = tmp_path / "space.csv"
    path.write_bytes(b'key,occurred_at,intensity,note\nk1,2026-11-02T08:00:00Z,5, "quoted"\n'
                     b'k2,2026-11-02T09:00:00Z,5,"said, ""no"""\n')
    fast, slow = _both(tmp_path, path, monkeypatch)
    assert spy == [False] and fast == slow
    assert [r[10] for r in fast[1]] == ['"quoted"', 'said, "no"']  # Python's reading (stripped by the model)


def test_a_file_of_the_header_only_and_one_without_some_columns(tmp_path, monkeypatch, spy):
    path = tmp_path / "few.csv"
    _write(path, [["2026-11-02T08:00:00+01:00", "5", "k9"]], header=["occurred_at", "intensity", "key"])
    fast, slow = _both(tmp_path, path, monkeypatch)
    assert spy == [True] and fast == slow
    assert fast[1][0][2:] == (5, [], [], None, None, [], [], None, None, "import:few.csv", False, None, "k9")


def test_python_strip_spaces_are_the_fast_paths_spaces():
    """A note the fast path keeps as it is must be one Python's strip() leaves alone."""
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    near = [chr(c) for c in range(0x3100) if not chr(c).isspace() and chr(c) not in "'"
            and not (c < 0x20 or 0x7f <= c <= 0x9f)]
    con = duckdb.connect()
    got = con.execute(f"SELECT list_transform($1::VARCHAR[], lambda c: {csv_stage.plain_text('c', 10)})",
                      [[s + "x" for s in spaces] + [c + "x" + c for c in near]]).fetchone()[0]
    assert got == [False] * len(spaces) + [True] * len(near)


BAD = {
    "nul": b"key,occurred_at,intensity\nk1,2026-11-02T08:00:00Z,5\nk2,2026-11-02T09:00:00Z,\x005\n",
    "cut quote": b'key,occurred_at,intensity,note\nk1,2026-11-02T08:00:00Z,5,"never closed\n',
    "short row": b"key,occurred_at,intensity\nk1,2026-11-02T08:00:00Z,5\nk2,2026-11-02T09:00:00Z\n",
    "trailing comma": b"key,occurred_at,intensity\nk1,2026-11-02T08:00:00Z,5\nk2,2026-11-02T09:00:00Z,5,\n",
    "space after quote": b'key,occurred_at,intensity\nk1,2026-11-02T08:00:00Z,5\n"k2" ,2026-11-02T09:00:00Z,5\n',
    "bad utf-8": b"key,occurred_at,intensity,note\nk1,2026-11-02T08:00:00Z,5,caf\xe9\n",
    "surrogate": b"key,occurred_at,intensity,note\nk1,2026-11-02T08:00:00Z,5,x\xed\xa0\x80\n",
    "intensity 11": b"key,occurred_at,intensity\nk1,2026-11-02T08:00:00Z,5\nk2,2026-11-02T09:00:00Z,11\n",
    "future": b"key,occurred_at,intensity\nk1,2026-11-02T08:00:00Z,5\nk2,2027-11-02T09:00:00Z,3\n",
    "no offset": b"key,occurred_at,intensity\nk1,2026-11-02T08:00:00Z,5\nk2,2026-11-02T09:00:00,3\n",
    "30 February": b"key,occurred_at,intensity\nk1,2026-02-30T08:00:00Z,5\n",
    "before 1900": b"key,occurred_at,intensity\nk1,1899-12-31T23:00:00Z,5\n",
    "empty time": b"key,occurred_at,intensity\nk1,,5\n",
    "bad pattern": b"key,occurred_at,intensity,pattern\nk1,2026-11-02T08:00:00Z,5,sometimes\n",
    "long note": b"key,occurred_at,intensity,note\nk1,2026-11-02T08:00:00Z,5," + b"n" * 10_001 + b"\n",
    "long key": b"key,occurred_at,intensity\n" + b"k" * (130 * 1024) + b",2026-11-02T08:00:00Z,5\n",
    "unknown column": b"key,occurred_at,intensity,mood\nk1,2026-11-02T08:00:00Z,5,ok\n",
    "repeated column": b"key,occurred_at,intensity,key\nk1,2026-11-02T08:00:00Z,5,k2\n",
    "no intensity": b"key,occurred_at\nk1,2026-11-02T08:00:00Z\n",
    "bad duration": b"key,occurred_at,intensity,duration_min\nk1,2026-11-02T08:00:00Z,5,-3\n",
    "bad derived": b"key,occurred_at,intensity,derived\nk1,2026-11-02T08:00:00Z,5,maybe\n",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_gets_the_python_paths_error_and_writes_nothing(tmp_path, monkeypatch, name):
    """Through the real import child, fast path on and off: the same error, nothing written."""
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD[name])
    got = {}
    for fast in (True, False):
        monkeypatch.setenv(import_fast.FAST_ENV, "1" if fast else "0")
        pb = make_pb(tmp_path, f"bad-{int(fast)}.db")
        pb.db.init()
        with pytest.raises(BadInput) as exc:
            pb.import_file(path, fmt="csv")
        got[fast] = (exc.value.message, exc.value.file, exc.value.line, exc.value.field)
        assert pb.counts()["pain_entry"] == 0
    assert got[True] == got[False]
    assert got[True][1] == str(path) and got[True][2] is not None


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_TIMES = st.builds(
    lambda d, h, m, s, frac, off, sep: f"2026-{d[0]:02d}-{d[1]:02d}{sep}{h:02d}:{m:02d}:{s:02d}{frac}{off}",
    st.tuples(st.integers(1, 10), st.integers(1, 28)), st.integers(0, 23), st.integers(0, 59),
    st.integers(0, 59), st.sampled_from(["", ".5", ".123456"]), st.sampled_from(["Z", "+01:00", "-05:30", "+00:00"]),
    st.sampled_from(["T", " "]))
_ROW = st.fixed_dictionaries({
    "key": st.one_of(st.text(min_size=1, max_size=6).filter(lambda k: k.strip()), st.sampled_from(["a", "b"])),
    "occurred_at": _TIMES, "recorded_at": st.one_of(st.just(""), _TIMES),
    "intensity": st.sampled_from(["0", "5", "10", " 3", "7 "]),
    "sites": st.sampled_from(["", "left hip", "L Hip, ribs", "'=x", "ribs,  spine ,"]),
    "pattern": st.sampled_from(["", "constant", "Intermittent", "on_movement"]),
    "note": st.one_of(_TEXT, st.sampled_from(["'=1+1", "a, b", 'say "hi"', "x\ny", " pad ", "'plain"])),
    "source": st.sampled_from(["", "phone", "'+x"]),
    "derived": st.sampled_from(["", "true", "false", "1"]),
    "duration_min": st.sampled_from(["", "0", "15", "2.5"]),
})


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ROW, min_size=1, max_size=8), crlf=st.booleans(), bom=st.booleans())
def test_generated_files_store_the_same_rows_or_the_same_error(tmp_path_factory, monkeypatch, rows, crlf, bom):
    tmp = tmp_path_factory.mktemp("gen")
    names = list(rows[0])
    path = tmp / "gen.csv"
    _write(path, [[r[n] for n in names] for r in rows], header=names, crlf=crlf, bom=bom)
    fast, slow = _both(tmp, path, monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("cap,size", [(2, 1 << 20), (100, 10)])
def test_a_column_of_too_many_distinct_texts_goes_the_python_way(tmp_path, monkeypatch, spy, cap, size):
    """More distinct texts (or text) than the fast path holds in Python: the Python path reads."""
    monkeypatch.setattr(import_fast, "DISTINCT_CAP", cap)
    monkeypatch.setattr(import_fast, "DISTINCT_BYTES", size)
    path = tmp_path / "many.csv"
    _write(path, [[f"k{i}", "2026-11-02T08:00:00Z", "3", s] for i, s in enumerate(["ribs", "skull", "spine, ribs"])],
           header=["key", "occurred_at", "intensity", "sites"])
    fast, slow = _both(tmp_path, path, monkeypatch)
    assert spy == [False] and fast == slow
    assert [r[3] for r in fast[1]] == [["ribs"], ["skull"], ["spine", "ribs"]]


@pytest.mark.parametrize("inline", [0, csv_stage.INLINE])
def test_texts_mapped_in_the_query_or_joined_store_the_same(tmp_path, monkeypatch, spy, inline):
    """100 distinct sites, 40 notes the model strips: joined past INLINE texts, else a CASE."""
    monkeypatch.setattr(csv_stage, "INLINE", inline)
    path = tmp_path / "maps.csv"
    rows = [[f"k{i}", "2026-11-02T08:00:00Z", str(i % 11), f"Site {i}, ribs", f" note {i % 40} ", "'=1"]
            for i in range(100)] + RICH_MORE
    _write(path, rows, header=["key", "occurred_at", "intensity", "sites", "note", "activity"])
    fast, slow = _both(tmp_path, path, monkeypatch)
    assert spy == [True] and fast[0] == "ok" and fast == slow
    assert fast[1][7][2:4] == (7, ["site 7", "ribs"])
    assert fast[1][7][6] == "=1" and fast[1][7][10] == "note 7" and fast[1][-1][10] == "plain"


RICH_MORE = [["m1", "2026-11-02T09:00:00Z", "2", "", "plain", ""]]


@pytest.mark.slow
def test_through_the_child_a_big_file_keeps_file_order_and_skips_stored_keys(tmp_path, monkeypatch):
    """250,000 rows (several of DuckDB's row groups) through the real import child: new ids
    follow the file, a stored key is skipped, the first of a repeated key kept; again: nothing."""
    monkeypatch.setenv(import_fast.FAST_ENV, "1")
    path = tmp_path / "big.csv"
    n = 250_000
    with open(path, "w") as fh:
        fh.write("key,occurred_at,intensity,note\n")
        for i in range(n):
            fh.write(f"r{i},2026-11-0{1 + i % 9}T08:{i % 60:02d}:00+01:00,{i % 11},n{i % 7}\n")
        fh.write("r5,2026-11-01T09:00:00Z,1,repeat\n")
    pb = make_pb(tmp_path, "big.db")
    pb.db.init()
    pb.log_pain(occurred_at=datetime(2026, 11, 1, 7, tzinfo=timezone.utc), intensity=2, key="r3")
    r = pb.import_file(path, fmt="csv")
    assert r.read["pain_entry"] == n + 1 and r.added["pain_entry"] == n - 1
    with pb.db.unit_of_work() as con:
        got = con.execute("SELECT key, intensity, note FROM pain_entry ORDER BY id").fetchall()
    assert got[0] == ("r3", 2, None)
    assert [k for k, _, _ in got[1:]] == [f"r{i}" for i in range(n) if i != 3]
    assert got[5] == ("r5", 5, "n5")  # the file's first r5, not its repeat
    assert pb.import_file(path, fmt="csv").added["pain_entry"] == 0
