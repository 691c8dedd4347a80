"""kill -9 of a `painboard import` of a large CSV, at random moments: all of it or none of it.

Real OS processes and real files. After each kill the database opens, `painboard check`
passes, and the import is there whole (every row) or not at all.
"""

from __future__ import annotations

import csv
import fcntl
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from painboard.config import Settings
from painboard.services import Painboard

from .conftest import REPO, sub_env

pytestmark = [pytest.mark.system, pytest.mark.slow, pytest.mark.usefixtures("fixed_env")]

N = 50_000


def _big_csv(path) -> None:
    t0 = datetime(2020, 1, 1, tzinfo=timezone.utc)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["key", "occurred_at", "intensity", "sites", "note"])
        for i in range(N):
            w.writerow([f"k{i}", (t0 + timedelta(minutes=17 * i)).isoformat(), i % 11,
                        "left hip, pelvis" if i % 3 else "lower back", f"row {i}" if i % 7 == 0 else ""])


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "painboard", *args], capture_output=True, text=True,
                          env=sub_env(), cwd=str(REPO), timeout=120, **kw)


def test_kill_9_of_an_import_leaves_all_or_nothing(tmp_path):
    src = tmp_path / "big.csv"
    _big_csv(src)
    # How long a whole import takes here, so the kills spread over reading, validating and writing.
    timing_db = tmp_path / "timing.db"
    t = time.monotonic()
    r = _cli("--db", str(timing_db), "import", str(src))
    full = time.monotonic() - t
    assert r.returncode == 0, r.stderr
    rng = random.Random(7)
    outcomes: list[int] = []
    writes_hit = 0
    for attempt in range(8):
        db = tmp_path / f"kill{attempt}.db"
        assert _cli("--db", str(db), "log", "2", "--note", "before").returncode == 0
        proc = subprocess.Popen([sys.executable, "-m", "painboard", "--db", str(db), "import", str(src)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=sub_env(), cwd=str(REPO))
        if attempt % 2 == 0:  # anywhere in the run: reading, validating or writing
            time.sleep(rng.uniform(0.1, 1.0) * full)
        else:  # inside the write: the import opens the database only for it, so wait for the lock
            deadline = time.monotonic() + 60
            while not _holds_db_lock(db) and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.03))
        in_write = _holds_db_lock(db)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        check = _cli("--db", str(db), "check")
        assert check.returncode == 0, check.stdout + check.stderr
        counts = Painboard(Settings.load(db=db)).counts()
        imported = counts["pain_entry"] - 1  # the entry logged before
        assert imported in (0, N), f"a killed import left {imported} of {N} rows"
        if imported:
            with Painboard(Settings.load(db=db)).db.unit_of_work() as con:
                keys = [k for (k,) in con.execute("SELECT key FROM pain_entry WHERE key LIKE 'k%' "
                                                  "ORDER BY id").fetchall()]
            assert keys == [f"k{i}" for i in range(N)]  # whole, and in file order
        outcomes.append(imported)
        writes_hit += in_write and imported == 0
        # and the file takes the import afterwards, exactly once
        again = _cli("--db", str(db), "import", str(src))
        assert again.returncode == 0, again.stderr
        assert Painboard(Settings.load(db=db)).counts()["pain_entry"] == N + 1
    assert 0 in outcomes, "no kill landed before the commit; the test proved nothing"
    assert writes_hit >= 2, f"only {writes_hit} kills landed inside the write transaction"


def _holds_db_lock(db) -> bool:
    """Whether another process holds DuckDB's lock on the file (it sets one while open)."""
    with open(db, "rb") as fh:
        try:
            fcntl.lockf(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.lockf(fh.fileno(), fcntl.LOCK_UN)
        return False
