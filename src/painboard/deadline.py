"""How long plugin code may run while the database file is held (issue 10).

Other sessions retry a held file for about 10 s and then give up, so plugin code (a metric, an
exporter) runs in a thread under a deadline; past it the running query is interrupted and the
caller ends its unit of work, which lets go of the file. One setting, PAINBOARD_PLUGIN_SECONDS
(default 5; the older PAINBOARD_METRIC_SECONDS is still read), in two ways:

- metrics: all of them together, in total (a dashboard refresh must stay quick);
- an export: time without progress. Progress is the exporter's thread using the processor or
  a query of its view running in DuckDB; a sleeping or blocked exporter has neither. A built-in
  visit summary of 100k entries computes for up to ~9 s between reads (measured), so a total
  limit short enough to spare other sessions would cut it off. An exporter that keeps busy for
  ever is stopped after EXPORT_CAP times the setting (10 minutes by default).

A Python thread cannot be stopped from outside: the overrunning thread is left to finish on
its own (a daemon); it finds its connection closed and its output file gone.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from typing import Any, Callable

from painboard.errors import PluginError

DEFAULT_SECONDS = 5.0
EXPORT_CAP = 120        # an export's total limit, in multiples of the setting
_CHECK = 0.1            # how often the waiting thread looks (s)
_CPU_STEP = 0.02        # processor time (s) that counts as progress: a sleeping thread uses ~0


class Overran(PluginError):
    """Plugin code ran past its deadline while the database was held."""


def plugin_seconds() -> float:
    """PAINBOARD_PLUGIN_SECONDS (or the older PAINBOARD_METRIC_SECONDS), at least 0.1 s."""
    raw = os.environ.get("PAINBOARD_PLUGIN_SECONDS", os.environ.get("PAINBOARD_METRIC_SECONDS"))
    try:
        return max(0.1, float(raw)) if raw else DEFAULT_SECONDS
    except ValueError:
        return DEFAULT_SECONDS


class Deadline:
    """A limit on plugin code: ``seconds`` in total, or (``idle``) without progress, then at most
    ``cap`` seconds in total. One Deadline may be shared by several runs (all the metrics)."""

    def __init__(self, seconds: float | None = None, *, idle: bool = False, cap: float | None = None):
        self.seconds = plugin_seconds() if seconds is None else seconds
        self.idle = idle
        now = time.monotonic()
        self.started = self.last_progress = now
        self.cap = (cap if cap is not None else self.seconds * EXPORT_CAP) if idle else self.seconds

    def progressed(self) -> None:
        self.last_progress = time.monotonic()

    def passed(self) -> bool:
        now = time.monotonic()
        if now - self.started >= self.cap:
            return True
        return self.idle and now - self.last_progress >= self.seconds

    def why(self) -> str:
        """What was exceeded, in words."""
        if self.idle and time.monotonic() - self.started < self.cap:
            return f"did nothing for {self.seconds:g} s while holding the database (PAINBOARD_PLUGIN_SECONDS)"
        return f"still running after {self.cap:g} s while holding the database (PAINBOARD_PLUGIN_SECONDS)"


class _Watch:
    """Whether a thread is getting anywhere: its processor time, or a query running on ``con``."""

    def __init__(self, thread: threading.Thread, con: Any):
        self.con = con
        try:
            self.clock = time.pthread_getcpuclockid(thread.ident)
            self.cpu = time.clock_gettime(self.clock)
        except (AttributeError, OSError):  # not Linux/BSD: only running queries count
            self.clock = None

    def moved(self) -> bool:
        if self.clock is not None:
            try:
                cpu = time.clock_gettime(self.clock)
            except OSError:  # the thread ended between two looks
                return True
            if cpu - self.cpu >= _CPU_STEP:
                self.cpu = cpu
                return True
        try:  # needs the store's watch_queries(con); -1 when no query is running
            return self.con is not None and self.con.query_progress() >= 0
        except Exception:
            return False


class _Worker:
    """One daemon thread running submitted calls in turn."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self.done = threading.Event()
        self.box: dict[str, Any] = {}
        self.thread = threading.Thread(target=self._loop, name="painboard-plugin", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while (fn := self._calls.get()) is not None:
            box: dict[str, Any] = {}
            try:
                box["value"] = fn()
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                box["error"] = exc
            self.box = box
            self.done.set()

    def submit(self, fn: Callable[[], Any]) -> None:
        self.done.clear()
        self._calls.put(fn)

    def retire(self) -> None:
        """No more calls: the thread ends after the one it is running, if any."""
        self._calls.put(None)


# One idle plugin thread kept for the process's next runner (a refresh every few seconds
# would otherwise start a thread each time; on a busy machine a new thread also waits to be
# scheduled before it runs). A fork's child has no threads: it starts its own.
_idle: _Worker | None = None
_idle_pid = 0
_idle_guard = threading.Lock()


def _take_worker() -> _Worker:
    global _idle
    with _idle_guard:
        worker, _idle = (_idle if _idle_pid == os.getpid() else None), None
    return worker if worker is not None and worker.thread.is_alive() else _Worker()


def _keep_worker(worker: _Worker) -> None:
    """A worker whose calls all returned: kept idle for the next runner, else let end."""
    global _idle, _idle_pid
    with _idle_guard:
        if _idle is None or _idle_pid != os.getpid():
            _idle, _idle_pid = worker, os.getpid()
            return
    worker.retire()


class PluginRunner:
    """Plugin calls run one after another in a daemon thread under one deadline (the metrics
    of a refresh share one). One thread serves the series, saving a thread start per call
    (about 0.13 ms each, measured), and is kept for the next runner; a call that overruns
    keeps its thread, the next gets a new one. ``close`` hands the thread back."""

    def __init__(self, deadline: Deadline, con: Any = None):
        self.deadline, self.con = deadline, con
        self._worker: _Worker | None = None

    def run(self, fn: Callable[[], Any]) -> Any:
        """``fn()``'s value or exception, or Overran once the deadline passed (the query
        running on ``con`` is then interrupted; the caller must end its unit of work)."""
        if self._worker is None:
            self._worker = _take_worker()
        worker = self._worker
        worker.submit(fn)
        watch = _Watch(worker.thread, self.con) if self.deadline.idle else None
        while not worker.done.wait(_CHECK):
            if watch is not None and watch.moved():
                self.deadline.progressed()
            if self.deadline.passed():
                self._worker = None
                worker.retire()  # it ends on its own once fn returns, if ever
                if self.con is not None:
                    try:
                        self.con.interrupt()
                    except Exception:
                        pass
                raise Overran(self.deadline.why())
        if "error" in worker.box:
            raise worker.box["error"]
        return worker.box.get("value")

    def close(self) -> None:
        if self._worker is not None:
            _keep_worker(self._worker)
            self._worker = None

    def __enter__(self) -> "PluginRunner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def run_with_deadline(fn: Callable[[], Any], deadline: Deadline, con: Any = None) -> Any:
    """``fn()`` in a daemon thread; its value or exception, or Overran once ``deadline`` passed
    (the query running on ``con`` is then interrupted; the caller must end its unit of work)."""
    with PluginRunner(deadline, con) as runner:
        return runner.run(fn)
