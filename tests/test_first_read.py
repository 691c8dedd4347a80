"""The dashboard's first read in a child process (first_read.py), in fresh processes.

Each case runs in a new Python, as `painboard` starts: a fork needs a process that has not
started DuckDB yet, which this test process has.
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from painboard.config import Settings
from painboard.demo import load_demo
from painboard.services import Painboard

from .conftest import sub_env

SCRIPT = r"""
import json, os, pickle, sys, threading, time
from painboard.config import Settings
from painboard.first_read import FirstRead
db, read_only, out, case = sys.argv[1], sys.argv[2] == "ro", sys.argv[3], sys.argv[4]
settings = Settings.load(db=db, read_only=read_only)
if case == "thread":
    stop = threading.Event()
    threading.Thread(target=stop.wait).start()
first = FirstRead.start(settings, 30, 8)
if case == "thread":
    stop.set()
report = {"forked": first is not None}
if first is not None:
    report["pid"] = first.pid
    if case == "cancel":
        first.cancel()
        snap = None
    else:
        t = time.monotonic()
        snap = first.take()
        report["take_s"] = time.monotonic() - t
    report["took"] = snap is not None
    report["heavy"] = sorted(m for m in ("duckdb", "pydantic", "painboard.services") if m in sys.modules)
    report["notices"] = first.notices
    if snap is not None:
        metrics = first.take_metrics()
        report["metrics"] = None if metrics is None else [metrics[0], [(m.name, m.text) for m in metrics[1]]]
    try:
        os.waitpid(first.pid, os.WNOHANG)
        report["reaped"] = False
    except ChildProcessError:
        report["reaped"] = True
    if snap is not None:
        with open(out, "wb") as f:
            pickle.dump(snap, f)
    report["again"] = first.take() is not None
report.setdefault("heavy", sorted(m for m in ("duckdb", "pydantic", "painboard.services") if m in sys.modules))
print("parent:", json.dumps(report))
"""


def _run(db: Path, tmp_path: Path, case: str = "take", read_only: bool = False, **env_extra: str):
    env = sub_env(**env_extra)  # the test clock and zone, as the fixed_env fixture gives this process
    out = tmp_path / "snapshot.pickle"
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(db), "ro" if read_only else "rw", str(out), case],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("parent: "), proc.stdout  # the child printed nothing
    assert proc.stderr == ""
    report = json.loads(lines[0].removeprefix("parent: "))
    snap = pickle.loads(out.read_bytes()) if out.exists() else None
    return report, snap


@pytest.fixture
def demo(tmp_path, fixed_env, built_once) -> Path:
    """30 demo days: built once, copied for each test."""
    return built_once("demo-30-3", tmp_path / "demo.db",
                      lambda path: load_demo(Painboard(Settings.load(db=path)), days=30, seed=3))


def test_the_child_reads_the_same_snapshot_as_a_refresh(demo, tmp_path):
    report, snap = _run(demo, tmp_path)
    assert report["forked"] and report["took"] and report["reaped"]
    assert report["again"] is False  # one snapshot, taken once
    # The parent never loaded DuckDB, pydantic or the services: the child did that work.
    assert report["heavy"] == []
    here = Painboard(Settings.load(db=demo)).snapshot(30, 8)
    assert snap.metrics is None  # the plugins' metrics come next, read by the child too
    # ... at the snapshot's revision, the same metrics a full refresh shows, in its order
    assert report["metrics"][0] == here.revision
    assert report["metrics"][1] == [[m.name, m.text] for m in here.metrics]
    assert ["average-pain", "5.0/10 over 7 days (23 entries, 5 reviews)"] in report["metrics"][1]
    assert snap.revision == here.revision and snap.revision > 0
    assert snap.today == here.today and snap.trend == here.trend
    assert snap.checklist == here.checklist and snap.recent == here.recent
    assert len(snap.recent) == 8 and len(snap.trend.days) == 30
    # And it is the dashboard's data, not an empty read: the demo's plan and entries.
    assert any("Morphine" in line.label for line in snap.checklist)


def test_the_child_leaves_no_spill_folder_behind(demo, tmp_path):
    # DuckDB's spill folder is removed at exit by an atexit handler, which the child's
    # os._exit does not run: it removes the folder itself.
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    report, snap = _run(demo, tmp_path, TMPDIR=str(tmp))
    assert report["forked"] and report["took"] and report["reaped"] and report["heavy"] == []
    assert list(tmp.iterdir()) == []


def test_a_failed_read_sends_nothing_and_leaves_no_process(tmp_path, fixed_env):
    missing = tmp_path / "nothing-here.db"  # read-only: the child cannot create it
    report, snap = _run(missing, tmp_path, read_only=True)
    assert report["forked"] and not report["took"] and report["reaped"]
    assert snap is None
    assert not missing.exists()


def test_no_fork_while_another_thread_runs(demo, tmp_path):
    report, snap = _run(demo, tmp_path, case="thread")
    assert report == {"forked": False, "heavy": []}
    assert snap is None


def test_cancel_ends_the_child(demo, tmp_path):
    report, snap = _run(demo, tmp_path, case="cancel")
    assert report["forked"] and not report["took"] and report["reaped"] and not report["again"]
    assert snap is None


def test_not_forked_once_duckdb_is_loaded(demo):
    # This test process has DuckDB loaded (the fixture used it): a fork would copy its
    # threads' locks half-held, so the dashboard reads in-process instead.
    from painboard.first_read import FirstRead

    assert "duckdb" in sys.modules
    assert FirstRead.start(Settings.load(db=demo), 30, 8) is None


def test_a_held_file_is_left_to_the_dashboard_at_once(demo, tmp_path):
    # Another process holds the database: the child does not wait in the file's queue (the
    # dashboard's own read retries and says who holds it); it sends nothing, quickly.
    # The holder keeps the file until the test lets it go (a state: a timed hold could end
    # before the child even tried, with both cores busy).
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; "
                               f"c = duckdb.connect({str(demo)!r}); print('held', flush=True); sys.stdin.read()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        report, snap = _run(demo, tmp_path)
    finally:
        holder.kill()
        holder.wait()
    assert report["forked"] and not report["took"] and report["reaped"] and snap is None
    assert report["take_s"] < 8  # the child's answer, not the 10 s a read waits in the queue


APP_SCRIPT = r"""
import asyncio, json, sys, time
from painboard.config import Settings
from painboard.tui.launch import start_first_read
settings = Settings.load(db=sys.argv[1])
first = start_first_read(settings)
from painboard.reading import Reading
from painboard.tui.app import PainboardApp
reads = []
real = Reading.snapshot
Reading.snapshot = lambda self, *a, **k: reads.append(1) or real(self, *a, **k)

async def main():
    app = PainboardApp(settings, first_read=first, poll_interval=None)
    async with app.run_test(size=(80, 24)) as pilot:
        while app.snapshot is None or app.snapshot.metrics is None:
            await pilot.pause(0.02)
        deadline = time.monotonic() + 60  # the figures drawn: a state, with a bound loose enough under load
        while time.monotonic() < deadline:
            body = str(app.main_screen.query_one("#today-body").render())
            if "Last 7 days" in body:
                break
            await pilot.pause(0.02)
        print(json.dumps({"forked": first is not None, "reads_here": len(reads),
                          "metrics": [m.name for m in app.snapshot.metrics][:2],
                          "shown": "Last 7 days" in body and "Average pain" in body}))
asyncio.run(main())
"""


@pytest.mark.slow
def test_the_dashboard_shows_the_metrics_the_child_read_without_a_read_of_its_own(demo):
    proc = subprocess.run([sys.executable, "-c", APP_SCRIPT, str(demo)], capture_output=True, text=True,
                          env=sub_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report == {"forked": True, "reads_here": 0, "metrics": ["average-pain", "worst-pain"],
                      "shown": True}


ORDER_SCRIPT = r"""
import asyncio, json, sys, time
from painboard.config import Settings
from painboard.tui.launch import start_first_read
settings = Settings.load(db=sys.argv[1])
first = start_first_read(settings)
from painboard.tui.app import PainboardApp
order = []

async def main():
    app = PainboardApp(settings, first_read=first, poll_interval=None)
    started, request = app._started, app.request_refresh
    app._started = lambda: order.append("figures drawn") or started()
    app.request_refresh = lambda: order.append("read asked" if app.snapshot else "first read") or request()
    async with app.run_test(size=(80, 24)) as pilot:
        while app.snapshot is None or app.snapshot.metrics is None:
            await pilot.pause(0.02)
        # "figures drawn" runs after the first figures' frame (call_after_refresh): under load the
        # metrics can come before it, so it is waited for too (with a bound), not read at once
        deadline = time.monotonic() + 60
        while len(order) < 3 and time.monotonic() < deadline:
            await pilot.pause(0.02)
        print(json.dumps({"forked": first is not None, "order": order[:3]}))
asyncio.run(main())
"""


@pytest.mark.slow
def test_the_metrics_are_waited_for_while_the_first_figures_are_drawn(demo):
    # The child sends the metrics right after the snapshot: the wait for them starts as the
    # snapshot is shown, not after its frame (a worker blocked on the pipe holds no GIL).
    proc = subprocess.run([sys.executable, "-c", ORDER_SCRIPT, str(demo)], capture_output=True, text=True,
                          env=sub_env(), timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report == {"forked": True, "order": ["first read", "read asked", "figures drawn"]}


def test_an_upgrade_in_the_child_is_said_in_the_dashboard(tmp_path, fixed_env):
    # The first read is the first open: an older file is upgraded there, with a checked copy
    # kept first; the child sends the store's notice with its snapshot, or nobody hears of it.
    from painboard.store import migrations

    from .test_backup_restore import make_old_database

    db = tmp_path / "old.db"
    make_old_database(db, version=1, entries=2)
    report, snap = _run(db, tmp_path)
    assert report["took"] and snap is not None
    [notice] = report["notices"]
    assert f"upgraded from schema 1 to {migrations.LATEST}; a checked copy of it as it was is kept at" in notice
    assert str(tmp_path) in notice
