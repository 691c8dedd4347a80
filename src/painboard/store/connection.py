"""Units of work against one DuckDB file: attach, one transaction, detach.

DuckDB lets one process at a time hold a file; a second one fails at once with a lock
error and there is no busy timeout. So no file is kept open while idle, and a lock
conflict is retried with backoff for up to ``retry_seconds``.

Creating a DuckDB database instance costs 17-70 ms whatever the file, more than the work of
a refresh or a save. So each process keeps one in-memory instance and ATTACHes the file for
each unit of work; DETACH checkpoints and releases the file lock, as closing did
(https://duckdb.org/docs/stable/sql/statements/attach).

DuckDB itself (about 90 ms to import) is imported by the functions that use it, not with this
module: a command's process may hand its one write to a child that imports it meanwhile
(writer.py), and then never needs it.
"""

from __future__ import annotations

import atexit
import itertools
import os
import random
import re
import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from painboard.config import is_remote
from painboard.errors import BadInput, DatabaseBusy, DatabaseMoved, PainboardError, ReadOnly, StoreError
from painboard.store import migrations
from painboard.store.turns import _process_lock, _process_locks_guard, _queue

if TYPE_CHECKING:
    import duckdb

_LOCK_PID = re.compile(r"PID (\d+)")
# A URL scheme (two letters or more, so a Windows drive like C:/ is not one). One slash is
# enough: pathlib turns "https://host/x.db" into "https:/host/x.db".


_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "enable_external_access": True,  # local files for import/export; remote paths refused in services
    # painboard's statements are small (a week of rows, one row a day): spreading each over
    # several threads gains nothing. Measured at 1M entries, runs alternating: a refresh 0-3 ms
    # faster; CSV import and export unchanged; the one-off fill of a zone's rollup 134 -> 176 ms.
    "threads": 1,
}

_engine_con: duckdb.DuckDBPyConnection | None = None
_engine_pid = 0
_engine_guard = threading.Lock()
_aliases = itertools.count(1)


_given_spill: tuple[str, int] | None = None  # (folder, memory MB) set by use_spill_folder


def use_spill_folder(folder: str, memory_mb: int) -> None:
    """Spill into ``folder`` (made and removed by someone else: an import's parent) and keep
    DuckDB within ``memory_mb``; called before the first unit of work."""
    global _given_spill
    _given_spill = (folder, memory_mb)


def _spill_folder() -> str:
    """Where a query too big for memory spills: a fresh 0700 folder, removed at exit. An
    in-memory instance would otherwise spill health data into ".tmp" in the current folder."""
    global _own_spill
    if _given_spill is not None:
        return _given_spill[0]
    folder = tempfile.mkdtemp(prefix="painboard-spill-")
    atexit.register(shutil.rmtree, folder, True)
    _own_spill = (folder, os.getpid())
    return folder


_own_spill: tuple[str, int] | None = None  # (folder, the process that made it)


def remove_spill_folder() -> None:
    """Remove this process's spill folder now: for a forked child that ends with os._exit,
    which runs no atexit handler."""
    if _own_spill is not None and _own_spill[1] == os.getpid():
        shutil.rmtree(_own_spill[0], True)


def _cursor() -> duckdb.DuckDBPyConnection:
    """A new connection to the process's one in-memory DuckDB instance, which is made on first
    use (and again after a fork: an instance does not survive one). Each unit of work has its
    own cursor, so threads never share one
    (https://duckdb.org/docs/stable/guides/python/multiple_threads)."""
    import duckdb

    global _engine_con, _engine_pid
    with _engine_guard:
        if _engine_con is None or _engine_pid != os.getpid():
            config = {**_CONFIG, "temp_directory": _spill_folder()}
            if _given_spill is not None:
                config["memory_limit"] = f"{_given_spill[1]}MB"
            con = duckdb.connect(":memory:", config=config)
            con.execute("SET GLOBAL TimeZone = 'UTC'")
            _engine_con, _engine_pid = con, os.getpid()
        return _engine_con.cursor()


class _Attachment:
    """One file's place in the instance: its alias, and how many units of work (nested, in
    the thread holding the process lock) use it."""

    def __init__(self) -> None:
        self.alias = f"pb{next(_aliases)}"
        self.users = 0
        self.read_only = False
        self.stale = False
        self.pid = 0


_attachments: dict[str, _Attachment] = {}


def _attachment(path: Path) -> _Attachment:
    with _process_locks_guard:
        return _attachments.setdefault(str(path), _Attachment())


def is_lock_error(exc: Exception) -> bool:
    import duckdb

    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def translate(exc: Exception) -> PainboardError:
    """DuckDB's error as one of the app's own."""
    import duckdb

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

    def __init__(self, path: str | Path, read_only: bool = False, retry_seconds: float = 10.0,
                 sidecar: bool = True):
        if is_remote(path):
            raise BadInput(f"{path} is a remote location: painboard keeps data on this machine only",
                           field="db")
        self.path = Path(path).expanduser().absolute()
        self.read_only = read_only
        self.retry_seconds = retry_seconds
        self.sidecar = sidecar  # False: a private copy (a backup being checked) needs no queue file
        self.notices: list[str] = []  # what the faces should say (a copy kept before an upgrade)
        # Who hears that a new file was made (a mistyped or relative path): the notices by
        # default; the CLI says it at once.
        self.on_create = self.notices.append
        self._ready = False
        self._seen = False  # the file was there once: never create it again (it moved)
        self._lock = _process_lock(self.path)
        self._queue = _queue(self.path)
        self._attachment = _attachment(self.path)

    @property
    def alias(self) -> str:
        """The file's name in SQL while it is attached (``USE``d by every unit of work)."""
        return self._attachment.alias

    # -- attaching ------------------------------------------------------------------------
    def _prepare_folder(self) -> None:
        folder = self.path.parent
        if not folder.exists():
            old = os.umask(0o077)  # folders made on the way are private too
            try:
                folder.mkdir(parents=True, mode=0o700)
            finally:
                os.umask(old)

    def _attach_once(self, cur: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        creating = not self.path.exists()
        if creating and self._seen:
            # A database is created on purpose only (a first start, demo): a file gone from
            # under an open session was moved or deleted, and an empty one would hide that.
            raise DatabaseMoved(f"the database {self.path} was moved or deleted while painboard had "
                                f"it open; nothing was created there (start painboard again with "
                                f"--db to its new place)")
        if read_only and creating:
            raise StoreError(f"no database at {self.path}")
        old = None
        if creating:
            self._prepare_folder()
            old = os.umask(0o077)
        quoted = str(self.path).replace("'", "''")
        mode = " (READ_ONLY)" if read_only else ""
        try:
            cur.execute(f"ATTACH '{quoted}' AS {self._attachment.alias}{mode}")
        finally:
            if old is not None:
                os.umask(old)
        self._seen = True
        if creating:
            self.on_create(f"created a new database at {self.path} (there was none)")

    def _attach(self, cur: duckdb.DuckDBPyConnection, read_only: bool, deadline: float) -> None:
        """Attach the file, retrying a lock conflict with backoff; DatabaseBusy after that.

        Processes that use the sidecar queue seldom retry here; the short cap keeps a waiter
        from sleeping through the moment the file comes free.
        """
        import duckdb

        delay = 0.002
        while True:
            try:
                return self._attach_once(cur, read_only)
            except duckdb.Error as exc:
                if not is_lock_error(exc):
                    raise translate(exc) from None
                if time.monotonic() >= deadline:
                    m = _LOCK_PID.search(str(exc))
                    raise DatabaseBusy(int(m.group(1)) if m else None) from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.02)

    def _open(self, read_only: bool, deadline: float) -> duckdb.DuckDBPyConnection:
        """A cursor of the process's instance with the file attached and in use (nested units
        of work share the attachment). The caller holds the process lock."""
        import duckdb

        att = self._attachment
        if att.pid != os.getpid():  # a forked child inherits no attachment
            att.users, att.stale, att.pid = 0, False, os.getpid()
        cur = _cursor()
        attached = False
        try:
            if att.users == 0:
                if att.stale:  # a DETACH that failed earlier: try again before attaching
                    cur.execute(f"DETACH DATABASE IF EXISTS {att.alias}")
                    att.stale = False
                self._attach(cur, read_only, deadline)
                attached = True
                att.read_only = read_only
            elif att.read_only and not read_only:
                raise ReadOnly("writing")  # inside a unit of work that attached to read
            cur.execute(f"USE {att.alias}")
            att.users += 1
        except BaseException as exc:
            if attached:
                att.stale = True
            cur.close()
            if isinstance(exc, duckdb.Error):
                raise translate(exc) from None
            raise
        return cur

    def _close(self, cur: duckdb.DuckDBPyConnection) -> None:
        """DETACH when the last unit of work lets go: it checkpoints and releases the file."""
        import duckdb

        att = self._attachment
        att.users -= 1
        try:
            if att.users == 0:
                cur.execute("USE memory")
                cur.execute(f"DETACH {att.alias}")
        except duckdb.Error:
            # What was committed is in the WAL; the next unit of work detaches again.
            att.stale = True
        finally:
            cur.close()

    @contextmanager
    def session(self, retry: bool = True, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """The file attached for one piece of work, in the process's turn and the file's queue,
        outside any transaction (for backup and check; everything else uses unit_of_work)."""
        with self._lock:
            deadline = time.monotonic() + (self.retry_seconds if retry else 0)
            queued = self._enter_queue(deadline)
            try:
                cur = self._open(self.read_only or read_only, deadline)
            except BaseException:
                if queued:
                    self._queue.leave()
                raise
            try:
                yield cur
            finally:
                self._close(cur)
                if queued:
                    self._queue.leave()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """The file's turn without attaching it: no painboard unit of work is inside it
        meanwhile (a restore swaps the file in this turn)."""
        with self._lock:
            queued = self._enter_queue(time.monotonic() + self.retry_seconds)
            try:
                yield
            finally:
                self._ready = False  # the file may be another one now: check it again
                if queued:
                    self._queue.leave()

    def _secure_files(self, strict: bool = False) -> None:
        """The database and its WAL readable by the user alone (0600). ``strict``: a file that
        cannot be made private is refused (the first open of a session)."""
        for p in (self.path, Path(str(self.path) + ".wal")):
            try:
                if p.exists() and p.stat().st_mode & 0o077:
                    p.chmod(0o600)
            except OSError:
                if strict:
                    raise StoreError(f"{p} can be read or written by others and cannot be made "
                                     f"private (chmod 600 it)") from None

    def _ensure_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        """Once a session: the file is painboard's (another application's file is refused
        untouched), of a schema this painboard reads, upgraded with a checked copy kept first,
        then made private."""
        if self._ready:
            return
        version = self.schema_version(con)
        if self.read_only:
            if version < migrations.LATEST:
                raise StoreError(f"{self.path} needs an upgrade: open it once without --read-only")
        else:
            if 0 < version < migrations.LATEST:
                self._keep_before_upgrade(version)
            migrations.migrate(con, self.path, version)
        self._secure_files(strict=True)
        self._ready = True

    def schema_version(self, con: duckdb.DuckDBPyConnection) -> int:
        """migrations.schema_version; another application's file is refused with nothing of
        painboard's left beside it (the queue's sidecar this process made)."""
        try:
            return migrations.schema_version(con, self.path)
        except StoreError:
            self._queue.forget()
            raise

    def _keep_before_upgrade(self, version: int) -> None:
        from painboard.store import maintenance  # it builds on this module

        kept = maintenance.keep_copy(self, "before-upgrade", version)
        self.notices.append(f"the database was upgraded from schema {version} to {migrations.LATEST}; "
                            f"a checked copy of it as it was is kept at {kept}")

    # -- units of work ---------------------------------------------------------------------
    @contextmanager
    def unit_of_work(self, write: bool = False, retry: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection inside one transaction. A write bumps the revision before commit."""
        import duckdb

        if write and self.read_only:
            raise ReadOnly("writing")
        try:
            # A read-only session attaches READ_ONLY; read units of a writable session do not:
            # measured on 1M entries it saved 0.1-0.7 ms of a 20 ms refresh, and a write nested
            # in a read unit could then not share its attachment.
            with self.session(retry=retry) as con:
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
            if write and self._ready:  # never another application's file
                self._secure_files()

    def _enter_queue(self, deadline: float) -> bool:
        """Line up for the file (see _Queue); the wait counts against the same retry time."""
        if not self.sidecar or not self.path.exists():
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

    def insert_one(self, table: str, record: Any) -> int:
        """One record in one write unit of work; its new id. Written by the child that
        writer.py forked for this command when there is one (it imported DuckDB while this
        process validated the record), else here."""
        from painboard.store import writer
        from painboard.store.repo_bulk import insert_one

        if self.read_only:
            raise ReadOnly("writing")
        new_id = writer.write_one(self, table, record)
        if new_id is not None:
            return new_id
        with self.unit_of_work(write=True) as con:
            return insert_one(con, table, record)

    def init(self) -> None:
        """Create the file and apply migrations (a write unit of work with no changes)."""
        with self.unit_of_work():
            pass


@contextmanager
def scratch_database(folder: str | None = None) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """A private DuckDB file (in ``folder``, else a fresh 0700 one) attached to this process's
    instance: a cursor and its alias. An import stages its rows there, so they sit on disk, not
    in memory, and the database itself is held only while they are kept. The file is removed
    at the end; a killed process leaves it in its folder, which the import's parent removes."""
    import duckdb

    own = folder is None
    folder = folder or tempfile.mkdtemp(prefix="painboard-stage-")
    alias = f"stage{next(_aliases)}"
    path = Path(folder) / f"{alias}.duckdb"
    cur = _cursor()
    quoted = str(path).replace("'", "''")
    old = os.umask(0o077)
    try:
        cur.execute(f"ATTACH '{quoted}' AS {alias}")
    finally:
        os.umask(old)
    try:
        yield cur, alias
    finally:
        try:
            cur.execute(f"DETACH DATABASE IF EXISTS {alias}")
        except duckdb.Error:
            pass
        cur.close()
        for p in (path, Path(str(path) + ".wal")):
            p.unlink(missing_ok=True)
        if own:
            shutil.rmtree(folder, ignore_errors=True)
