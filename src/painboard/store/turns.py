"""Whose turn it is with a database file: within this process (one lock per file) and among
processes (a fair queue on a sidecar lock file). Used by connection.Database."""

from __future__ import annotations

import fcntl
import os
import random
import threading
import time
from pathlib import Path


# A file is attached once at a time per process; its units of work take turns (an RLock: a
# unit of work may nest another on the same file, sharing the attachment).
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
        self.created = False  # this process made the sidecar (it may take it away again)

    def _open(self) -> int | None:
        if not self.tried:
            self.tried = True
            try:
                old = os.umask(0o077)
                try:
                    try:
                        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
                        self.created = True
                    except FileExistsError:
                        self.fd = os.open(self.path, os.O_RDWR | os.O_CLOEXEC)
                finally:
                    os.umask(old)
            except OSError:
                self.fd = None
        return self.fd

    def forget(self) -> None:
        """Take away a sidecar this process made beside a file that is not painboard's."""
        if self.created:
            try:
                self.path.unlink()
            except OSError:
                pass
            self.created = False

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
