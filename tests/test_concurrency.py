"""Real concurrency: several OS processes writing one file through the services at once."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

pytestmark = [pytest.mark.system, pytest.mark.slow, pytest.mark.usefixtures("fixed_env")]

PAINBOARD = Path(sys.executable).parent / "painboard"

WRITER = """
import sys
from painboard.config import Settings
from painboard.services import Painboard
path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
pb = Painboard(Settings.load(db=path))
print("ready", flush=True)
sys.stdin.readline()  # all start together
for i in range(n):
    pb.log_pain(intensity=i % 11, note=f"{tag}-{i}", source=f"proc-{tag}")
print("done", flush=True)
"""


def test_three_processes_logging_at_once_lose_nothing(db_path, make_pb, child_env):
    make_pb(db_path).db.init()
    n, tags = 20, ("a", "b", "c")
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db_path), t, str(n)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env)
             for t in tags]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.strip() == "done"
    pb = make_pb(db_path)
    rows = pb.entries()
    assert len(rows) == n * len(tags)
    assert Counter(r["source"] for r in rows) == {f"proc-{t}": n for t in tags}
    assert {r["note"] for r in rows} == {f"{t}-{i}" for t in tags for i in range(n)}
    assert len({r["id"] for r in rows}) == len(rows) and len({r["key"] for r in rows}) == len(rows)
    assert pb.db.revision() == n * len(tags)  # every write bumped it exactly once


LOOP = 'for i in $(seq 1 {n}); do "{exe}" --db "{db}" log $((i % 11)) --note "{tag}-$i" || exit 1; done'


def test_cli_processes_and_a_reader_at_once(db_path, make_pb, child_env):
    make_pb(db_path).db.init()
    n = 3
    writers = [subprocess.Popen(["bash", "-c", LOOP.format(n=n, exe=PAINBOARD, db=db_path, tag=t)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env)
               for t in ("x", "y")]
    reader = subprocess.Popen(["bash", "-c", f'for i in 1 2; do "{PAINBOARD}" --db "{db_path}" --read-only '
                                             f'entries --json >/dev/null || exit 1; done'],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env)
    for p in writers + [reader]:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    notes = sorted(r["note"] for r in make_pb(db_path).entries())
    assert notes == sorted(f"{t}-{i}" for t in ("x", "y") for i in range(1, n + 1))
