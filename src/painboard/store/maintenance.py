"""Backup and integrity check of a database file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import duckdb

from painboard.errors import BadInput, PainboardError
from painboard.safe_output import check_target, database_files
from painboard.kinds import RECORD_KINDS
from painboard.store import migrations
from painboard.store.connection import Database, translate

TABLES = RECORD_KINDS

# (problem, SQL counting the rows that have it)
INVARIANTS = [
    ("plan events whose plan item is missing",
     "SELECT count(*) FROM plan_event e WHERE NOT EXISTS (SELECT 1 FROM plan_item i WHERE i.id = e.item_id)"),
    ("episodes linked to a missing rescue dose",
     "SELECT count(*) FROM episode p WHERE rescue_event_id IS NOT NULL AND NOT EXISTS "
     "(SELECT 1 FROM plan_event e WHERE e.id = p.rescue_event_id)"),
    ("pain entries sharing a key", "SELECT count(*) - count(DISTINCT key) FROM pain_entry"),
    ("episodes sharing a key", "SELECT count(*) - count(DISTINCT key) FROM episode"),
    ("plan events sharing a key", "SELECT count(*) - count(DISTINCT key) FROM plan_event"),
    ("days with more than one review", "SELECT count(*) - count(DISTINCT day) FROM daily_review"),
    ("pain entries outside 0-10", "SELECT count(*) FROM pain_entry WHERE intensity NOT BETWEEN 0 AND 10"),
    ("episodes ending before they start", "SELECT count(*) FROM episode WHERE end_at < onset"),
    ("plan items with an unknown kind",
     "SELECT count(*) FROM plan_item WHERE kind NOT IN ('scheduled', 'as_needed', 'once', 'course')"),
    ("plan events with an unknown status",
     "SELECT count(*) FROM plan_event WHERE status NOT IN ('taken', 'skipped', 'done', 'missed')"),
    ("a missing revision counter", "SELECT 1 - count(*) FROM meta WHERE key = 'revision'"),
]


def backup(db: Database, dest: str | Path) -> dict[str, Any]:
    """A consistent copy: the file lock is held while the bytes are copied, so no writer can
    be half-way through; the copy is then checked. Written 0600, renamed into place only whole."""
    # The safe-output rule: never from a read-only session, never over the database or an
    # existing file (a backup is never replaced: a new one gets a new name).
    dest = check_target(dest, protected=database_files(db.path), read_only=db.read_only, field="file")
    if dest is None:
        raise BadInput("a backup is a file; give its name", field="file")
    tmp = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    with db.session() as con:
        try:
            if not db.read_only:
                con.execute(f"CHECKPOINT {db.alias}")  # fold the WAL into the file so one file is the whole story
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as out, open(db.path, "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
                    out.flush()
                    os.fsync(out.fileno())
                wal = Path(str(db.path) + ".wal")
                if wal.exists() and wal.stat().st_size:
                    wfd = os.open(str(tmp) + ".wal", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(wfd, "wb") as out, open(wal, "rb") as src:
                        shutil.copyfileobj(src, out, 1 << 20)
            except OSError as exc:
                _remove(tmp)
                raise PainboardError(f"backup failed: {exc.strerror or exc}") from None
        except duckdb.Error as exc:
            _remove(tmp)
            raise translate(exc) from None
    try:
        report = check(Database(tmp, read_only=False, retry_seconds=1))
    except PainboardError:
        _remove(tmp)
        raise
    if not report["ok"]:
        _remove(tmp)
        raise PainboardError("the copy did not pass its check; nothing was kept")
    os.replace(tmp, dest)
    _remove(Path(str(tmp) + ".wal"))
    return {"path": str(dest), "bytes": dest.stat().st_size, **report}


def _remove(p: Path) -> None:
    for f in (p, Path(str(p) + ".wal")):
        try:
            f.unlink()
        except FileNotFoundError:
            pass


def check(db: Database) -> dict[str, Any]:
    """Schema version, every row readable (block checksums are verified on read), invariants."""
    problems: list[str] = []
    with db.session() as con:
        try:
            version = migrations.applied_version(con)
            migrations.check_not_newer(version, db.path)
            if version < migrations.LATEST:
                problems.append(f"schema {version} is older than {migrations.LATEST}: open it once to upgrade")
                return {"ok": False, "schema": version, "counts": {}, "problems": problems}
            counts = {}
            for t in TABLES:
                n, _ = con.execute(f"SELECT count(*), bit_xor(hash(t)) FROM {t} t").fetchone()
                counts[t] = n
            for problem, sql in INVARIANTS:
                n = con.execute(sql).fetchone()[0]
                if n:
                    problems.append(f"{n} {problem}")
            revision = con.execute("SELECT max(value) FROM meta WHERE key = 'revision'").fetchone()[0]
        except duckdb.Error as exc:
            problems.append(f"could not read the data: {str(exc).splitlines()[0]}")
            return {"ok": False, "schema": None, "counts": {}, "problems": problems}
    return {"ok": not problems, "schema": version, "revision": int(revision or 0), "counts": counts,
            "problems": problems}
