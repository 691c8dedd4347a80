"""Every import runs in a child process of its own, which the dashboard can stop at once.

An importer is plugin code reading an untrusted file: it may be slow, loop, or swell. In the
dashboard's own process it would hold the interpreter lock (keys, Esc and the clock freeze)
and its memory. So ``run`` starts a fresh interpreter (``python -m painboard.import_child``:
never a fork, as DuckDB may be loaded and other threads running), which

- sets its own limits first (``resource.setrlimit``): address space ``PAINBOARD_IMPORT_MEMORY_MB``
  (default 2048; the interpreter, DuckDB and the libraries take about 700 of it before a row is
  read) and processor time ``PAINBOARD_IMPORT_CPU_SECONDS`` (default 900);
- loads the plugins as the parent does (built-ins, entry points, the same plugins folder;
  ``PAINBOARD_LOAD_PLUGINS`` and the other settings come with the environment) and the same
  database, time zone and clock;
- reads and checks the file, staging its rows in a private DuckDB file in a 0700 folder the
  parent made (and removes, even after a kill), then keeps them in the database in one write
  transaction, reporting progress and then the result (or the error: file, line and field) as
  JSON lines on a pipe. Only that transaction holds the database, and no plugin code runs in it.

The parent kills it at once when asked (Esc, q, Ctrl-C) and whenever it leaves: a killed child
commits nothing, and the kernel frees its place in the database's lock queue. A child whose
parent dies stops too (its standard input closes). No Textual here.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any, Callable

from painboard.errors import BadInput, DatabaseBusy, PainboardError, PluginError, ReadOnly, StoreError

MEMORY_ENV, CPU_ENV = "PAINBOARD_IMPORT_MEMORY_MB", "PAINBOARD_IMPORT_CPU_SECONDS"
MEMORY_MB, CPU_SECONDS = 2048, 900
# DuckDB's own memory in the child: the staged rows sit in a file and the final insert spills
# into the child's folder, so a little is enough (1M CSV rows: 231 MB peak at 128, 481 at 512).
DUCKDB_MB = 128
PROGRESS_EVERY = 0.05  # seconds between progress lines: a reader's flood of calls merges
_ERRORS = {c.__name__: c for c in (PainboardError, PluginError, StoreError)}
_live: dict[subprocess.Popen, str] = {}  # children (and their folders) to end if this process leaves first
_of_cancel: dict[int, subprocess.Popen] = {}  # id(cancel event) -> its child, for stop()
_live_guard = threading.Lock()


class ImportCancelled(PainboardError):
    def __init__(self) -> None:
        super().__init__("import cancelled: nothing was written")


def limits() -> tuple[int, int]:
    """(address space MB, processor seconds) of an import's child, from the environment."""
    def one(name: str, default: int) -> int:
        raw = os.environ.get(name, "").strip()
        if not raw:
            return default
        if not raw.isdigit() or int(raw) <= 0:
            raise BadInput(f"{raw!r} is not a whole number above 0", field=name)
        return int(raw)
    return one(MEMORY_ENV, MEMORY_MB), one(CPU_ENV, CPU_SECONDS)


# -- the parent's side ---------------------------------------------------------------------
def can_load(registry, name: str) -> bool:
    """Whether a child loading the plugins afresh finds this importer from the same plugin:
    a built-in, one from the plugins folder, or one of an installed entry point. Not one
    handed to load_registry in this process (tests do): that one runs in the caller's process."""
    import importlib.metadata

    from painboard.plugins import GROUP

    info = registry.info(registry.owner.get(("importers", name), ""))
    if info is None or info.source not in ("builtin", "folder", "entry point"):
        return False
    if info.source == "entry point":
        return any(ep.name == info.name for ep in importlib.metadata.entry_points(group=GROUP))
    return True


def run(request: dict[str, Any], progress: Callable[[int, int], None] | None = None,
        cancel: threading.Event | None = None) -> dict[str, Any]:
    """Run one import in a child; its result as a dict, or its error raised here.

    ``progress(done, total)`` may raise to stop the import (the child is killed); so does
    setting ``cancel`` (checked every 50 ms whatever the child is doing).
    """
    memory_mb, cpu_s = limits()
    folder = tempfile.mkdtemp(prefix="painboard-import-")  # 0700: the child's spill and staging
    request = {**request, "folder": folder, "memory_mb": memory_mb, "cpu_seconds": cpu_s}
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parent.parent)  # this painboard, not another one
    env["PYTHONPATH"] = os.pathsep.join([package_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    err_file = tempfile.TemporaryFile(dir=folder)
    proc = subprocess.Popen([sys.executable, "-m", "painboard.import_child"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=err_file, env=env, close_fds=True,
                            start_new_session=True)  # the terminal's Ctrl-C is the parent's to pass on
    with _live_guard:
        _live[proc] = folder
        if cancel is not None:
            _of_cancel[id(cancel)] = proc
    try:
        proc.stdin.write((json.dumps(request) + "\n").encode())  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        answer = _follow(proc, progress, cancel)
        proc.wait()
    finally:
        _stop(proc)
        if cancel is not None:
            with _live_guard:
                _of_cancel.pop(id(cancel), None)
        err_file.seek(0)
        stderr = err_file.read()[-4000:].decode("utf-8", "replace")
        err_file.close()
        shutil.rmtree(folder, ignore_errors=True)
    if "result" in answer:
        return answer["result"]
    if "error" in answer:
        raise _rebuild(answer["error"])
    raise _died(proc.returncode, stderr, request, memory_mb, cpu_s)


def stop(cancel: threading.Event) -> None:
    """Set ``cancel`` and kill its import's child now, not at the waiting thread's next look
    (the app may be leaving: its threads are not waited for)."""
    cancel.set()
    with _live_guard:
        proc = _of_cancel.get(id(cancel))
    if proc is not None and proc.poll() is None:
        try:
            proc.kill()
        except OSError:
            pass


def _follow(proc: subprocess.Popen, progress, cancel) -> dict[str, Any]:
    """Read the child's lines until it ends; pass progress on; the last answer."""
    fd = proc.stdout.fileno()  # type: ignore[union-attr]
    buf = b""
    answer: dict[str, Any] = {}
    while True:
        if cancel is not None and cancel.is_set():
            _stop(proc)
            raise ImportCancelled()
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            if cancel is not None and cancel.is_set() and not answer:
                raise ImportCancelled()  # killed by stop(): cancelled, not failed
            return answer
        buf += chunk
        *lines, buf = buf.split(b"\n")
        for line in lines:
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if "progress" in msg:
                if progress is not None:
                    progress(*msg["progress"])  # may raise: the finally in run kills the child
            else:
                answer = msg


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            proc.kill()
        except OSError:
            pass
        proc.wait()
    for pipe in (proc.stdin, proc.stdout):
        try:
            if pipe is not None:
                pipe.close()
        except OSError:
            pass
    with _live_guard:
        _live.pop(proc, None)


@atexit.register
def _kill_all() -> None:
    with _live_guard:
        left = list(_live.items())
    for proc, folder in left:
        _stop(proc)
        shutil.rmtree(folder, ignore_errors=True)


def _rebuild(err: dict[str, Any]) -> PainboardError:
    kind = err.get("kind")
    if kind == "BadInput":
        return BadInput(err["message"], field=err.get("field"), line=err.get("line"), file=err.get("file"))
    if kind == "DatabaseBusy":
        return DatabaseBusy(err.get("pid"))
    if kind == "ReadOnly":
        return ReadOnly("writing")
    return _ERRORS.get(kind or "", PainboardError)(err.get("message") or "the import failed")


def _died(code: int | None, stderr: str, request: dict, memory_mb: int, cpu_s: int) -> PainboardError:
    """Why a child ended without an answer, in words. Nothing was written either way."""
    file = request["path"]
    if code == -signal.SIGXCPU:
        return BadInput(f"reading it took more than {cpu_s} s of processor time ({CPU_ENV}): "
                        "nothing was written", file=file)
    # Python says MemoryError; an allocation refused inside a library aborts or faults.
    if "MemoryError" in stderr or "out of memory" in stderr.lower() or "bad_alloc" in stderr \
            or code in (-signal.SIGSEGV, -signal.SIGABRT):
        return BadInput(_memory_words(memory_mb), file=file)
    last = stderr.strip().splitlines()[-1] if stderr.strip() else \
        ("killed" if code == -signal.SIGKILL else f"exit code {code}")
    return PluginError(f"the import stopped ({last}): nothing was written")


def _memory_words(memory_mb: int) -> str:
    return (f"reading it needed more than the {memory_mb} MB an import may use ({MEMORY_ENV}): "
            "nothing was written")


# -- the child's side ----------------------------------------------------------------------
def _set_limits(memory_mb: int, cpu_s: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 5))  # SIGXCPU, then SIGKILL


def _die_with_parent(folder: str) -> None:
    """Standard input stays open while the parent lives; at its end, stop (nothing commits)
    and take the staged rows with us: a parent killed outright cannot remove its folder."""
    try:
        while sys.stdin.buffer.read(1 << 12):
            pass
    except (OSError, ValueError):
        pass
    shutil.rmtree(folder, ignore_errors=True)
    os._exit(3)


def _answer_of(exc: BaseException, memory_mb: int, file: str) -> dict[str, Any]:
    if isinstance(exc, BadInput):
        return {"kind": "BadInput", "message": exc.message, "field": exc.field, "line": exc.line,
                "file": exc.file}
    if isinstance(exc, DatabaseBusy):
        return {"kind": "DatabaseBusy", "pid": exc.pid}
    if isinstance(exc, MemoryError) or "out of memory" in str(exc).lower():
        return {"kind": "BadInput", "message": _memory_words(memory_mb), "file": file}
    return {"kind": type(exc).__name__, "message": str(exc)}


def main() -> None:
    wire = os.fdopen(os.dup(1), "w", buffering=1)  # the answers; a plugin's print goes to stderr
    os.dup2(2, 1)
    request = json.loads(sys.stdin.readline())
    memory_mb, cpu_s = request["memory_mb"], request["cpu_seconds"]
    _set_limits(memory_mb, cpu_s)
    threading.Thread(target=_die_with_parent, args=(request["folder"],), daemon=True).start()
    lock = threading.Lock()

    def send(msg: dict) -> None:
        with lock:
            wire.write(json.dumps(msg) + "\n")

    try:
        result = _import(request, send)
    except BaseException as exc:  # every failure is an answer; a plugin's SystemExit too
        if isinstance(exc, BadInput) and not exc.file:
            exc = BadInput(exc.message, field=exc.field, line=exc.line, file=request["path"])
        send({"error": _answer_of(exc, memory_mb, request["path"])})
        wire.flush()
        os._exit(1)
    send({"result": result})
    wire.flush()
    os._exit(0)  # no teardown: nothing is left to write


def _import(request: dict[str, Any], send: Callable[[dict], None]) -> dict[str, Any]:
    import time
    from dataclasses import asdict, replace
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from painboard import models
    from painboard.config import Settings
    from painboard.services import Painboard
    from painboard.store import connection

    if request.get("now"):
        models.freeze_clock(datetime.fromisoformat(request["now"]))
    connection.use_spill_folder(request["folder"], DUCKDB_MB)
    settings = Settings.load(db=request["db"], plugins_dir=request.get("plugins_dir"))
    if request.get("tz"):
        settings = replace(settings, tz=ZoneInfo(request["tz"]))
    pb = Painboard(settings)
    pb.db.retry_seconds = request.get("retry_seconds", pb.db.retry_seconds)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            send({"progress": [done, total]})

    r = pb.import_here(request["path"], request.get("format"), progress=progress,
                       options=request.get("options") or {}, folder=request["folder"])
    out = asdict(r)
    out["path"] = str(r.path)
    with open("/proc/self/status") as fh:  # the child's peak memory, for the benchmark and tests
        out["peak_rss_mb"] = next((int(ln.split()[1]) / 1024 for ln in fh if ln.startswith("VmHWM:")), None)
    return out


if __name__ == "__main__":
    main()
