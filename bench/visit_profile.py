"""Profile one export or the metrics over a database, in the main thread (the CLI runs an
exporter in a worker thread, which cProfile and pyinstrument do not see).

    python bench/visit_profile.py DB markdown [--since 2023-01-01] [--top 25]
    python bench/visit_profile.py DB metrics --since 2024-06-01
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from datetime import date

from painboard.config import Settings
from painboard.services import Painboard


def run(db: str, what: str, since: date | None, top: int) -> None:
    pb = Painboard(Settings.load(db=db))
    pb.registry  # plugins load before the clock starts, as the CLI does
    prof = cProfile.Profile()
    t = time.perf_counter()
    with pb.db.unit_of_work() as con:
        prof.enable()
        if what == "metrics":
            pb._metrics_over(con, since, None)
        else:
            view = pb.period_view(con, since, None, default_days=None)
            pb.registry.exporter(what).write(view, io.BytesIO())
        prof.disable()
    print(f"{what}: {time.perf_counter() - t:.2f} s (profiled)")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(top)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("what")
    ap.add_argument("--since", type=date.fromisoformat)
    ap.add_argument("--top", type=int, default=30)
    a = ap.parse_args()
    run(a.db, a.what, a.since, a.top)
