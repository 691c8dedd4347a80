"""The DuckDB store: migrations, file permissions, read-only mode, remote paths, lock retry."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from datetime import date, timedelta

import duckdb
import pytest

from painboard import models
from painboard.config import Settings
from painboard.errors import BadInput, DatabaseBusy, ReadOnly, SchemaTooNew, StoreError
from painboard.models import DailyReview, PainEntry
from painboard.store import Database, migrations
from painboard.store import repository as repo
from painboard.store.connection import is_remote, translate

from .conftest import hold

pytestmark = pytest.mark.usefixtures("fixed_env")

TABLES = {"meta", "schema_migrations", "pain_entry", "episode", "daily_review", "plan_item", "plan_event"}


def raw(path, read_only=False):
    return duckdb.connect(str(path), read_only=read_only)


def snapshot(path):
    st = path.stat()
    wal = path.with_name(path.name + ".wal")
    return path.read_bytes(), st.st_mtime_ns, st.st_size, wal.exists()


def entry(intensity=3, **kw):
    return PainEntry.build(occurred_at=models.utcnow() - timedelta(minutes=30), intensity=intensity, **kw)


# -- migrations ----------------------------------------------------------------------------
def test_fresh_database_gets_the_whole_schema(db_path):
    Database(db_path).init()
    con = raw(db_path, read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert TABLES <= tables
        rows = con.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
        assert [r[0] for r in rows] == [m[0] for m in migrations.MIGRATIONS]
        assert rows[-1][0] == migrations.LATEST
        assert con.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone() == ("0",)
    finally:
        con.close()


def test_migrations_rerun_is_a_no_op(db_path):
    db = Database(db_path)
    db.init()
    Database(db_path).init()  # a second session on the same file
    con = raw(db_path)
    try:
        assert migrations.migrate(con, db_path) == 0
        assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(migrations.MIGRATIONS)
        assert con.execute("SELECT count(*) FROM meta WHERE key = 'revision'").fetchone()[0] == 1
    finally:
        con.close()
    assert db.revision() == 0


def test_newer_schema_is_refused_and_the_file_left_untouched(db_path):
    Database(db_path).init()
    con = raw(db_path)
    con.execute("INSERT INTO schema_migrations VALUES (?, 'from the future', now())", [migrations.LATEST + 5])
    con.execute("CHECKPOINT")
    con.close()
    an_hour_ago = time.time() - 3600  # so a touched file shows a new mtime, without waiting for the clock
    os.utime(db_path, (an_hour_ago, an_hour_ago))
    before = snapshot(db_path)
    for read_only in (False, True):
        with pytest.raises(SchemaTooNew) as info:
            Database(db_path, read_only=read_only).init()
        msg = str(info.value)
        assert f"schema {migrations.LATEST + 5}" in msg and "untouched" in msg
    with pytest.raises(SchemaTooNew):
        with Database(db_path).unit_of_work(write=True) as c:
            c.execute("DELETE FROM pain_entry")
    assert snapshot(db_path) == before


def test_a_failing_migration_leaves_nothing_behind(db_path, monkeypatch):
    Database(db_path).init()
    bad = (migrations.LATEST + 1, "broken", "CREATE TABLE half_done (x INT); SELECT * FROM no_such_table;")
    monkeypatch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS + [bad])
    with pytest.raises(StoreError):
        Database(db_path).init()
    monkeypatch.undo()
    con = raw(db_path, read_only=True)
    try:
        names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert "half_done" not in names
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == migrations.LATEST
    finally:
        con.close()


# -- files and permissions --------------------------------------------------------------------
def test_file_0600_and_folders_0700(tmp_path):
    path = tmp_path / "new" / "deeper" / "painboard.db"
    db = Database(path)
    with db.unit_of_work(write=True) as con:
        repo.insert_one(con, "pain_entry", entry())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        assert stat.S_IMODE(wal.stat().st_mode) == 0o600
    # an existing folder the user chose is left as it is
    assert stat.S_IMODE(tmp_path.stat().st_mode) != 0 and tmp_path.exists()


def test_umask_is_restored(tmp_path):
    before = os.umask(0o022)
    os.umask(before)
    Database(tmp_path / "a" / "b.db").init()
    now = os.umask(before)
    os.umask(now)
    assert now == before


def test_extension_autoinstall_is_off(db_path):
    db = Database(db_path)
    with db.unit_of_work() as con:
        settings = dict(con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN "
            "('autoinstall_known_extensions', 'autoload_known_extensions')").fetchall())
    assert settings == {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}


# -- read-only ---------------------------------------------------------------------------------
def test_read_only_refuses_writes_even_raw_sql_and_still_reads(db_path):
    db = Database(db_path)
    with db.unit_of_work(write=True) as con:
        repo.insert_one(con, "pain_entry", entry(6))
    ro = Database(db_path, read_only=True)
    with pytest.raises(ReadOnly):
        with ro.unit_of_work(write=True):
            pass
    # Past the app's own check: DuckDB itself refuses a write on a READ_ONLY connection.
    with pytest.raises(ReadOnly):
        with ro.unit_of_work() as con:
            con.execute("INSERT INTO meta VALUES ('sneaky', 'x')")
    with pytest.raises(ReadOnly):
        with ro.unit_of_work() as con:
            con.execute("UPDATE pain_entry SET intensity = 0")
    with ro.unit_of_work() as con:
        rows = repo.entries(con)
        assert con.execute("SELECT count(*) FROM meta WHERE key = 'sneaky'").fetchone()[0] == 0
    assert [r["intensity"] for r in rows] == [6]
    assert ro.revision() == 1


def test_read_only_on_a_missing_file_creates_nothing(tmp_path):
    path = tmp_path / "nothing-here" / "x.db"
    with pytest.raises(StoreError, match="no database"):
        Database(path, read_only=True).init()
    assert not path.parent.exists()


def test_translate_does_not_call_every_read_only_word_a_write():
    err = duckdb.IOException('IO Error: Cannot open database "/x.db" in read-only mode: database does not exist')
    out = translate(err)
    assert not isinstance(out, ReadOnly) and isinstance(out, StoreError)
    assert "does not exist" in str(out)
    err = duckdb.InvalidInputException('Invalid Input Error: Cannot execute statement of type "INSERT" '
                                       'on database "x" which is attached in read-only mode!')
    assert isinstance(translate(err), ReadOnly)
    assert isinstance(translate(duckdb.ConstraintException("Constraint Error: CHECK failed\nmore")), BadInput)
    assert "disk is full" in str(translate(duckdb.IOException("IO Error: No space left on device")))


# -- remote locations --------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["s3://bucket/painboard.db", "https://example.com/p.db",
                                   "http://example.com/p.db", "md:painboard", "gcs://b/p.db",
                                   "hf://datasets/x/p.db", "file:///tmp/p.db"])
def test_remote_paths_refused(where, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for make in (lambda: Database(where), lambda: Settings.load(db=where)):
        with pytest.raises(BadInput) as info:
            make()
        assert info.value.field == "db" and "remote" in info.value.message
    monkeypatch.setenv("PAINBOARD_DB", where)
    with pytest.raises(BadInput):
        Settings.load()
    assert list(tmp_path.iterdir()) == []  # no local folder named "https:" made by accident


@pytest.mark.parametrize("where", ["painboard.db", "./data/p.db", "/tmp/x/p.db", "C:/Users/x/p.db", "~/p.db"])
def test_local_paths_are_not_remote(where):
    assert not is_remote(where)


# -- units of work ------------------------------------------------------------------------------
def test_a_failed_unit_of_work_writes_nothing(db_path):
    db = Database(db_path)
    db.init()
    with pytest.raises(RuntimeError):
        with db.unit_of_work(write=True) as con:
            repo.insert_one(con, "pain_entry", entry())
            raise RuntimeError("boom")
    with pytest.raises(BadInput):  # the CHECK constraint, translated
        with db.unit_of_work(write=True) as con:
            repo.insert_one(con, "pain_entry", entry())
            con.execute("INSERT INTO pain_entry (occurred_at, recorded_at, intensity, source, key) "
                        "VALUES (now(), now(), 42, 'x', 'k')")
    with db.unit_of_work() as con:
        assert repo.count(con, "pain_entry") == 0
    assert db.revision() == 0


def test_each_write_bumps_the_revision_once(db_path):
    db = Database(db_path)
    for i in range(3):
        with db.unit_of_work(write=True) as con:
            repo.insert_one(con, "pain_entry", entry(i))
    with db.unit_of_work() as con:
        repo.count(con, "pain_entry")
    assert db.revision() == 3
    stamp = db.file_stamp()
    with db.unit_of_work(write=True) as con:
        repo.insert_one(con, "pain_entry", entry())
    assert db.file_stamp() != stamp


def test_append_dedupes_on_key(db_path):
    db = Database(db_path)
    batch = [entry(i, source="import", key=f"k{i % 3}") for i in range(6)]  # 3 distinct keys
    with db.unit_of_work(write=True) as con:
        assert repo.append(con, "pain_entry", batch) == 3
    with db.unit_of_work(write=True) as con:
        assert repo.append(con, "pain_entry", batch) == 0
        assert repo.append(con, "pain_entry", [entry(9, key="new")]) == 1
    with db.unit_of_work() as con:
        rows = repo.entries(con)
    assert sorted(r["key"] for r in rows) == ["k0", "k1", "k2", "new"]
    assert {r["source"] for r in rows} == {"import", "manual"}


def test_review_round_trip_and_replace(db_path):
    db = Database(db_path)
    d = date(2026, 11, 27)
    with db.unit_of_work(write=True) as con:
        repo.save_review(con, DailyReview.build(day=d, worst=7))  # no interference at all
        repo.save_review(con, DailyReview.build(day=d, worst=6, least=2,
                                                interference={"sleep": 8, "mood": None}))
    with db.unit_of_work() as con:
        rows = repo.reviews(con)
    assert len(rows) == 1
    assert (rows[0]["worst"], rows[0]["least"], rows[0]["interference"]) == (6, 2, {"sleep": 8})


# -- lock conflicts -------------------------------------------------------------------------
@pytest.mark.system
def test_a_write_waits_out_a_held_lock(db_path):
    db = Database(db_path)
    db.init()
    holder = hold(db_path, 1.0)
    try:
        t0 = time.monotonic()
        with db.unit_of_work(write=True) as con:
            repo.insert_one(con, "pain_entry", entry(5))
        waited = time.monotonic() - t0
    finally:
        holder.wait(10)
    assert waited > 0.5  # it really was blocked, and then it landed
    with db.unit_of_work() as con:
        assert [r["intensity"] for r in repo.entries(con)] == [5]


@pytest.mark.system
def test_busy_after_retry_names_the_pid(db_path):
    Database(db_path).init()
    holder = hold(db_path, 1.2)
    try:
        db = Database(db_path, retry_seconds=0.2)
        t0 = time.monotonic()
        with pytest.raises(DatabaseBusy) as info:
            with db.unit_of_work(write=True) as con:
                repo.insert_one(con, "pain_entry", entry())
        elapsed = time.monotonic() - t0
        assert info.value.pid == holder.pid
        assert f"PID {holder.pid}" in str(info.value) and "busy" in str(info.value)
        assert 0.15 < elapsed < 1.5
        with pytest.raises(DatabaseBusy):
            Database(db_path).revision(retry=False)
    finally:
        holder.wait(10)
    with Database(db_path).unit_of_work() as con:
        assert repo.count(con, "pain_entry") == 0
