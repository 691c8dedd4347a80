"""Backups of any schema, a checked copy kept before every upgrade and before demo --force,
and `painboard restore` (issue 17 items 6 and 13)."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone

import duckdb
import pytest

from painboard.store import migrations

from .conftest import ok, refused

pytestmark = pytest.mark.usefixtures("fixed_env")

KEY = "2026-11-20 08:00 old"


def make_old_database(path, version: int = 2, entries: int = 1) -> None:
    """A database as a painboard of schema ``version`` wrote it: its migrations only."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER NOT NULL, name VARCHAR NOT NULL, "
                "applied_at TIMESTAMPTZ NOT NULL)")
    for number, name, sql in migrations.MIGRATIONS[:version]:
        con.execute(sql)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [number, name])
    for i in range(entries):
        con.execute("INSERT INTO pain_entry (occurred_at, recorded_at, intensity, source, key) "
                    "VALUES (TIMESTAMPTZ '2026-11-20 08:00:00+00' + ?::INTEGER * INTERVAL 1 HOUR, "
                    "TIMESTAMPTZ '2026-11-20 08:00:00+00', 6, 'manual', ?)", [i, f"{KEY} {i}"])
    con.close()
    os.chmod(path, 0o600)


def schema_and_entries(path) -> tuple[int, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return (con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0],
                con.execute("SELECT count(*) FROM pain_entry").fetchone()[0])
    finally:
        con.close()


def names(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_older_schema_is_backed_up_as_it_is(cli_run, tmp_path):
    db = tmp_path / "old.db"
    make_old_database(db, version=2, entries=3)
    out = tmp_path / "copy.db"
    r = ok(cli_run("backup", str(out), db=db))
    assert "3 entries" in r.stdout and "checked" in r.stdout
    assert schema_and_entries(out) == (2, 3)
    assert schema_and_entries(db) == (2, 3)  # a backup does not upgrade
    assert out.stat().st_mode & 0o777 == 0o600
    assert names(tmp_path) == ["copy.db", "old.db", "old.db.lock"]  # no .partial, no .lock of the copy


def test_opening_an_older_schema_keeps_a_checked_copy_first(cli_run, tmp_path):
    db = tmp_path / "old.db"
    make_old_database(db, version=1, entries=2)
    r = ok(cli_run("entries", db=db))
    assert "2 entries" in r.stdout or r.stdout.count("6/10") == 2
    m = re.search(rf"schema 1 to {migrations.LATEST}; a checked copy of it as it was is kept at (\S+)", r.stderr)
    assert m, r.stderr
    kept = tmp_path / os.path.basename(m.group(1))
    assert str(kept) == m.group(1)
    day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    assert re.fullmatch(rf"old\.db\.before-upgrade\.schema1\.{day}T\d{{6}}Z\.backup", kept.name), kept.name
    assert kept.stat().st_mode & 0o777 == 0o600
    assert schema_and_entries(kept) == (1, 2)
    assert schema_and_entries(db) == (migrations.LATEST, 2)
    assert names(tmp_path) == sorted(["old.db", "old.db.lock", kept.name])
    # Opened again: already upgraded, no second copy.
    r = ok(cli_run("entries", db=db))
    assert "kept" not in r.stderr and len(names(tmp_path)) == 3


def test_demo_force_keeps_a_checked_copy_of_real_records(cli_run, db_path):
    ok(cli_run("log", "7", "--note", "real record"))
    r = ok(cli_run("demo", "--force", "--days", "14"))
    m = re.search(r"kept in a checked copy at (\S+)", r.stderr)
    assert m, r.stderr
    kept = db_path.with_name(os.path.basename(m.group(1)))
    assert kept.name.startswith(f"painboard.db.before-demo.schema{migrations.LATEST}.") and kept.name.endswith(".backup")
    assert kept.stat().st_mode & 0o777 == 0o600
    con = duckdb.connect(str(kept), read_only=True)
    assert con.execute("SELECT intensity, note FROM pain_entry").fetchall() == [(7, "real record")]
    con.close()
    assert "real record" not in ok(cli_run("entries")).stdout


def test_demo_on_an_empty_database_keeps_no_copy(cli_run, db_path):
    r = ok(cli_run("demo", "--days", "14"))
    assert "kept" not in r.stderr
    assert names(db_path.parent) == ["painboard.db", "painboard.db.lock"]


def _log(cli_run, *args):
    ok(cli_run("log", *args))


def test_restore_puts_the_backup_back_and_keeps_the_current_file(cli_run, db_path, tmp_path):
    _log(cli_run, "4", "--note", "first")
    _log(cli_run, "5", "--note", "second")
    backup = tmp_path / "b.db"
    ok(cli_run("backup", str(backup)))
    _log(cli_run, "9", "--note", "after the backup")
    r = ok(cli_run("restore", str(backup)))
    assert f"restored {backup} to {db_path} (2 entries, 0 episodes), checked" in r.stdout
    m = re.search(r"the file it replaced is kept at (\S+)", r.stdout)
    kept = db_path.with_name(os.path.basename(m.group(1)))
    out = ok(cli_run("entries", "--json")).stdout
    assert "first" in out and "second" in out and "after the backup" not in out
    con = duckdb.connect(str(kept), read_only=True)
    assert con.execute("SELECT count(*) FROM pain_entry").fetchone()[0] == 3
    con.close()
    assert not [n for n in names(db_path.parent) if "restoring" in n or n.endswith(".wal")]


def test_restore_takes_in_a_wal_left_beside_the_backup(cli_run, db_path, tmp_path):
    _log(cli_run, "4", "--note", "in the file")
    backup = tmp_path / "b.db"
    ok(cli_run("backup", str(backup)))
    con = duckdb.connect(str(backup))  # a session that ended without its checkpoint
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    con.execute("SET checkpoint_threshold = '1GB'")
    con.execute("UPDATE pain_entry SET note = 'only in the wal'")
    con.close()
    assert (tmp_path / "b.db.wal").stat().st_size > 0
    ok(cli_run("restore", str(backup)))
    assert "only in the wal" in ok(cli_run("entries", "--json")).stdout


@pytest.mark.parametrize("content", [b"not a database at all" * 100, None])
def test_restore_refuses_what_does_not_pass_its_check(cli_run, db_path, tmp_path, content):
    _log(cli_run, "4")
    before = db_path.read_bytes()
    files = names(db_path.parent)
    bad = tmp_path / "bad.db"
    if content is None:  # a DuckDB file of another application
        con = duckdb.connect(str(bad))
        con.execute("CREATE TABLE orders (id INTEGER)")
        con.close()
    else:
        bad.write_bytes(content)
    r = cli_run("restore", str(bad))
    refused(r, 1, str(bad), "the database was not replaced")
    assert db_path.read_bytes() == before
    assert names(db_path.parent) == files


def test_restore_is_refused_in_a_read_only_session(cli_run, db_path, tmp_path):
    _log(cli_run, "4")
    backup = tmp_path / "b.db"
    ok(cli_run("backup", str(backup)))
    _log(cli_run, "6")
    before = db_path.read_bytes()
    refused(cli_run("--read-only", "restore", str(backup)), 1, "read-only session")
    assert db_path.read_bytes() == before


@pytest.mark.system
@pytest.mark.slow
def test_sigterm_during_backup_leaves_no_partial_copy(cli_run, db_path, tmp_path, child_env):
    import subprocess
    import sys

    _log(cli_run, "4")
    con = duckdb.connect(str(db_path))  # enough rows that the copy and its check take a while
    con.execute("INSERT INTO pain_entry (occurred_at, recorded_at, intensity, source, key) "
                "SELECT TIMESTAMPTZ '2020-01-01 00:00:00+00' + i * INTERVAL 1 MINUTE, now(), i % 11, "
                "'bulk', 'k' || i FROM range(3000000) t(i)")
    con.close()
    out_dir = tmp_path / "backups"
    out_dir.mkdir()
    ok(cli_run("check"))  # the database's own queue file is made by any open
    before = names(db_path.parent)
    proc = subprocess.Popen([sys.executable, "-m", "painboard", "--db", str(db_path), "backup",
                             str(out_dir / "b.db")], env=child_env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    seen = []
    while proc.poll() is None and not seen:  # the state waited on: the partial copy exists
        seen = [n for n in os.listdir(out_dir) if ".partial" in n]
    assert seen, "the backup finished before its partial copy was seen"
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0, err
    assert "Traceback" not in err
    assert names(out_dir) == []
    assert names(db_path.parent) == before
