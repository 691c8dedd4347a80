"""The Columns batch path of imports: it validates exactly as Rows do, and keeps file order."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta, timezone

import pytest

from painboard.errors import BadInput
from painboard.plugins import Columns, Importer, Row, load_registry

from .conftest import fake_plugin, make_pb

pytestmark = pytest.mark.usefixtures("imports_in_process")  # what it reads, not the child: see /conftest.py

Q = "SELECT * EXCLUDE (id, recorded_at) FROM pain_entry ORDER BY id"


def _rows_importer(source):
    """The CSV read one Row per line, as an outside plugin would."""
    with source.open_text() as fh:
        reader = csv.reader(fh)
        header = next(reader)
        for cells in reader:
            yield Row("pain_entry", dict(zip(header, cells)), reader.line_num)


def _columns_importer(source):
    """The same records as one Columns batch of plain lists."""
    with source.open_text() as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    yield Columns("pain_entry", {h: [r[i] for r in body] for i, h in enumerate(header)},
                  list(range(2, len(body) + 2)))


@pytest.fixture(scope="module")
def both_registry(tmp_path_factory):
    """The built-in importers and the two above, loaded once for the module (a registry is
    read, never changed, by an import)."""
    def register_importers(register):
        register(Importer(name="rows", label="Rows", sniff=lambda h, n: False, read=_rows_importer))
        register(Importer(name="cols", label="Columns", sniff=lambda h, n: False, read=_columns_importer))

    plugin = fake_plugin("both", register_importers=register_importers)
    return load_registry(tmp_path_factory.mktemp("no-plugins"), extra=[("both", plugin)])


@pytest.fixture
def pbs(tmp_path, built_once, both_registry):
    """Three new databases, one for each way in: copies of one new, empty file (made once)."""
    got = {}
    for how in ("rows", "cols", "csv"):
        built_once("new-empty", tmp_path / f"t-{how}.db", lambda path: make_pb(path.parent, path.name).counts())
        got[how] = make_pb(tmp_path, f"t-{how}.db")
        got[how].use_registry(both_registry)
    return got


def _outcome(pb, path, fmt):
    try:
        pb.import_file(path, fmt=fmt)
    except BadInput as exc:
        return ("error", exc.line, exc.field, exc.message, pb.counts()["pain_entry"])
    with pb.db.unit_of_work() as con:
        return ("ok", con.execute(Q).fetchall())


TRICKY = [
    # (column, value): each goes into line 3 of a small file
    ("occurred_at", "2026-11-02T08:00:00+01:00"),
    ("occurred_at", "2026-11-02 08:00:00Z"),
    ("occurred_at", "2026-11-02T08:00:00.123456-05:30"),
    ("occurred_at", "2026-11-02T08:00Z"),             # no seconds: pydantic decides
    ("occurred_at", "2026-11-02T08:00:00.1234567Z"),  # seven digits
    ("occurred_at", "2026-02-30T08:00:00Z"),          # no such day
    ("occurred_at", "2026-11-02T24:00:00Z"),
    ("occurred_at", "2026-11-02T08:00:00+25:00"),
    ("occurred_at", "2026-11-02T08:00:00"),           # no zone
    ("occurred_at", "1793000000"),                    # a number of seconds
    ("occurred_at", " 2026-11-02T08:00:00Z"),
    ("occurred_at", "2026-11-28T14:20:00Z"),          # in the future
    ("occurred_at", "2026-11-28T14:09:00Z"),          # inside the slack
    ("occurred_at", ""),
    ("recorded_at", "2026-11-02T08:00:00+01:00"),
    ("recorded_at", "yesterday"),
    ("intensity", "eleven"), ("intensity", " 7 "), ("intensity", "-1"), ("intensity", ""),
    ("sites", "Left Hip, lower  back,left hip"), ("sites", "a\x1eb"), ("sites", "x\x1fy, z"),
    ("note", "a note with \x1f inside"), ("note", "\x02"), ("note", "tab\x1dfield"), ("note", "  "),
    ("pattern", "On_Movement"), ("pattern", "sometimes"),
    ("duration_min", "12.6"), ("duration_min", "-5"), ("duration_min", "a while"),
    ("derived", "yes"), ("derived", "maybe"),
    ("key", "k\x1fkey"), ("key", ""), ("source", ""), ("source", "other app"),
]


@pytest.mark.parametrize("column,value", TRICKY)
def test_columns_and_rows_validate_alike(tmp_path, pbs, column, value):
    cols = ["key", "occurred_at", "recorded_at", "intensity", "sites", "note", "pattern",
            "duration_min", "derived", "source"]
    base = {"key": "k", "occurred_at": "2026-11-02T07:00:00Z", "recorded_at": "", "intensity": "3",
            "sites": "hip", "note": "", "pattern": "", "duration_min": "", "derived": "", "source": ""}
    lines = []
    for i in range(4):
        row = dict(base, key=f"k{i}")
        if i == 2:
            row[column] = value
        lines.append(row)
    path = tmp_path / "tricky.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        w.writerows(lines)
    got = {how: _outcome(pb, path, how) for how, pb in pbs.items()}
    assert got["cols"] == got["rows"], (column, value)
    assert got["csv"] == got["rows"], (column, value)
    if got["rows"][0] == "error":
        assert got["rows"][1] == 4 and got["rows"][4] == 0  # line 4 (header is line 1), nothing written


def test_ids_follow_the_file_and_the_first_of_a_repeated_key_wins(tmp_path):
    rng = random.Random(4)
    t0 = datetime(2020, 1, 1, tzinfo=timezone.utc)
    n = 7000  # several Columns batches and several DuckDB vectors
    keys = [f"k{i}" for i in range(n)]
    times = [t0 + timedelta(minutes=rng.randrange(10 ** 6)) for _ in range(n)]  # not in time order
    path = tmp_path / "order.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["key", "occurred_at", "intensity", "note"])
        for k, t in zip(keys, times):
            w.writerow([k, t.isoformat(), 3, ""])
        w.writerow(["k5", t0.isoformat(), 9, "a repeat: the first k5 wins"])
    pb = make_pb(tmp_path)
    r = pb.import_file(path)
    assert r.read["pain_entry"] == n + 1 and r.added["pain_entry"] == n
    with pb.db.unit_of_work() as con:
        stored = con.execute("SELECT key, intensity FROM pain_entry ORDER BY id").fetchall()
    assert [k for k, _ in stored] == keys
    assert all(v == 3 for _, v in stored)
    assert pb.import_file(path).added["pain_entry"] == 0


def test_rows_and_columns_mixed_keep_their_order(tmp_path):
    def read(source):
        yield Row("pain_entry", {"key": "a", "occurred_at": "2026-11-02T08:00:00Z", "intensity": 1}, 2)
        yield Columns("pain_entry", {"key": ["b", "c"], "occurred_at": ["2026-11-01T08:00:00Z"] * 2,
                                     "intensity": [2, "3"]}, [3, 4])
        yield Row("pain_entry", {"key": "d", "occurred_at": "2026-10-01T08:00:00Z", "intensity": 4}, 5)
        yield Columns("episode", {"onset": ["2026-11-02T09:00:00Z"], "peak": [8]}, [6])

    def register_importers(register):
        register(Importer(name="mixed", label="Mixed", sniff=lambda h, n: False, read=read))

    pb = make_pb(tmp_path, extra=[("mixed", fake_plugin("mixed", register_importers=register_importers))])
    f = tmp_path / "m.txt"
    f.write_text("x")
    r = pb.import_file(f, fmt="mixed")
    assert r.added == {"pain_entry": 4, "episode": 1, "daily_review": 0, "plan_item": 0, "plan_event": 0,
                       "symptom": 0}
    with pb.db.unit_of_work() as con:
        assert [k for (k,) in con.execute("SELECT key FROM pain_entry ORDER BY id").fetchall()] == list("abcd")


def test_a_bad_value_in_a_later_batch_names_its_line(tmp_path):
    path = tmp_path / "late.csv"
    lines = ["occurred_at,intensity"] + ["2026-11-02T08:00:00Z,3"] * 45_000
    lines[41_234] = "2026-11-02T08:00:00Z,12"
    path.write_text("\n".join(lines) + "\n")
    pb = make_pb(tmp_path)
    with pytest.raises(BadInput) as e:
        pb.import_file(path)
    assert (e.value.file, e.value.line, e.value.field) == (str(path), 41_235, "intensity")
    assert pb.counts()["pain_entry"] == 0
