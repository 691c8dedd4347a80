"""Units of work against one DuckDB file: open, one transaction, close.

DuckDB lets one process at a time hold a file; a second one fails at once with a lock
error and there is no busy timeout. So no connection is kept while idle, and a lock
conflict is retried with backoff for up to ``retry_seconds``.
"""

from __future__ import annotations

import fcntl
import os
import random
import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from painboard.config import is_remote
from painboard.errors import BadInput, DatabaseBusy, PainboardError, ReadOnly, StoreError
from painboard.store import migrations

_LOCK_PID = re.compile(r"PID (\d+)")
# A URL scheme (two letters or more, so a Windows drive like C:/ is not one). One slash is
# enough: pathlib turns "https://host/x.db" into "https:/host/x.db".


# DuckDB keeps one instance per file per process; units of work in one process take turns.
_process_locks: dict[str, threading.RLock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(path: Path) -> threading.RLock:
    with _process_locks_guard:
        return _process_locks.setdefault(str(path), threading.RLock())


class _Queue:
    """A fair line of processes waiting for one database file (POSIX record locks, Linux and macOS).

    DuckDB has no busy timeout and a process that loses the race to open the file can only
    retry; with backoff, one writer can lose again and again. So processes line up first on a
    sidecar file ``<db>.lock`` (0600, beside the database): byte 0 is a turnstile, byte 1 the
    turn. A waiter holds the turnstile while it waits for the turn, so the process that just
    had the turn cannot take it again ahead of it. The kernel drops the locks of a process
    that dies. Without the sidecar (a read-only folder or file system) painboard falls back on
    retrying the open alone.
    """

    def __init__(self, path: Path):
        self.path = Path(str(path) + ".lock")
        self.fd: int | None = None
        self.depth = 0  # units of work nested in this process (the process lock is held)
        self.tried = False

    def _open(self) -> int | None:
        if not self.tried:
            self.tried = True
            try:
                old = os.umask(0o077)
                try:
                    self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                finally:
                    os.umask(old)
            except OSError:
                self.fd = None
        return self.fd

    @staticmethod
    def _take(fd: int, byte: int, deadline: float) -> bool:
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, byte)
                return True
            except OSError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.0005 + random.random() * 0.0015)

    def enter(self, deadline: float) -> bool:
        """Wait for the turn until deadline; False: go ahead without it (or there is no sidecar)."""
        if self.depth:
            self.depth += 1
            return True
        fd = self._open()
        if fd is None or not self._take(fd, 0, deadline):
            return False
        try:
            if not self._take(fd, 1, deadline):
                return False
        finally:
            fcntl.lockf(fd, fcntl.LOCK_UN, 1, 0)
        self.depth = 1
        return True

    def leave(self) -> None:
        self.depth -= 1
        if self.depth == 0 and self.fd is not None:
            fcntl.lockf(self.fd, fcntl.LOCK_UN, 1, 1)


_queues: dict[str, _Queue] = {}


def _queue(path: Path) -> _Queue:
    with _process_locks_guard:
        return _queues.setdefault(str(path), _Queue(path))


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
    if "checksum" in text.lower() or "not a valid DuckDB database" in text:  # nothing is written past it
        return StoreError(f"the database file is damaged or not a DuckDB file "
                          f"({text.splitlines()[0]}): nothing was saved; restore a backup")
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
        self._queue = _queue(self.path)

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

    def connect(self, retry: bool = True, deadline: float | None = None) -> duckdb.DuckDBPyConnection:
        """Open the file, retrying a lock conflict with backoff; DatabaseBusy after that.

        Processes that use the sidecar queue seldom retry here; the short cap keeps a waiter
        from sleeping through the moment the file comes free.
        """
        if deadline is None:
            deadline = time.monotonic() + (self.retry_seconds if retry else 0)
        delay = 0.002
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
                delay = min(delay * 2, 0.02)

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
            deadline = time.monotonic() + (self.retry_seconds if retry else 0)
            queued = self._enter_queue(deadline)
            try:
                con = self.connect(retry=retry, deadline=deadline)
            except BaseException:
                if queued:
                    self._queue.leave()
                raise
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
                if queued:
                    self._queue.leave()
                if write:
                    self._secure_files()

    def _enter_queue(self, deadline: float) -> bool:
        """Line up for the file (see _Queue); the wait counts against the same retry time."""
        if not self.path.exists():
            return False  # connect makes the file (and folder), or says there is no database
        return self._queue.enter(deadline)

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
