"""Units of work against one DuckDB file: open, one transaction, close.

DuckDB lets one process at a time hold a file; a second one fails at once with a lock
error and there is no busy timeout. So no connection is kept while idle, and a lock
conflict is retried with backoff for up to ``retry_seconds``.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from painboard.errors import BadInput, DatabaseBusy, PainboardError, ReadOnly, StoreError
from painboard.store import migrations

_LOCK_PID = re.compile(r"PID (\d+)")
# A URL scheme (two letters or more, so a Windows drive like C:/ is not one). One slash is
# enough: pathlib turns "https://host/x.db" into "https:/host/x.db".
_REMOTE = re.compile(r"^[a-z][a-z0-9+.-]+:/|^(md|motherduck|s3|gcs|gs|r2|az|abfss|hf):", re.I)


def is_remote(path: str | Path) -> bool:
    return bool(_REMOTE.match(str(path)))

# DuckDB keeps one instance per file per process; units of work in one process take turns.
_process_locks: dict[str, threading.RLock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(path: Path) -> threading.RLock:
    with _process_locks_guard:
        return _process_locks.setdefault(str(path), threading.RLock())


def _config(read_only: bool) -> dict:
    return {
        "access_mode": "READ_ONLY" if read_only else "READ_WRITE",
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "enable_external_access": True,  # local files for import/export; remote paths refused in services
    }


def is_lock_error(exc: Exception) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def translate(exc: Exception) -> PainboardError:
    """DuckDB's error as one of the app's own."""
    text = str(exc)
    if isinstance(exc, PainboardError):
        return exc
    # A write refused by a connection opened READ_ONLY. Not an open that failed in read-only
    # mode ("Cannot open database ... in read-only mode: database does not exist").
    if "read-only mode" in text and ("Cannot execute statement" in text or "attached in" in text):
        return ReadOnly("writing")
    if isinstance(exc, duckdb.ConstraintException):
        return BadInput(text.split("\n")[0])
    if "No space left" in text:
        return StoreError("the disk is full: nothing was saved")
    if "Read-only file system" in text:
        return StoreError("the database is on a read-only file system: nothing was saved "
                          "(--read-only opens it to look)")
    if "Permission denied" in text:
        return StoreError(f"cannot write the database file: {text.splitlines()[0]}")
    return StoreError(text.splitlines()[0] if text else type(exc).__name__)


class Database:
    """One painboard database file."""

    def __init__(self, path: str | Path, read_only: bool = False, retry_seconds: float = 10.0):
        if is_remote(path):
            raise BadInput(f"{path} is a remote location: painboard keeps data on this machine only",
                           field="db")
        self.path = Path(path).expanduser().absolute()
        self.read_only = read_only
        self.retry_seconds = retry_seconds
        self._ready = False
        self._lock = _process_lock(self.path)

    # -- opening ---------------------------------------------------------------------------
    def _prepare_folder(self) -> None:
        folder = self.path.parent
        if not folder.exists():
            old = os.umask(0o077)  # folders made on the way are private too
            try:
                folder.mkdir(parents=True, mode=0o700)
            finally:
                os.umask(old)

    def _connect_once(self) -> duckdb.DuckDBPyConnection:
        if self.read_only and not self.path.exists():
            raise StoreError(f"no database at {self.path}")
        creating = not self.path.exists()
        old = None
        if creating:
            self._prepare_folder()
            old = os.umask(0o077)
        try:
            con = duckdb.connect(str(self.path), config=_config(self.read_only))
        finally:
            if old is not None:
                os.umask(old)
        con.execute("SET TimeZone = 'UTC'")
        return con

    def connect(self, retry: bool = True) -> duckdb.DuckDBPyConnection:
        """Open the file, retrying a lock conflict with backoff; DatabaseBusy after that."""
        deadline = time.monotonic() + (self.retry_seconds if retry else 0)
        delay = 0.005
        while True:
            try:
                return self._connect_once()
            except duckdb.Error as exc:
                if not is_lock_error(exc):
                    raise translate(exc) from None
                if time.monotonic() >= deadline:
                    m = _LOCK_PID.search(str(exc))
                    raise DatabaseBusy(int(m.group(1)) if m else None) from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.2)

    def _secure_files(self) -> None:
        for p in (self.path, Path(str(self.path) + ".wal")):
            try:
                if p.exists() and p.stat().st_mode & 0o077:
                    p.chmod(0o600)
            except OSError:
                pass

    def _ensure_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        if self._ready:
            return
        if self.read_only:
            version = migrations.applied_version(con)
            migrations.check_not_newer(version, self.path)
            if version < migrations.LATEST:
                raise StoreError(f"{self.path} needs an upgrade: open it once without --read-only")
        else:
            migrations.migrate(con, self.path)
        self._ready = True

    # -- units of work ---------------------------------------------------------------------
    @contextmanager
    def unit_of_work(self, write: bool = False, retry: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside one transaction. A write bumps the revision before commit."""
        if write and self.read_only:
            raise ReadOnly("writing")
        with self._lock:
            con = self.connect(retry=retry)
            try:
                try:
                    self._ensure_schema(con)
                    con.execute("BEGIN TRANSACTION")
                    yield con
                    if write:
                        con.execute("UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                                    "WHERE key = 'revision'")
                    con.execute("COMMIT")
                except BaseException as exc:
                    try:
                        con.execute("ROLLBACK")
                    except duckdb.Error:
                        pass
                    if isinstance(exc, duckdb.Error):
                        raise translate(exc) from None
                    raise
            finally:
                con.close()
                if write:
                    self._secure_files()

    def revision(self, retry: bool = True) -> int:
        with self.unit_of_work(retry=retry) as con:
            return int(con.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])

    def file_stamp(self) -> tuple:
        """Cheap change detector: a write always touches the file or its WAL."""
        out = []
        for p in (self.path, Path(str(self.path) + ".wal")):
            try:
                st = p.stat()
                out.append((st.st_mtime_ns, st.st_size))
            except OSError:
                out.append(None)
        return tuple(out)

    def init(self) -> None:
        """Create the file and apply migrations (a write unit of work with no changes)."""
        with self.unit_of_work():
            pass
