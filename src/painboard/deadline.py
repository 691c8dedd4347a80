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


def run_with_deadline(fn: Callable[[], Any], deadline: Deadline, con: Any = None) -> Any:
    """``fn()`` in a daemon thread; its value or exception, or Overran once ``deadline`` passed
    (the query running on ``con`` is then interrupted; the caller must end its unit of work)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    t = threading.Thread(target=run, name="painboard-plugin", daemon=True)
    t.start()
    watch = _Watch(t, con) if deadline.idle else None
    while True:
        t.join(_CHECK)
        if not t.is_alive():
            break
        if watch is not None and watch.moved():
            deadline.progressed()
        if deadline.passed():
            if con is not None:
                try:
                    con.interrupt()
                except Exception:
                    pass
            raise Overran(deadline.why())
    if "error" in box:
        raise box["error"]
    return box.get("value")
