"""A command's one write, done by a child forked at the start of the process.

`painboard log 5` is a whole process, and most of it is imports: DuckDB (about 90 ms) and its
instance (20 ms) for the write; click and pydantic (about 60 ms) to read and check the entry.
Python does these one at a time. A child forked before any of them (painboard.entry, for
`log`) imports DuckDB and makes the instance on another core while this process parses and
validates the entry with its one model. Then the record's values go to the child through a
pipe, and it writes them in the same write unit of work as ever (Database.unit_of_work: the
file's queue, a held file retried, the revision bumped, the files kept 0600) and answers with
the new id, or with the error, raised here as the same error. A child that never became ready
leaves the write to this process, as before. No DuckDB, pydantic or click import here.
"""

from __future__ import annotations

import builtins
import os
import pickle
import select
import signal
import struct
import sys
import threading
from typing import TYPE_CHECKING, Any

from painboard import errors
from painboard.store import repo_bulk  # both sides write through it: loaded once, before the fork
from painboard.store.repo_base import TABLES

# What both sides would import after the fork, loaded once before it: the child's DuckDB and
# this process's pydantic each import these (importlib.metadata: DuckDB for its version,
# pydantic for its plugin loader even with plugins off; about 10 ms).
for _name in ("importlib.metadata", "decimal", "uuid", "secrets"):
    __import__(_name)

if TYPE_CHECKING:
    from painboard.store.connection import Database

READY = b"R"
READY_SECONDS = 30.0  # a child not ready by then (a stalled machine) leaves the write to us
SIZE = struct.Struct("!Q")  # each message: its length, then the pickle
ENDED = ("the database write ended without an answer (its process was stopped); "
         "see 'painboard entries' before logging again")


class Writer:
    """The child: its pid and the two pipe ends this process keeps."""

    def __init__(self, pid: int, requests: int, answers: int) -> None:
        self.pid, self.requests, self.answers = pid, requests, answers
        self.owner = os.getpid()  # a process forked from ours later is not the child's parent

    @classmethod
    def start(cls) -> Writer | None:
        """Fork the writer, or None where a fork is not safe or not possible."""
        # A fork copies one thread only; an instance made before it does not survive it.
        if not hasattr(os, "fork") or threading.active_count() > 1 or "duckdb" in sys.modules:
            return None
        req_r, req_w = os.pipe()
        ans_r, ans_w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (req_r, req_w, ans_r, ans_w):
                os.close(fd)
            return None
        if pid == 0:  # the child: never returns
            os.close(req_w)
            os.close(ans_r)
            _child(req_r, ans_w)
        os.close(req_r)
        os.close(ans_w)
        return cls(pid, req_w, ans_r)

    def write(self, db: Database, table: str, record: Any) -> int | None:
        """The record written by the child: its id; None if the child is not there (then
        nothing was sent, and the caller writes). Raises what the unit of work raised."""
        if _read(self.answers, READY_SECONDS, exact=len(READY)) != READY:
            self.stop(signal.SIGTERM)  # sent nothing: it has written nothing
            return None
        values = {name: getattr(record, name) for name in TABLES[table]}
        try:
            _send(self.requests, (str(db.path), db.read_only, db.retry_seconds, db.sidecar, table, values))
            answer = _message(self.answers)
        except BaseException:  # interrupted here (ctrl-c, SIGTERM): the child rolls back too
            self.stop(signal.SIGTERM, wait=True)
            raise
        self.stop()
        if answer is None:
            raise errors.StoreError(ENDED)
        ok, result, created, notices = answer
        for notice in created:
            db.on_create(notice)
        db.notices.extend(notices)
        if ok:
            return result
        raise _rebuilt(result)

    def stop(self, sig: int | None = None, wait: bool = False) -> None:
        """Close our ends (a waiting child then ends by itself), send it ``sig`` if given (it
        rolls back what it was doing and ends), and reap it: ``wait`` for it to end, else only
        if it has ended (one that has not is reaped by the system after this process)."""
        for fd in (self.requests, self.answers):
            if fd >= 0:
                os.close(fd)
        self.requests = self.answers = -1
        try:
            if sig is not None:
                os.kill(self.pid, sig)
            os.waitpid(self.pid, 0 if wait else os.WNOHANG)
        except (ChildProcessError, ProcessLookupError):
            pass


_writer: Writer | None = None  # this process's, started by start_writer for one write


def start_writer() -> None:
    """Fork the writer for this command's one write (painboard.entry, before the CLI loads)."""
    global _writer
    if _writer is None:
        _writer = Writer.start()


def write_one(db: Database, table: str, record: Any) -> int | None:
    """The process's writer writes the record (Database.insert_one): its id, or None when
    there is no writer (none started, already used, or not ready): then the caller writes."""
    global _writer
    writer, _writer = _writer, None
    if writer is None:
        return None
    if writer.owner != os.getpid():
        return None
    return writer.write(db, table, record)


def stop_writer() -> None:
    """The command ended without writing (--help, bad input): end the child, which may still
    be importing DuckDB (it has written nothing)."""
    global _writer
    writer, _writer = _writer, None
    if writer is not None:
        writer.stop(signal.SIGTERM)


def _child(requests: int, answers: int) -> None:
    code = 1
    working = [True]  # SIGTERM ends the work, never the clean-up after it

    def stop(signum, frame):  # the parent was stopped, or let us go: roll back, as it would
        if working[0]:
            raise SystemExit(128 + signum)

    try:
        null = os.open(os.devnull, os.O_RDWR)  # nothing from the child reaches the terminal
        for std in (0, 1, 2):
            os.dup2(null, std)
        signal.signal(signal.SIGTERM, stop)
        from painboard.store import connection

        try:
            connection._cursor().close()  # import DuckDB and make the instance
            os.write(answers, READY)
            request = _message(requests)
            answer = None if request is None else _written(connection, *request)
        finally:
            working[0] = False
            connection.remove_spill_folder()  # before the answer: the parent may end at once
        if answer is not None:
            _send(answers, answer)
            code = 0
    except BaseException:
        pass
    finally:
        os._exit(code)  # no atexit handler or buffered output of the parent runs twice


def _written(connection, path, read_only, retry_seconds, sidecar, table, values) -> tuple:
    """The record written in one write unit of work, as (ok, id or error, created, notices)."""
    from types import SimpleNamespace

    db = connection.Database(path, read_only=read_only, retry_seconds=retry_seconds, sidecar=sidecar)
    created: list[str] = []
    db.on_create = created.append
    try:
        with db.unit_of_work(write=True) as con:
            return True, repo_bulk.insert_one(con, table, SimpleNamespace(**values)), created, db.notices
    except Exception as exc:
        return False, _described(exc), created, db.notices


def _described(exc: Exception) -> tuple:
    """An error as plain data: its class, its words and its fields (painboard's own errors do
    not unpickle through their constructors). One of painboard's from outside errors.py goes
    as its nearest class there (the same words, the same exit code)."""
    if isinstance(exc, errors.PainboardError):
        home = next(c for c in type(exc).__mro__ if getattr(errors, c.__name__, None) is c)
        return "painboard", home.__name__, exc.args, dict(vars(exc))
    if isinstance(exc, OSError):
        return "os", exc.errno, exc.strerror, exc.filename
    return "other", type(exc).__name__, str(exc)


def _rebuilt(described: tuple) -> Exception:
    kind, *rest = described
    if kind == "painboard":
        name, args, fields = rest
        exc = getattr(errors, name).__new__(getattr(errors, name))
        exc.args = tuple(args)
        exc.__dict__.update(fields)
        return exc
    if kind == "os":
        return OSError(*rest) if rest[2] is not None else OSError(*rest[:2])
    # a bug: the CLI says "command 'log' failed: NAME: words" as for one raised here
    name, text = rest
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception) and not issubclass(builtin, OSError):
        try:
            return builtin(text)
        except Exception:
            pass
    return type(name, (Exception,), {})(text)


def _send(fd: int, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(SIZE.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _read(fd: int, timeout: float | None, exact: int) -> bytes | None:
    """``exact`` bytes from ``fd``, or None (it closed, or nothing came within ``timeout``)."""
    data = b""
    while len(data) < exact:
        if timeout is not None and not select.select([fd], [], [], timeout)[0]:
            return None
        chunk = os.read(fd, exact - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _message(fd: int):
    """One message (our own process's pickle, through our own pipe), or None if the pipe closed."""
    head = _read(fd, None, SIZE.size)
    body = head and _read(fd, None, SIZE.unpack(head)[0])
    return None if body is None else pickle.loads(body)
