"""Wall time of the exports and the metrics through the CLI, two source trees interleaved.

    python bench/visit_times.py DB BEFORE_SRC [--rounds 3]

BEFORE_SRC is the ``src`` folder of the code to compare with (``git archive REV src | tar -x``);
the code under test is the installed painboard. Runs alternate before/after per command, so
a change in the machine's load hits both; the table gives each one's median in seconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = {
    "export markdown": ["export", "markdown", "-o", "{out}.md", "--force"],
    "export html": ["export", "html", "-o", "{out}.html", "--force"],
    "export json": ["export", "json", "-o", "{out}.json", "--force"],
    "export csv": ["export", "csv", "-o", "{out}.csv", "--force"],
    "metrics --since 1y --json": ["metrics", "--since", "1y", "--json"],
}


def once(args: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "painboard", *args], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {r.stderr}")
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("before_src")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    out = tempfile.mkdtemp(prefix="pb-times-")
    base = dict(os.environ, PAINBOARD_DB=a.db, PAINBOARD_TZ=os.environ.get("PAINBOARD_TZ", "Europe/London"))
    envs = {"before": dict(base, PYTHONPATH=a.before_src), "after": dict(base)}
    envs["after"].pop("PYTHONPATH", None)
    print(f"{'command':28} {'before':>8} {'after':>8}  (median of {a.rounds}, s; load {os.getloadavg()[0]:.1f})")
    for name, args in COMMANDS.items():
        times: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(a.rounds):
            for which in ("before", "after"):
                argv = [x.format(out=os.path.join(out, which)) for x in args]
                times[which].append(once(argv, envs[which]))
        print(f"{name:28} {statistics.median(times['before']):8.2f} {statistics.median(times['after']):8.2f}"
              f"   before {['%.1f' % x for x in times['before']]} after {['%.1f' % x for x in times['after']]}",
              flush=True)


if __name__ == "__main__":
    main()
