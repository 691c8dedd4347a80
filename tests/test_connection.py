"""One DuckDB instance per process, each file attached for a unit of work and detached after."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta

import duckdb
import pytest

from painboard import models
from painboard.errors import ReadOnly
from painboard.models import PainEntry
from painboard.store import Database
from painboard.store import connection
from painboard.store import repository as repo

pytestmark = pytest.mark.usefixtures("fixed_env")


def entry(intensity: int, note: str) -> PainEntry:
    return PainEntry.build(occurred_at=models.utcnow() - timedelta(minutes=30), intensity=intensity, note=note)


def attached_files() -> set[str]:
    cur = connection._cursor()
    try:
        return {r[0] for r in cur.execute("SELECT path FROM duckdb_databases() WHERE path IS NOT NULL").fetchall()}
    finally:
        cur.close()


def test_the_file_is_attached_only_during_a_unit_of_work(db_path):
    db = Database(db_path)
    db.init()
    assert str(db_path) not in attached_files()
    with db.unit_of_work(write=True) as con:
        assert str(db_path) in attached_files()
        assert con.execute("SELECT current_database()").fetchone()[0] == db.alias
        repo.append(con, "pain_entry", [entry(4, "inside")])
    assert str(db_path) not in attached_files()
    # Detached means checkpointed and unlocked: another process reads the row at once.
    out = subprocess.run([sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
                          "print(c.execute('SELECT note FROM pain_entry').fetchall())", str(db_path)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[('inside',)]"
    assert not db_path.with_name(db_path.name + ".wal").exists()


def test_a_later_unit_sees_another_process_s_write(db_path):
    db = Database(db_path)
    db.init()
    with db.unit_of_work() as con:
        assert repo.count(con, "pain_entry") == 0
    con = duckdb.connect(str(db_path))
    con.execute("INSERT INTO pain_entry (occurred_at, recorded_at, intensity, source, key) "
                "VALUES (now(), now(), 6, 'other', 'k-other')")
    con.close()
    with db.unit_of_work() as con:
        assert [r["intensity"] for r in repo.entries(con)] == [6]


def test_two_files_in_one_process_keep_their_own_schema_and_rows(tmp_path):
    a, b = Database(tmp_path / "a.db"), Database(tmp_path / "b.db")
    a.init()
    with a.unit_of_work(write=True) as con_a:
        repo.append(con_a, "pain_entry", [entry(2, "in a")])
        # b is created (and migrated) while a is attached: its schema check must not see a's tables
        with b.unit_of_work(write=True) as con_b:
            repo.append(con_b, "pain_entry", [entry(8, "in b")])
            assert [r["note"] for r in repo.entries(con_b)] == ["in b"]
        assert [r["note"] for r in repo.entries(con_a)] == ["in a"]
    for db, note in ((a, "in a"), (b, "in b")):
        with db.unit_of_work() as con:
            assert [r["note"] for r in repo.entries(con)] == [note]
            assert repo.revision(con) == 1  # one write each (init writes nothing)


def test_threads_writing_one_file_and_another_lose_nothing(tmp_path):
    paths = [tmp_path / "one.db", tmp_path / "two.db"]
    for p in paths:
        Database(p).init()
    n, errors = 15, []

    def writer(path, tag):
        db = Database(path)  # a Database of its own, as each dashboard worker's services have
        try:
            for i in range(n):
                with db.unit_of_work(write=True) as con:
                    repo.append(con, "pain_entry", [entry(i % 11, f"{tag}-{i}")])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(p, f"{p.stem}-{t}")) for p in paths for t in "xy"]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    for p in paths:
        with Database(p).unit_of_work() as con:
            notes = sorted(r["note"] for r in repo.entries(con))
            assert notes == sorted(f"{p.stem}-{t}-{i}" for t in "xy" for i in range(n))
            assert repo.revision(con) == 2 * n  # each write bumped its own file's revision


def test_a_file_name_with_a_quote_is_attached_as_itself(tmp_path):
    path = tmp_path / "pat's pain.db"
    db = Database(path)
    with db.unit_of_work(write=True) as con:
        repo.append(con, "pain_entry", [entry(5, "quoted")])
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT note FROM pain_entry").fetchall() == [("quoted",)]
    con.close()


def test_a_read_only_session_attaches_read_only(db_path):
    Database(db_path).init()
    ro = Database(db_path, read_only=True)
    with ro.unit_of_work() as con:
        mode = con.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = ?",
                           [ro.alias]).fetchone()[0]
        assert mode is True
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM pain_entry")
    with pytest.raises(ReadOnly):
        with ro.unit_of_work(write=True):
            pass


def test_a_query_too_big_for_memory_spills_into_a_private_folder(db_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = Database(db_path)
    db.init()
    with db.unit_of_work() as con:
        folder = con.execute("SELECT current_setting('temp_directory')").fetchone()[0]
    assert folder != ".tmp" and not folder.startswith(str(tmp_path))
    assert (os.stat(folder).st_mode & 0o777) == 0o700
