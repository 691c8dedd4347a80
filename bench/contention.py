"""Measure the cost of a write: one `painboard log` process, one Painboard.log_pain call, and
log_pain under contention (several processes on one file). Not part of the test run.

    .venv/bin/python bench/contention.py [--procs 3] [--calls 200] [--cli-runs 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKER = """
import json, sys, time
from painboard.config import Settings
from painboard.services import Painboard
path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
pb = Painboard(Settings.load(db=path))
print("ready", flush=True)
sys.stdin.readline()
times = []
for i in range(n):
    t = time.perf_counter()
    pb.log_pain(intensity=i % 11, note=f"{tag}-{i}")
    times.append(time.perf_counter() - t)
print(json.dumps(times), flush=True)
"""


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def ms(x):
    return round(x * 1000, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--procs", type=int, default=3)
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--cli-runs", type=int, default=20)
    args = ap.parse_args()
    env = dict(os.environ, PAINBOARD_TZ="UTC", PAINBOARD_LOAD_PLUGINS="")
    exe = Path(sys.executable).parent / "painboard"
    out = {}
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "bench.db"
        # 1. wall time of a whole `painboard log` process
        subprocess.run([str(exe), "--db", str(db), "log", "1"], check=True, env=env, capture_output=True)
        walls = []
        for _ in range(args.cli_runs):
            t = time.perf_counter()
            subprocess.run([str(exe), "--db", str(db), "log", "3"], check=True, env=env, capture_output=True)
            walls.append(time.perf_counter() - t)
        out["cli_log_wall_ms"] = {"median": ms(statistics.median(walls)), "p95": ms(pct(walls, 0.95)),
                                  "runs": len(walls)}
        # 2. log_pain in-process, alone
        os.environ.update(env)
        from painboard.config import Settings
        from painboard.services import Painboard

        pb = Painboard(Settings.load(db=db))
        alone = []
        for i in range(50):
            t = time.perf_counter()
            pb.log_pain(intensity=i % 11)
            alone.append(time.perf_counter() - t)
        out["log_pain_alone_ms"] = {"median": ms(statistics.median(alone)), "p95": ms(pct(alone, 0.95))}
        # 3. contention: N processes x M calls on one file, started together
        before = pb.counts()["pain_entry"]
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(db), str(i), str(args.calls)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
                 for i in range(args.procs)]
        for p in procs:
            p.stdout.readline()
        t0 = time.perf_counter()
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        times = []
        for p in procs:
            o, _ = p.communicate()
            times += json.loads(o.strip().splitlines()[-1])
        total = time.perf_counter() - t0
        landed = pb.counts()["pain_entry"] - before
        out["contention"] = {"procs": args.procs, "calls_each": args.calls,
                             "median_ms": ms(statistics.median(times)), "p95_ms": ms(pct(times, 0.95)),
                             "max_ms": ms(max(times)), "rows_landed": landed,
                             "rows_expected": args.procs * args.calls, "wall_s": round(total, 2)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
