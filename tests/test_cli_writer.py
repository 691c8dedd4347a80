"""`painboard log` as a person runs it: the console command, whose write is done by a child
forked before the CLI loads (store/writer.py, issue 22). The row lands in the real file with
the revision moved, in the same unit of work as ever; errors read and exit as before."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from painboard.entry import WRITES_ONE, command_of

from .conftest import heavy_loaded, hold

pytestmark = pytest.mark.usefixtures("fixed_env")

PAINBOARD = Path(sys.executable).parent / "painboard"


def run(db, *args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([str(PAINBOARD), "--db", str(db), *args], capture_output=True, text=True,
                          timeout=60, env=env)


def rows_and_revision(db) -> tuple[list[tuple], int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT id, intensity, sites, note, source FROM pain_entry ORDER BY id").fetchall()
        rev = int(con.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])
    finally:
        con.close()
    return rows, rev


def test_the_command_is_found_after_the_global_options():
    assert command_of(["log", "5"], env={}) == "log"
    assert command_of(["--db", "x.db", "--read-only", "log", "5"], env={}) == "log"
    assert command_of(["--db=x.db", "--plugins-dir", "p", "log"], env={}) == "log"
    assert command_of(["--db", "log", "entries"], env={}) == "entries"  # a file named log
    for args in ([], ["--help"], ["--version"], ["--db"], ["--bd", "x", "log"]):
        assert command_of(args, env={}) is None, args
    assert command_of(["log", "5"], env={"_PAINBOARD_COMPLETE": "bash_source"}) is None
    assert WRITES_ONE == ("log",)


@pytest.mark.system
def test_log_writes_the_row_and_moves_the_revision(db_path, child_env):
    first = run(db_path, "log", "5", "--site", "left hip", "--note", "after the stairs", env=child_env)
    assert first.returncode == 0, first.stderr
    # the test clock: Saturday 28 November 2026, 14:05 in London
    assert first.stdout == "logged 5/10 at Sat 28 Nov 14:05 (entry 1)\n"
    assert first.stderr == f"painboard: created a new database at {db_path} (there was none)\n"
    rows, rev = rows_and_revision(db_path)
    assert rows == [(1, 5, ["left hip"], "after the stairs", "manual")] and rev == 1
    second = run(db_path, "log", "7", env=child_env)
    assert (second.returncode, second.stdout, second.stderr) == (0, "logged 7/10 at Sat 28 Nov 14:05 (entry 2)\n", "")
    rows, rev = rows_and_revision(db_path)
    assert [r[:2] for r in rows] == [(1, 5), (2, 7)] and rev == 2
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700


@pytest.mark.system
def test_the_write_is_the_childs_and_this_process_loads_no_duckdb(db_path, child_env):
    code = ("import atexit, sys\n"
            "atexit.register(lambda: sys.stderr.write('DUCKDB %s' % ('duckdb' in sys.modules)))\n"
            f"sys.argv = ['painboard', '--db', {str(db_path)!r}, 'log', '4']\n"
            "from painboard.entry import main\nmain()\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=child_env)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "logged 4/10 at Sat 28 Nov 14:05 (entry 1)\n"
    assert r.stderr.endswith("DUCKDB False")
    assert rows_and_revision(db_path) == ([(1, 4, [], None, "manual")], 1)


@pytest.mark.system
@pytest.mark.parametrize("args, code, message", [
    (["log", "11"], 2, "painboard: intensity: must be a whole number from 0 to 10 (got 11)\n"),
    (["log", "5", "--duration", "-3"], 2, None),
    (["--read-only", "log", "5"], 1, "painboard: read-only session: writing is not allowed\n"),
])
def test_refusals_read_and_exit_as_in_the_cli(db_path, child_env, args, code, message):
    assert run(db_path, "log", "1", env=child_env).returncode == 0
    before = rows_and_revision(db_path)
    r = run(db_path, *args, env=child_env)
    from painboard.cli import cli

    same = CliRunner().invoke(cli, ["--db", str(db_path), *args])
    assert (r.returncode, r.stdout, r.stderr) == (code, "", same.stderr)
    assert message is None or r.stderr == message
    assert rows_and_revision(db_path) == before  # nothing written


@pytest.mark.system
def test_another_applications_file_is_refused_in_the_same_words(tmp_path, child_env):
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE notes (t VARCHAR)")
    con.close()
    r = run(other, "log", "5", env=child_env)
    from painboard.cli import cli

    same = CliRunner().invoke(cli, ["--db", str(other), "log", "5"])
    assert r.returncode == same.exit_code == 1
    assert r.stderr == same.stderr and r.stderr.startswith("painboard: ") and "Traceback" not in r.stderr
    con = duckdb.connect(str(other), read_only=True)
    assert [t[0] for t in con.execute("SHOW TABLES").fetchall()] == ["notes"]  # untouched
    con.close()


@pytest.mark.system
def test_a_held_file_is_waited_for_and_the_entry_lands(db_path, child_env):
    assert run(db_path, "log", "2", env=child_env).returncode == 0
    holder = hold(db_path, 1.0)
    try:
        t0 = time.monotonic()
        r = run(db_path, "log", "6", env=child_env)
        waited = time.monotonic() - t0
    finally:
        holder.wait(10)
    assert (r.returncode, r.stdout) == (0, "logged 6/10 at Sat 28 Nov 14:05 (entry 2)\n"), r.stderr
    assert waited > 0.5  # it really was held, and then it landed
    rows, rev = rows_and_revision(db_path)
    assert [r[:2] for r in rows] == [(1, 2), (2, 6)] and rev == 2


WRITE_HELD = """
import json, sys
from painboard.store import writer
writer.start_writer()
from painboard.config import Settings
from painboard.errors import DatabaseBusy
from painboard.services import Painboard
pb = Painboard(Settings.load(db=sys.argv[1]))
pb.db.retry_seconds = 0.3
try:
    pb.log_pain(intensity=8)
except DatabaseBusy as exc:
    print(json.dumps([type(exc).__name__, exc.pid, str(exc), 'duckdb' in sys.modules]))
"""


@pytest.mark.system
def test_a_file_held_too_long_is_busy_with_the_holders_pid(db_path, child_env):
    assert run(db_path, "log", "2", env=child_env).returncode == 0
    holder = hold(db_path, 3.0)
    try:
        r = subprocess.run([sys.executable, "-c", WRITE_HELD, str(db_path)], capture_output=True, text=True,
                           timeout=60, env=child_env)
    finally:
        holder.wait(10)
    assert r.returncode == 0, r.stderr
    name, pid, text, duckdb_here = json.loads(r.stdout)
    assert (name, pid, duckdb_here) == ("DatabaseBusy", holder.pid, False)  # raised from the child's answer
    assert text == f"database busy (held by PID {holder.pid}); try again in a moment"
    assert rows_and_revision(db_path)[1] == 1  # nothing written


@pytest.mark.system
def test_help_and_refusals_leave_no_spill_folder(db_path, child_env, tmp_path):
    env = dict(child_env, TMPDIR=str(tmp_path / "tmp"))
    os.mkdir(env["TMPDIR"])
    assert run(db_path, "log", "3", env=env).returncode == 0
    assert run(db_path, "log", "--help", env=env).returncode == 0
    assert run(db_path, "log", "12", env=env).returncode == 2
    deadline = time.monotonic() + 10  # a child let go without a write ends by itself
    while os.listdir(env["TMPDIR"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert os.listdir(env["TMPDIR"]) == []


END_NOW = """
import atexit, sys
from painboard.entry import _end_now
atexit.register(lambda: print("atexit ran", file=sys.stderr))
sys.stdout.write("buffered, not yet flushed")
_end_now({code})
print("not reached")
"""


@pytest.mark.parametrize("code, status, err", [("None", 0, ""), ("2", 2, ""), ("'a message'", 1, "a message\n")])
def test_the_quick_end_exits_as_sys_exit_would(code, status, err):
    r = subprocess.run([sys.executable, "-c", END_NOW.format(code=code)], capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stdout, r.stderr) == (status, "buffered, not yet flushed", err + "atexit ran\n")


def turn_holder(db) -> int:
    """The PID holding the file's turn (byte 1 of the sidecar <db>.lock, store/turns.py), or 0."""
    import fcntl
    import struct

    try:
        fd = os.open(f"{db}.lock", os.O_RDWR)
    except FileNotFoundError:  # made by the first unit of work that lines up
        return 0
    try:
        query = struct.pack("hhqqi", fcntl.F_WRLCK, os.SEEK_SET, 1, 1, 0)
        kind, _, _, _, pid = struct.unpack("hhqqi", fcntl.fcntl(fd, fcntl.F_GETLK, query))
    finally:
        os.close(fd)
    return 0 if kind == fcntl.F_UNLCK else pid


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")  # ended, not yet reaped


@pytest.mark.system
def test_a_stopped_log_writes_nothing(db_path, child_env):
    """SIGTERM while the child waits its turn for a held file: the child rolls back and ends."""
    assert run(db_path, "log", "2", env=child_env).returncode == 0
    holder = hold(db_path, 30)
    try:
        log = subprocess.Popen([str(PAINBOARD), "--db", str(db_path), "log", "9"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=child_env)
        deadline = time.monotonic() + 30
        while not (child := turn_holder(db_path)) and time.monotonic() < deadline:
            time.sleep(0.02)  # until the child holds the turn and retries the held file
        assert child and child != log.pid
        log.terminate()
        out, err = log.communicate(timeout=30)
        assert (log.returncode, out, err) == (128 + 15, "", "")
        while not gone(child) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert gone(child) and turn_holder(db_path) == 0
    finally:
        holder.kill()
        holder.wait(10)
    assert rows_and_revision(db_path) == ([(1, 2, [], None, "manual")], 1)


KILLED_BEFORE_READY = """
import os, signal, sys
from painboard.store import writer
writer.start_writer()
os.kill(writer._writer.pid, signal.SIGKILL)
os.waitpid(writer._writer.pid, 0)
from painboard.config import Settings
from painboard.services import Painboard
entry = Painboard(Settings.load(db=sys.argv[1])).log_pain(intensity=3)
print(entry.id, 'duckdb' in sys.modules)
"""


@pytest.mark.system
def test_a_child_gone_before_it_was_ready_leaves_the_write_here(db_path, child_env):
    assert run(db_path, "log", "2", env=child_env).returncode == 0
    r = subprocess.run([sys.executable, "-c", KILLED_BEFORE_READY, str(db_path)], capture_output=True, text=True,
                       timeout=60, env=child_env)
    assert (r.returncode, r.stdout) == (0, "2 True\n"), r.stderr  # written in this process
    rows, rev = rows_and_revision(db_path)
    assert [r[:2] for r in rows] == [(1, 2), (2, 3)] and rev == 2


def test_the_writer_forks_before_anything_heavy_is_loaded(fixed_env):
    # entry.py imports store/writer.py and forks before the CLI loads: neither loads DuckDB,
    # pydantic, click or Textual of its own, so the child and this process each load theirs.
    assert heavy_loaded("import painboard.entry, painboard.store.writer") == []


def test_errors_cross_the_pipe_as_the_same_errors():
    from painboard.errors import BadInput, DatabaseBusy, PainboardError, ReadOnly
    from painboard.safe_output import OutputRefused
    from painboard.store.writer import _described, _rebuilt

    def again(exc):
        return _rebuilt(json.loads(json.dumps(_described(exc))))  # plain data only

    busy = again(DatabaseBusy(4242))
    assert (type(busy), busy.pid, str(busy)) == (DatabaseBusy, 4242, "database busy (held by PID 4242); try again in a moment")
    bad = again(BadInput("must be a whole number", field="intensity", line=3))
    assert (type(bad), str(bad), bad.field, bad.line, bad.message) == (
        BadInput, "line 3, intensity: must be a whole number", "intensity", 3, "must be a whole number")
    ro = again(ReadOnly("writing"))
    assert (type(ro), str(ro)) == (ReadOnly, "read-only session: writing is not allowed")
    refused = again(OutputRefused("no"))  # painboard's, from outside errors.py: its nearest class there
    assert (type(refused), str(refused)) == (PainboardError, "no")
    full = again(OSError(28, "No space left on device", "/x/p.db"))
    assert (type(full), full.errno, full.strerror, full.filename) == (OSError, 28, "No space left on device", "/x/p.db")
    denied = again(PermissionError(13, "Permission denied"))
    assert (type(denied), denied.filename) == (PermissionError, None)
    bug = again(TypeError("unsupported operand"))
    assert (type(bug), str(bug)) == (TypeError, "unsupported operand")
    odd = again(type("Strange", (Exception,), {})("what"))
    assert (type(odd).__name__, str(odd)) == ("Strange", "what")
