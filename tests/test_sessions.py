"""Many sessions at once, as real OS processes: two dashboards, a loop of `painboard log`
and a large `painboard import`, all on one database file.

Nothing is lost (every row lands, counted exactly), nothing crashes, and each dashboard
shows the last write within 3 s. The dashboards run headless (`App.run_test`) in their own
processes and report what their top line shows, with a timestamp, whenever it changes.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

pytestmark = [pytest.mark.system, pytest.mark.slow]

PAINBOARD = Path(sys.executable).parent / "painboard"
LOOP_N = 12
IMPORT_ROWS = 40_000

DASHBOARD = r"""
import asyncio, json, os, sys, time
from painboard.config import Settings
from painboard.tui.app import PainboardApp

db, stop_file = sys.argv[1], sys.argv[2]

async def main():
    app = PainboardApp(Settings.load(db=db), poll_interval=1.0, cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        last = None
        give_up = time.monotonic() + 300
        while not os.path.exists(stop_file) and time.monotonic() < give_up:
            strips = app.screen._compositor.render_strips()
            top = strips[0].text if strips else ""
            if top != last:
                print(json.dumps({"t": time.time(), "top": top}), flush=True)
                last = top
            await asyncio.sleep(0.05)
        await pilot.press("q")
    print(json.dumps({"t": time.time(), "exit": app.return_code}), flush=True)

asyncio.run(main())
"""


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAINBOARD_")}
    # The real clock: every process must agree on "now" and on "today".
    env.update({"TZ": "UTC", "PAINBOARD_TZ": "UTC", "PAINBOARD_LOAD_PLUGINS": "", "HOME": str(tmp_path),
                "TEXTUAL_ANIMATIONS": "none"})
    return env


class Dashboard:
    """A headless dashboard process; a thread collects what its top line showed, and when."""

    def __init__(self, db: Path, stop_file: Path, env: dict):
        self.proc = subprocess.Popen([sys.executable, "-c", DASHBOARD, str(db), str(stop_file)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.seen: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.seen.append(json.loads(line))

    def first_time(self, text: str) -> float | None:
        return next((s["t"] for s in list(self.seen) if text in s.get("top", "")), None)

    def wait_for(self, text: str, timeout: float) -> float:
        deadline = time.monotonic() + max(timeout, 60)  # the time is measured, not waited for
        while (t := self.first_time(text)) is None:
            if self.proc.poll() is not None:
                raise AssertionError(f"dashboard exited early: {self.proc.stderr.read()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} within {timeout}s; top lines seen: "
                                     f"{[s.get('top') for s in self.seen][-5:]}")
            time.sleep(0.05)
        return t


def _write_csv(path: Path, rows: int) -> None:
    """Pain entries over the past two years, all older than anything logged during the test."""
    end = datetime.now(timezone.utc) - timedelta(days=1)
    step = timedelta(days=730) / rows
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["key", "occurred_at", "intensity", "sites", "note", "source"])
        for i in range(rows):
            at = end - step * (rows - i)
            w.writerow([f"imp-{i}", at.isoformat(timespec="seconds"), i % 11, "left hip, lower back",
                        f"imported {i}", "old app"])


def _painboard(env: dict, db: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([str(PAINBOARD), "--db", str(db), *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_two_dashboards_a_log_loop_and_an_import_at_once(tmp_path):
    env = _env(tmp_path)
    db = tmp_path / "shared.db"
    csv_path = tmp_path / "old-app.csv"
    _write_csv(csv_path, IMPORT_ROWS)
    first = _painboard(env, db, "log", "1", "--note", "first")
    assert first.returncode == 0, first.stderr

    stop = tmp_path / "stop"
    boards = [Dashboard(db, stop, env) for _ in range(2)]
    try:
        for b in boards:
            b.wait_for("now 1/10", 60)  # both are up and showing the data

        # At once: a loop of CLI writes (scores 0-8, never 10) and the import.
        loop = subprocess.Popen(
            ["bash", "-c", f'for i in $(seq 1 {LOOP_N}); do "{PAINBOARD}" --db "{db}" log $((i % 9)) '
                           f'--note "loop-$i" || exit 1; done'],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        imp = subprocess.Popen([str(PAINBOARD), "--db", str(db), "import", str(csv_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        loop_out, loop_err = loop.communicate(timeout=300)
        imp_out, imp_err = imp.communicate(timeout=300)
        assert loop.returncode == 0, loop_err
        assert loop_out.count("logged ") == LOOP_N
        assert imp.returncode == 0, imp_err
        assert f"{IMPORT_ROWS} of {IMPORT_ROWS} pain entries" in imp_out, imp_out

        # The last write: a score nothing else wrote.
        last = _painboard(env, db, "log", "10", "--note", "the last one")
        assert last.returncode == 0, last.stderr
        written = time.time()
        for b in boards:
            shown = b.wait_for("now 10/10", 10)
            assert shown - written <= 3.0, f"shown {shown - written:.2f}s after the last write"
    finally:
        stop.touch()
        outs = []
        for b in boards:
            try:
                b.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                b.proc.kill()
                b.proc.wait()
            b._reader.join(timeout=10)
            outs.append(b.proc.stderr.read())

    for b, err in zip(boards, outs):
        assert b.proc.returncode == 0 and "Traceback" not in err, err[-3000:]
        assert b.seen[-1].get("exit") == 0
        # Busy is fine while the import holds the file; an error state is not.
        assert not [s for s in b.seen if "offline" in s.get("top", "")]

    # Every entry landed, exactly once.
    rows = json.loads(_painboard(env, db, "entries", "--json").stdout)
    assert len(rows) == 1 + LOOP_N + IMPORT_ROWS + 1
    notes = [r["note"] for r in rows]
    assert sorted(n for n in notes if n.startswith("loop-")) == sorted(f"loop-{i}" for i in range(1, LOOP_N + 1))
    assert sum(1 for n in notes if n.startswith("imported ")) == IMPORT_ROWS
    assert len({n for n in notes if n.startswith("imported ")}) == IMPORT_ROWS
    assert notes.count("first") == 1 and notes.count("the last one") == 1
    newest = max(rows, key=lambda r: (r["occurred_at"], r["id"]))
    assert (newest["intensity"], newest["note"]) == (10, "the last one")
    check = _painboard(env, db, "check")
    assert check.returncode == 0 and "ok" in check.stdout, check.stdout + check.stderr
