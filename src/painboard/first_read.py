"""The dashboard's first read, done by a child process while the dashboard starts.

Python runs one thread at a time: importing DuckDB and the models and reading the first
snapshot (about 0.25 s) in a thread worker waits on Textual's own start and then adds to it.
A child forked before Textual is imported does that work on another core. It runs the same
``Painboard.snapshot`` as every refresh, without the plugins' metrics (``metrics`` None), and
sends the snapshot back pickled through a pipe; then, while the dashboard draws those figures,
it loads the plugins and sends the metrics over the same week (``take_metrics``), so the
dashboard needs no second read of its own to show everything. On any failure it sends nothing
more and the dashboard reads in its own process, as before, which also shows the error. No
Textual, pydantic or DuckDB import here.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import sys
import threading
import time
from typing import TYPE_CHECKING

from painboard.config import Settings

if TYPE_CHECKING:
    from painboard.readmodel import Snapshot

WAIT_SECONDS = 10.0  # then the dashboard reads by itself (a held file is retried there)
SIZE = struct.Struct("!Q")  # each message: its length, then the pickle


class FirstRead:
    """A snapshot being read by a child process; ``take`` waits for it."""

    def __init__(self, pid: int, fd: int, range_days: int | None, recent: int) -> None:
        self.pid, self._fd = pid, fd
        self.range_days, self.recent = range_days, recent
        self._lock = threading.Lock()
        self._taken = False
        self.notices: list[str] = []  # the store's, from the child's read (an upgrade's copy kept)

    @classmethod
    def start(cls, settings: Settings, range_days: int | None, recent: int) -> FirstRead | None:
        """Fork the reader, or None where a fork is not safe or not possible."""
        # A fork copies one thread only: with others running, a lock they held stays held.
        if not hasattr(os, "fork") or threading.active_count() > 1 or "duckdb" in sys.modules:
            return None
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _child(settings, range_days, recent, write_end)
        os.close(write_end)
        return cls(pid, read_end, range_days, recent)

    def take(self, timeout: float = WAIT_SECONDS) -> Snapshot | None:
        """The child's snapshot (without the metrics), or None (it failed, or took longer than
        ``timeout``); then the child goes on to the metrics (``take_metrics``).

        Blocks: call it from a thread worker. Only the first call reads; later ones get None."""
        with self._lock:
            if self._taken or self._fd < 0:
                return None
            self._taken = True
            # What the two messages unpickle into, imported while the child still reads (and
            # the first frame is up): unpickled later, these imports would hold the GIL the
            # drawing of the figures needs.
            import painboard.plugin_api  # noqa: F401
            import painboard.readmodel  # noqa: F401

            got = self._message(timeout)
            if got is None:
                self._close()
                return None
            snapshot, self.notices = got
            return snapshot

    def take_metrics(self, timeout: float = WAIT_SECONDS) -> tuple[int, list] | None:
        """The revision the metrics were read at and the metrics over the snapshot's week, or
        None; the child is then ended and reaped. Only after ``take``; blocks like it."""
        with self._lock:
            if not self._taken or self._fd < 0:
                return None
            try:
                return self._message(timeout)
            finally:
                self._close()

    def _message(self, timeout: float):
        """One message from the child, or None (it failed or ended, or was too slow)."""
        data = bytearray()
        deadline = time.monotonic() + timeout
        want = SIZE.size
        while len(data) < want and (left := deadline - time.monotonic()) > 0:
            if not select.select([self._fd], [], [], left)[0]:
                continue
            chunk = os.read(self._fd, min(want - len(data), 1 << 16))
            if not chunk:
                return None
            data += chunk
            if want == SIZE.size and len(data) == want:
                want += SIZE.unpack(data)[0]
        if len(data) < want:
            return None  # too slow: read in this process instead
        try:
            return pickle.loads(bytes(data[SIZE.size:]))  # from our own child, through our own pipe
        except Exception:
            return None

    def _close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            self._end_child()

    def cancel(self) -> None:
        """The dashboard ended first: stop the child and reap it."""
        with self._lock:
            self._close()

    def _end_child(self) -> None:
        try:
            if os.waitpid(self.pid, os.WNOHANG) == (0, 0):
                os.kill(self.pid, signal.SIGTERM)
                os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _child(settings: Settings, range_days: int | None, recent: int, fd: int) -> None:
    code = 1
    try:
        # Nothing from the child may reach the terminal the dashboard is about to take.
        null = os.open(os.devnull, os.O_RDWR)
        for std in (0, 1, 2):
            os.dup2(null, std)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
        from painboard.services import Painboard

        pb = Painboard(settings)
        # One try: a file held by another process is the dashboard's own business (its read
        # retries and shows who holds it), not a silent wait here.
        pb.db.retry_seconds = 0
        day = pb.today()
        # with what the store has to say (a file upgraded in this read: where its copy is kept)
        _send(fd, (pb.snapshot(range_days, recent, day=day, metrics=False), list(pb.db.notices)))
        metrics = pb.week_metrics(day)
        # DuckDB's spill folder is removed by an atexit handler, which os._exit does not run;
        # removed before the last message, after which the parent may end this process
        from painboard.store.connection import remove_spill_folder

        remove_spill_folder()
        _send(fd, metrics)
        code = 0
    except BaseException:
        pass
    finally:
        if "painboard.store.connection" in sys.modules:  # a failed read's spill folder too
            sys.modules["painboard.store.connection"].remove_spill_folder()
        os._exit(code)  # no atexit handler or buffered output of the parent runs twice


def _send(fd: int, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(SIZE.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]
