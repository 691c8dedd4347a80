"""An importer's reader run in a child process, so a parser that backtracks fails its test at a
wall-clock guard instead of hanging it, and what it does to memory is the child's.

FRESH: a new interpreter for one read (its peak resident size is the reader's alone: the memory
tests use it). ForkedReads: one interpreter that imports the readers once and forks a child for
each read: the same isolation and the same guard, for a fork (milliseconds) instead of an
interpreter's start-up and imports (about 0.2 s a read)."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

READ_ONE = r"""
import importlib, json, sys, time
from painboard.errors import BadInput
from painboard.plugin_api import ImportSource


def read_one(module, func, path, options):
    read = getattr(importlib.import_module(module), func)
    src = ImportSource(path, options=options)
    t0 = time.perf_counter()
    rows, first, error, field, line = 0, None, None, None, None
    try:
        for r in read(src):  # only the first record is kept: the child measures the reader's memory
            rows += 1
            if first is None:
                first = r.data if hasattr(r, "data") else {k: v[:3] for k, v in r.columns.items()}
    except BadInput as exc:
        error, field, line = exc.message, exc.field, exc.line
    seconds = time.perf_counter() - t0
    # the child's own peak resident size: ru_maxrss would keep the parent's figure across exec
    hwm = next(ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:"))
    return json.dumps({"rows": rows, "first": first, "error": error, "field": field,
                       "line": line, "seconds": seconds, "skipped": dict(getattr(src, "skipped", {}) or {}),
                       "peak_mb": int(hwm.split()[1]) / 1024}, default=str)
"""

# argv: module, function, file, options as JSON; prints the answer
FRESH = READ_ONE + """
print(read_one(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])))
"""

# argv: the reader modules as JSON; each line in is [module, function, file, options], and for
# each it says {"pid"} once the child runs, then {"answer", "status"} once it has ended.
SERVER = READ_ONE + r"""
import os, traceback
for m in json.loads(sys.argv[1]):
    try:
        importlib.import_module(m)
    except ImportError:  # a plugin not installed: its reads fail as a fresh child's would
        pass
for request in sys.stdin:
    module, func, path, options = json.loads(request)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one read, its answer through the pipe, never back into this loop
        code = 1
        try:
            os.close(r)
            with os.fdopen(w, "w") as out:
                out.write(read_one(module, func, path, options))
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(w)
    print(json.dumps({"pid": pid}), flush=True)
    with os.fdopen(r) as answer:
        got = answer.read()
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"answer": got, "status": status}), flush=True)
"""


class ForkedReads:
    """The reader process: ``read(...)`` gives the answer as a fresh child's, or None when the
    child outlived the guard (it is killed, and the next read gets a new child)."""

    def __init__(self, modules: list[str], env: dict, log: Path):
        self.log = log
        with open(log, "w") as err:
            self.proc = subprocess.Popen([sys.executable, "-c", SERVER, json.dumps(modules)], env=env, text=True,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _next(self, timeout: float) -> dict:
        line = self.lines.get(timeout=timeout)
        assert line is not None, f"the reader process ended: {self.log.read_text()[-2000:]}"
        return json.loads(line)

    def read(self, module: str, func: str, path: Path, options: dict, guard: float) -> dict | None:
        self.proc.stdin.write(json.dumps([module, func, str(path), options]) + "\n")
        self.proc.stdin.flush()
        pid = self._next(60)["pid"]
        try:
            done = self._next(guard)
        except queue.Empty:
            os.kill(pid, signal.SIGKILL)
            self._next(60)  # reaped: the process reads on
            return None
        assert done["status"] == 0, self.log.read_text()[-2000:]
        return json.loads(done["answer"])

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.proc.stdout.close()
