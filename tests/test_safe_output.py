"""The safe-output rule (issue: export overwrote any file, the database included, even read-only).

Every reproduction runs through the real CLI as a person types it, on a real database file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.system  # each test runs the CLI as separate processes


def run(*args: str, db: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PAINBOARD_TZ="UTC", PAINBOARD_LOAD_PLUGINS="")
    return subprocess.run([sys.executable, "-m", "painboard", "--db", str(db), *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def revision_and_check(db: Path) -> tuple[int, bool]:
    r = run("check", "--json", db=db)
    data = json.loads(r.stdout)
    return data["revision"], data["ok"]


@pytest.fixture
def db(tmp_path) -> Path:
    p = tmp_path / "e.db"
    assert run("log", "5", "--note", "before", db=p).returncode == 0
    assert run("log", "6", db=p).returncode == 0
    return p


@pytest.mark.parametrize("read_only", [True, False])
def test_export_never_writes_over_the_database(db, read_only):
    before = db.read_bytes()
    rev = revision_and_check(db)
    flags = ["--read-only"] if read_only else []
    for target in (db, Path(str(db) + ".wal"), Path(str(db) + ".lock")):
        r = subprocess.run([sys.executable, "-m", "painboard", *flags, "--db", str(db), "export", "json",
                            "-o", str(target), "--force"], capture_output=True, text=True,
                           env=dict(os.environ, PAINBOARD_LOAD_PLUGINS=""))
        assert r.returncode == 1, r.stderr
        assert "Traceback" not in r.stderr and "painboard:" in r.stderr
        assert ("read-only" in r.stderr) if read_only else ("belongs to the database" in r.stderr)
    assert db.read_bytes() == before
    assert revision_and_check(db) == rev == (rev[0], True)


def test_export_through_a_symlink_or_over_a_backup_is_refused(db, tmp_path):
    link = tmp_path / "innocent.json"
    link.symlink_to(db)
    r = run("export", "json", "-o", str(link), "--force", db=db)
    assert r.returncode == 1 and "belongs to the database" in r.stderr
    backup = tmp_path / "b.db"
    assert run("backup", str(backup), db=db).returncode == 0
    saved = backup.read_bytes()
    r = run("export", "csv", "-o", str(backup), "--force", db=db)
    assert r.returncode == 1 and "is a DuckDB database" in r.stderr
    assert backup.read_bytes() == saved and link.is_symlink()


def test_a_read_only_session_writes_no_file_but_standard_output_works(db, tmp_path):
    victim = tmp_path / "authorized_keys"
    victim.write_text("ssh-ed25519 AAAA patient\n")
    r = run("--read-only", "export", "json", "-o", str(victim), db=db)
    assert r.returncode == 1 and "read-only session" in r.stderr and "-o -" in r.stderr
    assert victim.read_text() == "ssh-ed25519 AAAA patient\n"
    r = run("--read-only", "export", "json", db=db, cwd=tmp_path)  # the default file name
    assert r.returncode == 1 and sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["authorized_keys", "e.db", "e.db.lock"] + [p.name for p in tmp_path.glob("e.db.wal")])
    r = run("--read-only", "export", "csv", "-o", "-", db=db)
    assert r.returncode == 0 and r.stdout.count("\n") == 3  # header and two entries
    r = run("--read-only", "backup", str(tmp_path / "b.db"), db=db)
    assert r.returncode == 1 and "read-only" in r.stderr and not (tmp_path / "b.db").exists()


def test_an_existing_file_needs_force_and_a_device_is_never_replaced(db, tmp_path):
    old = tmp_path / "old.csv"
    old.write_text("mine")
    os.chmod(old, 0o444)
    r = run("export", "csv", "-o", str(old), db=db)
    assert r.returncode == 1 and "already exists; add --force" in r.stderr and old.read_text() == "mine"
    r = run("export", "csv", "-o", str(old), "--force", db=db)
    assert r.returncode == 0 and old.read_text().startswith("key,")
    assert old.stat().st_mode & 0o777 == 0o600
    for dev in ("/dev/null", "/dev/stdout"):
        r = run("export", "csv", "-o", dev, "--force", db=db)
        assert r.returncode == 1 and "not a regular file" in r.stderr, (dev, r.stderr)
    assert Path("/dev/null").is_char_device()
    r = run("export", "csv", "-o", "", db=db, cwd=tmp_path)
    assert r.returncode == 2 and "give a file name" in r.stderr
    assert not list(tmp_path.glob("painboard-*"))
