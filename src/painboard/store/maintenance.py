"""Backup and integrity check of a database file."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from painboard.errors import BadInput, PainboardError, ReadOnly
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
    be half-way through; the copy is then checked. Written 0600, renamed into place only whole.
    Any schema this painboard reads is copied as it is (an older one is not upgraded)."""
    # The safe-output rule: never from a read-only session, never over the database or an
    # existing file (a backup is never replaced: a new one gets a new name).
    dest = check_target(dest, protected=database_files(db.path), read_only=db.read_only, field="file")
    if dest is None:
        raise BadInput("a backup is a file; give its name", field="file")
    tmp = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    try:  # whatever ends it (an error, SIGTERM through SystemExit), no partial copy stays
        with db.session() as con:
            try:
                db.schema_version(con)  # another application's file is no backup
                if not db.read_only:
                    con.execute(f"CHECKPOINT {db.alias}")  # fold the WAL into the file: one file is the whole story
                _copy(db.path, tmp)
                wal = Path(str(db.path) + ".wal")
                if wal.exists() and wal.stat().st_size:
                    _copy(wal, Path(str(tmp) + ".wal"))
            except OSError as exc:
                raise PainboardError(f"backup failed: {exc.strerror or exc}") from None
            except duckdb.Error as exc:
                raise translate(exc) from None
        report = check(Database(tmp, read_only=False, retry_seconds=1, sidecar=False))
        if not report["ok"]:
            raise PainboardError("the copy did not pass its check, nothing was kept: "
                                 + "; ".join(report["problems"]))
        os.replace(tmp, dest)
    finally:
        _remove(tmp)
    return {"path": str(dest), "bytes": dest.stat().st_size, **report}


def _copy(src: Path, dest: Path) -> None:
    """src's bytes into a new 0600 file, on disk before it is used."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, open(src, "rb") as f:
        shutil.copyfileobj(f, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")


def keep_copy(db: Database, why: str, version: int | None = None) -> Path:
    """A checked backup beside the database before painboard itself replaces what it holds
    (an upgrade, demo --force): named for why, the schema version and the time, 0600."""
    if version is None:
        with db.session() as con:
            version = db.schema_version(con)
    for n in range(100):  # two in one second get a number
        name = f"{db.path.name}.{why}.schema{version}.{_stamp()}{f'.{n}' if n else ''}.backup"
        if not os.path.lexists(db.path.with_name(name)):
            break
    return Path(backup(db, db.path.with_name(name))["path"])


def restore(db: Database, source: str | Path) -> dict[str, Any]:
    """Put a backup in the database's place: a copy of it (and of a WAL left beside it) is
    checked first; the current file (and its WAL) is kept beside it, renamed, never deleted."""
    if db.read_only:
        raise ReadOnly("restoring a backup")
    src = Path(source).expanduser().absolute()
    if not src.is_file():
        raise BadInput(f"no backup file at {src}", field="backup")
    if any(_same_file(src, p) for p in database_files(db.path)):
        raise BadInput(f"{src} is the database itself, not a backup of it", field="backup")
    tmp = db.path.with_name(f".{db.path.name}.restoring-{os.getpid()}")
    try:
        try:
            _copy(src, tmp)
            if _has_wal(src):
                _copy(Path(str(src) + ".wal"), Path(str(tmp) + ".wal"))
        except OSError as exc:
            raise PainboardError(f"restore failed, nothing was replaced: {exc.strerror or exc}") from None
        try:  # the check replays and folds in the copied WAL
            report = check(Database(tmp, retry_seconds=1, sidecar=False))
        except PainboardError as exc:
            raise PainboardError(f"{src} is not a backup painboard can restore ({exc}); "
                                 f"the database was not replaced") from None
        if not report["ok"]:
            raise PainboardError(f"{src} did not pass its check, the database was not replaced: "
                                 + "; ".join(report["problems"]))
        with db.turn():
            kept = None
            if db.path.exists() or _has_wal(db.path):
                kept = db.path.with_name(f"{db.path.name}.before-restore.{_stamp()}.backup")
                for ext in ("", ".wal"):
                    if os.path.lexists(str(db.path) + ext):
                        os.replace(str(db.path) + ext, str(kept) + ext)
            os.replace(tmp, db.path)
    finally:
        _remove(tmp)
    return {"path": str(db.path), "from": str(src), "kept": str(kept) if kept else None, **report}


def _has_wal(p: Path) -> bool:
    try:
        return os.path.getsize(str(p) + ".wal") > 0
    except OSError:
        return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


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
            version = db.schema_version(con)
            if version == 0:  # an empty DuckDB file: nothing of painboard's in it
                problems.append("no painboard schema in this file")
                return {"ok": False, "schema": 0, "counts": {}, "problems": problems}
            # Every schema from 1 on has the record tables and columns the checks read: an
            # older one is checked as it is (and upgraded, with a copy kept, when opened).
            counts = {}
            for t in TABLES:
                if t == "symptom" and version < 4:  # symptoms came with schema 4 (issue 20)
                    continue
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
