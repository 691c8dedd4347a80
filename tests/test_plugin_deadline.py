"""Issue 10, item 2: plugin code never holds the database file past its deadline.

A stuck exporter is stopped and leaves no file while another process's write lands; a plugin
that is slow to import holds nothing; built-in work that keeps going is not cut off."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .conftest import sub_env
from painboard.deadline import Deadline, Overran, plugin_seconds, run_with_deadline

pytestmark = pytest.mark.usefixtures("fixed_env")

SLOW_EXPORTER = """\
import pathlib, time
from painboard.plugin_api import Exporter, hookimpl

def write(view, out):
    rows = list(view.iter_entries())
    out.write(b"partial\\n")
    out.flush()
    pathlib.Path({marker!r}).touch()   # the test's sign that the export is stuck holding the file
    time.sleep(20)
    out.write(b"more\\n")
    return len(rows)

@hookimpl
def register_exporters(register):
    register(Exporter(name="stuck", extension="txt", label="Stuck", write=write))
"""

SLOW_IMPORT = """\
import pathlib, time
pathlib.Path({marker!r}).touch()
time.sleep(8)
from painboard.plugin_api import hookimpl
"""


def painboard(*args: str, env: dict, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "painboard.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def wait_for(path: Path, proc: subprocess.Popen, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not path.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, f"{path} never appeared"
        time.sleep(0.05)


def intensities(db: Path, env: dict) -> list[int]:
    r = subprocess.run([sys.executable, "-m", "painboard.cli", "--db", str(db), "entries", "--json"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return sorted(e["intensity"] for e in json.loads(r.stdout))


@pytest.mark.system
@pytest.mark.slow
def test_a_stuck_exporter_lets_go_of_the_file_and_leaves_nothing(db_path, tmp_path):
    plugins, out_dir = tmp_path / "plugins", tmp_path / "out"
    plugins.mkdir(), out_dir.mkdir()
    marker = tmp_path / "stuck-now"
    (plugins / "stuck.py").write_text(SLOW_EXPORTER.format(marker=str(marker)))
    env = sub_env(PAINBOARD_DB=str(db_path), PAINBOARD_PLUGINS_DIR=str(plugins),
                  PAINBOARD_LOAD_PLUGINS="stuck", PAINBOARD_PLUGIN_SECONDS="2")
    assert subprocess.run([sys.executable, "-m", "painboard.cli", "log", "3"], env=env,
                          capture_output=True, timeout=60).returncode == 0
    target = out_dir / "report.txt"
    export = painboard("export", "stuck", "-o", str(target), env=env)
    wait_for(marker, export)  # the exporter holds the file and sleeps
    assert [p.name for p in out_dir.iterdir() if p.name.endswith(".part")]  # its temp file is there
    log = subprocess.run([sys.executable, "-m", "painboard.cli", "log", "4"], env=env,
                         capture_output=True, text=True, timeout=60)
    out, err = export.communicate(timeout=15)  # well before the plugin's 20 s sleep ends
    assert log.returncode == 0, log.stderr  # the other session's write landed within its retries
    assert export.returncode == 1, (out, err)
    assert "exporter 'stuck' did nothing for 2 s while holding the database" in err
    assert "nothing was written" in err and "Traceback" not in err
    assert list(out_dir.iterdir()) == []  # neither the file nor safe_output's temp file
    assert intensities(db_path, env) == [3, 4]


@pytest.mark.system
@pytest.mark.slow
def test_a_plugin_slow_to_import_holds_nothing(db_path, tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    marker = tmp_path / "importing-now"
    (plugins / "sleepy.py").write_text(SLOW_IMPORT.format(marker=str(marker)))
    env = sub_env(PAINBOARD_DB=str(db_path), PAINBOARD_PLUGINS_DIR=str(plugins))
    assert subprocess.run([sys.executable, "-m", "painboard.cli", "log", "3"], env=env,
                          capture_output=True, timeout=60).returncode == 0
    target = tmp_path / "all.csv"
    export = painboard("export", "csv", "-o", str(target), env={**env, "PAINBOARD_LOAD_PLUGINS": "sleepy"})
    wait_for(marker, export)  # loading the plugins, before any unit of work
    log = subprocess.run([sys.executable, "-m", "painboard.cli", "log", "4"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert log.returncode == 0, log.stderr
    assert export.poll() is None  # the write landed while the other process was still importing
    out, err = export.communicate(timeout=60)
    assert export.returncode == 0, err
    # The export read the database only after loading its plugins: it has the entry logged meanwhile.
    rows = list(csv.DictReader(target.open(newline="")))
    assert sorted(int(r["intensity"]) for r in rows) == [3, 4]


# -- the deadline itself ---------------------------------------------------------------------------
def test_sleeping_plugin_code_is_stopped_after_the_idle_time():
    release = threading.Event()
    t0 = time.monotonic()
    with pytest.raises(Overran, match="did nothing for 0.3 s"):
        run_with_deadline(lambda: release.wait(30), Deadline(0.3, idle=True, cap=60))
    assert time.monotonic() - t0 < 20  # stopped long before the code would have ended
    release.set()


@pytest.mark.slow
def test_plugin_code_that_keeps_computing_is_not_cut_off():
    def compute() -> int:  # about 1.5 s of pure Python, never touching the view
        end, n = time.thread_time() + 1.5, 0
        while time.thread_time() < end:
            n += 1
        return n

    assert run_with_deadline(compute, Deadline(0.3, idle=True, cap=60)) > 0


@pytest.mark.slow
def test_a_busy_loop_is_stopped_at_the_cap():
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            sum(range(1000))

    try:
        with pytest.raises(Overran, match="still running after 1 s"):
            run_with_deadline(loop, Deadline(0.3, idle=True, cap=1.0))
    finally:
        stop.set()


def test_metrics_share_one_total_limit():
    d = Deadline(0.5)
    release = threading.Event()
    run_with_deadline(lambda: time.sleep(0.3), d)
    with pytest.raises(Overran, match="still running after 0.5 s"):  # 0.3 s of the 0.5 s was used
        run_with_deadline(lambda: release.wait(30), d)
    release.set()


@pytest.mark.slow
def test_a_running_query_can_be_seen_from_the_waiting_thread(pb):
    """DuckDB may run a query on its own threads, using no processor time in the exporter's
    thread; the store's watch_queries lets the deadline see that a query is running."""
    from painboard.store import repository as repo

    heavy = "SELECT count(*) FROM (SELECT i % 1000 AS k, sum(i) FROM range(150000000) t(i) GROUP BY 1)"

    def samples(con) -> list[float]:
        t = threading.Thread(target=lambda: con.execute(heavy).fetchall())
        t.start()
        seen = []
        while t.is_alive():
            seen.append(con.query_progress())
            time.sleep(0.02)
        return seen

    with pb.db.unit_of_work() as con:
        assert max(samples(con)) == -1  # DuckDB says nothing by default
    with pb.db.unit_of_work() as con:
        repo.watch_queries(con)
        assert max(samples(con)) >= 0
        assert run_with_deadline(lambda: con.execute(heavy).fetchall(), Deadline(0.2, idle=True), con) == [(1000,)]


def test_the_setting_and_its_older_name(monkeypatch):
    monkeypatch.delenv("PAINBOARD_PLUGIN_SECONDS", raising=False)
    monkeypatch.delenv("PAINBOARD_METRIC_SECONDS", raising=False)
    assert plugin_seconds() == 5.0
    monkeypatch.setenv("PAINBOARD_METRIC_SECONDS", "3")
    assert plugin_seconds() == 3.0
    monkeypatch.setenv("PAINBOARD_PLUGIN_SECONDS", "7.5")
    assert plugin_seconds() == 7.5
    monkeypatch.setenv("PAINBOARD_PLUGIN_SECONDS", "soon")
    assert plugin_seconds() == 5.0


def test_the_plugin_thread_is_kept_for_the_next_runner_but_not_one_left_running():
    """A refresh every few seconds reuses one idle plugin thread instead of starting one each
    time; a thread still running an overrun call is never handed to the next runner."""
    from painboard.deadline import PluginRunner

    with PluginRunner(Deadline(5)) as r:
        first = r.run(threading.current_thread)
    with PluginRunner(Deadline(5)) as r:
        second = r.run(threading.current_thread)
    assert first is second and first is not threading.current_thread()

    release, seen = threading.Event(), []
    with PluginRunner(Deadline(0.2)) as r:
        with pytest.raises(Overran):
            r.run(lambda: (seen.append(threading.current_thread()), release.wait(30)))
    try:
        with PluginRunner(Deadline(5)) as r:
            after = r.run(threading.current_thread)
    finally:
        release.set()
    assert seen == [first] and after is not first and after.is_alive()
