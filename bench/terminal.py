"""Start a program the way a person does, in a real pseudo-terminal, and time what it shows.

The program runs in a new session whose controlling terminal is the slave side of a pty sized
80x24 (TERM=xterm-256color); this process reads the master side: exactly the byte stream a
terminal emulator would get. A frame is on the screen when its bytes are: each marker (a
run of text written in one style, so never cut by an escape sequence) is timed at the read
that brings its last byte, from just before the program was spawned (fork and exec included,
as after a keystroke). No terminal emulator in between: reads block in select() on the
master, so a write is seen within microseconds of the program making it; a screen emulator
(tmux capture-pane polling) would add its own parsing and polling interval to every figure.

A program that queries the terminal gets no answer, as under a terminal that does not
support the query (Textual carries on without).
"""

from __future__ import annotations

import fcntl
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

COLS, ROWS = 80, 24


def _tree_pids(pid: int) -> list[int]:
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                pids += [int(c) for c in f.read().split()]
    except (OSError, ValueError):
        pass
    return pids


def _field_kb(path: str, name: str) -> int:
    try:
        with open(path) as f:
            return next((int(x.split()[1]) for x in f if x.startswith(name)), 0)
    except (OSError, ValueError):
        return 0


def _tree_kb(pid: int) -> tuple[int, int]:
    """Resident KB of a process and its children now, summed (0 once it is gone): RSS, and PSS.

    A forked child shares the pages it inherited with its parent, and both share libraries
    with other processes: the RSS sum counts those pages once per process, PSS splits each
    shared page among the processes that map it (the tree's own share of memory)."""
    pids = _tree_pids(pid)
    return (sum(_field_kb(f"/proc/{p}/status", "VmRSS:") for p in pids),
            sum(_field_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids))


def _peak_kb(pid: int) -> int:
    return _field_kb(f"/proc/{pid}/status", "VmHWM:")


def _own_terminal() -> None:  # in the child, after setsid: the pty becomes its terminal
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def in_terminal(argv: list[str], markers: list[bytes], env: dict | None = None, timeout: float = 60.0,
                memory: bool = False, linger: float = 0.0) -> tuple[dict[bytes, float], float, float]:
    """Seconds from spawn to each marker on the terminal, and (``memory``) the peak RSS and
    the peak PSS of the process tree in MB (see _tree_kb).

    The program is killed (its whole session, SIGKILL) once every marker was shown, or, with
    ``linger``, that many seconds later (for its memory once it settles). With ``memory``
    the tree's RSS is sampled every 2 ms (it takes a core: off for the timings) and the
    program's own exact peak (VmHWM) read before the kill."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLS), "LINES": str(ROWS), **(env or {})}
    env.pop("TEXTUAL", None)
    seen: dict[bytes, float] = {}
    buf = bytearray()
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
                            preexec_fn=_own_terminal, close_fds=True)
    os.close(slave)
    tree_kb = pss_kb = 0
    try:
        end = t0 + timeout
        done_at = None
        while True:
            now = time.monotonic()
            if done_at is not None and now >= done_at + linger:
                break
            if now > end:
                missing = [m.decode() for m in markers if m not in seen]
                raise RuntimeError(f"{argv[0]}: not shown within {timeout:.0f} s: {missing}; "
                                   f"last output: {bytes(buf[-600:])!r}")
            wait = 0.002 if memory else min(end - now, 0.5)
            if select.select([master], [], [], wait)[0]:
                try:
                    chunk = os.read(master, 1 << 16)
                except OSError:  # the program ended: EIO on the master
                    chunk = b""
                if not chunk:
                    if proc.poll() is not None and done_at is None:
                        raise RuntimeError(f"{argv[0]} ended ({proc.returncode}) before showing "
                                           f"{[m for m in markers if m not in seen]}: {bytes(buf[-600:])!r}")
                    continue
                t = time.monotonic() - t0
                start = max(0, len(buf) - 64)
                buf += chunk
                for m in markers:
                    if m not in seen and buf.find(m, start) >= 0:
                        seen[m] = t
                if done_at is None and len(seen) == len(markers):
                    done_at = time.monotonic()
            if memory:
                rss, pss = _tree_kb(proc.pid)
                tree_kb, pss_kb = max(tree_kb, rss), max(pss_kb, pss)
        if memory:
            tree_kb = max(tree_kb, _peak_kb(proc.pid))
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        os.close(master)
    return seen, tree_kb / 1024, pss_kb / 1024


BARE_APP = '''\
"""The floor: a bare Textual app, started as a console command is."""
from textual.app import App
from textual.widgets import Static


class Bare(App):
    def compose(self):
        yield Static("bare floor app")


Bare().run()
'''

# The memory floors of the dashboard's two designs, on the same database file (argv[1]): the
# bare app with DuckDB reading in its own process, and the bare app with a child forked before
# Textual is imported reading with DuckDB (as the dashboard's first read does), alive until
# the app ends. DuckDB as painboard connects (one thread, an in-memory instance, the file
# attached); one query, the refresh floor's.
_DUCKDB_READ = '''\
def read(db):
    import duckdb
    con = duckdb.connect(":memory:", config={"threads": 1, "autoload_known_extensions": False})
    con.execute(f"ATTACH '{db}' AS floor (READ_ONLY)")
    return con.execute("SELECT max(occurred_at) FROM floor.pain_entry").fetchone()
'''

ONE_PROCESS_FLOOR_APP = _DUCKDB_READ + '''
import sys
from textual.app import App
from textual.widgets import Static


class Bare(App):
    def compose(self):
        read(sys.argv[1])
        yield Static("bare floor app")


Bare().run()
'''

FORKED_FLOOR_APP = _DUCKDB_READ + '''
import os
import sys

done, alive = os.pipe()
if os.fork() == 0:
    os.close(alive)
    read(sys.argv[1])
    os.read(done, 1)  # until the app ends (its end of the pipe closes)
    os._exit(0)
os.close(done)
from textual.app import App
from textual.widgets import Static


class Bare(App):
    def compose(self):
        yield Static("bare floor app")


Bare().run()
'''


def duckdb_floors_rss(db: Path, work: Path, runs: int) -> dict:
    """Peak RSS in MB of the bare app with DuckDB reading ``db`` in its own process, and with
    a forked child reading it (the dashboard's two designs without painboard), taken as the
    dashboard's (the tree's VmRSS summed, until the frame and a second after); medians,
    interleaved. The app files are written into ``work``."""
    apps = {"rss_floor_duckdb_mb": ONE_PROCESS_FLOOR_APP, "rss_floor_forked_mb": FORKED_FLOOR_APP}
    got: dict = {k: [] for k in apps}
    for _ in range(runs):
        for key, source in apps.items():
            path = work / f"{key}.py"
            path.write_text(source)
            got[key].append(in_terminal([sys.executable, str(path), str(db)], [b"bare floor app"],
                                        memory=True, linger=1.0)[1])
    return {k: statistics.median(v) for k, v in got.items()}
