"""painboard's benchmarks, each against a floor measured in the same run on the same machine.

    python bench/run.py            # a table
    python bench/run.py --json     # one JSON object
    python bench/run.py --quick    # a smaller version, a few minutes

Each figure runs interleaved with its floor (A B A B ...), so drift in the machine's load hits
both alike; every figure is a median, and the load average while it ran is reported beside
it (figures move with load, ratios less). The data-size series times the 30-day, 1-year and
all-time refresh and the dashboard's peak RSS at 10k, 100k and 1M entries.

Not part of the test run: timings belong here, never in assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

TARGETS = {  # name: (target, "<=" or ">=")
    "startup_first_paint_ratio": (1.3, "<="),
    "startup_data_shown_ratio": (1.8, "<="),
    "refresh_ms_1m": (50, "<="),
    "refresh_ms_1m_year": (50, "<="),
    "refresh_ms_1m_all": (50, "<="),
    "import_ratio": (0.2, ">="),
    "quick_log_ms": (100, "<="),
    "rss_mb": (150, "<="),
    "import_rss_mb": (300, "<="),
    "import_rows_ratio": (0.5, ">="),
}

# Which run each target's figure comes from (for the load average shown beside it).
FIGURE_OF = {"startup_first_paint_ratio": "startup", "startup_data_shown_ratio": "startup",
             "refresh_ms_1m": "refresh", "refresh_ms_1m_year": "refresh", "refresh_ms_1m_all": "refresh",
             "import_ratio": "import", "quick_log_ms": "quick_log", "rss_mb": "rss",
             "import_rss_mb": "import_child", "import_rows_ratio": "import_child"}

# A bare Textual app that paints one widget and exits: the startup floor.
# Each child reports its own peak RSS (VmHWM starts afresh at exec, unlike ru_maxrss).
# Each child also says when its frame was drawn (CLOCK_MONOTONIC, shared by all processes):
# startup is timed from spawn to that frame, not to the process's end, whose teardown waits
# for work still running (painboard's first read is then in a thread-pool worker, which
# Python joins at exit; the floor has none).
PEAK_RSS = textwrap.dedent("""
    import atexit, sys, time
    def _peak():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                sys.stdout.write("peak_kb " + line.split()[1] + "\\n")
    atexit.register(_peak)
    _framed = []
    def frame_drawn():
        if not _framed:
            _framed.append(time.monotonic())
            sys.stdout.write(f"frame_at {_framed[0]!r}\\n")
""")

FLOOR_APP = PEAK_RSS + textwrap.dedent("""
    from textual.app import App
    from textual.widgets import Static
    class Floor(App):
        def compose(self):
            yield Static("painboard floor")
        def on_mount(self):
            self.call_after_refresh(self.drawn)
        def drawn(self):
            frame_drawn()
            self.exit()
    Floor().run(headless=True, size=(80, 24))
""")

# painboard's dashboard, exiting at first paint, once the first data is on screen ("data"), or
# once the metrics are too ("full"). Started as tui/launch.py's run_dashboard starts it, whose
# steps are repeated here because the app is subclassed after Textual is imported: collection
# paused, the first read forked before Textual is imported, the app given the first read and
# gc.enable for when the data is drawn.
PAINBOARD_APP = PEAK_RSS + textwrap.dedent("""
    import sys
    from painboard.config import Settings
    from painboard.tui.launch import pause_collection, start_first_read
    settings = Settings.load(db=sys.argv[1])
    pause_collection()
    first = start_first_read(settings)
    from painboard.tui.app import PainboardApp
    import inspect
    from pathlib import Path
    until = sys.argv[2]
    class Bench(PainboardApp):
        # a subclass defined here has no file: point at the app's own stylesheet
        CSS_PATH = str(Path(inspect.getfile(PainboardApp)).parent / PainboardApp.CSS_PATH)
        def on_mount(self):
            super().on_mount()
            if until == "paint":
                self.call_after_refresh(self.drawn)
            else:
                self.set_interval(0.002, self._shown)
        def _shown(self):
            # "data": the first figures drawn; "full": the plugins' metrics drawn too (the
            # dashboard as it stays, for its memory)
            if self.snapshot is not None and (until == "data" or self.snapshot.metrics is not None):
                self.call_after_refresh(self.drawn)
        def drawn(self):
            frame_drawn()
            self.exit()
    import gc
    Bench(settings, first_read=first, poll_interval=None, on_started=gc.enable).run(headless=True, size=(80, 24))
""")


def _tree_rss_kb(pid: int) -> int:
    """Resident KB of a process and its children now (0 once it is gone)."""
    total = 0
    try:
        pids = [pid]
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                pids += [int(c) for c in f.read().split()]
        for p in pids:
            with open(f"/proc/{p}/status") as f:
                total += next((int(x.split()[1]) for x in f if x.startswith("VmRSS:")), 0)
    except (OSError, ValueError):
        pass
    return total


def run_child(code: str, *args: str, memory: bool = False) -> tuple[float, float]:
    """Seconds from spawn to the child's frame, and with ``memory`` its peak RSS in MB: its own
    exact peak (VmHWM) or, if higher, the largest sum of it and its children (painboard's
    first-read process) seen together, sampled every 2 ms (off for the timings: the sampling
    takes a core)."""
    env = {**os.environ, "TEXTUAL_ANIMATIONS": "none"}
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    tree_kb = 0
    if memory:
        while proc.poll() is None:
            tree_kb = max(tree_kb, _tree_rss_kb(proc.pid))
            time.sleep(0.002)
    out, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"benchmark child failed: {err[-2000:]}")
    peak = [int(x.split()[1]) for x in out.splitlines() if x.startswith("peak_kb ")]
    frame = [float(x.split()[1]) for x in out.splitlines() if x.startswith("frame_at ")]
    if not frame:
        raise RuntimeError("benchmark child drew no frame")
    return frame[0] - t0, max([tree_kb, *peak]) / 1024


def median_of(fn, n: int) -> float:
    return statistics.median(fn() for _ in range(n))


def interleaved(fns: dict, n: int) -> dict:
    """Median of each of fns, called in turn n times (A B A B ...)."""
    times: dict = {k: [] for k in fns}
    for _ in range(n):
        for k, fn in fns.items():
            times[k].append(fn())
    return {k: statistics.median(v) for k, v in times.items()}


class Load:
    """The 1-minute load average over a figure's run: the mean of its start and end."""

    def __init__(self, results: dict, figure: str):
        self.results, self.figure = results, figure

    def __enter__(self):
        self.start = os.getloadavg()[0]

    def __exit__(self, *exc):
        self.results.setdefault("load", {})[self.figure] = round((self.start + os.getloadavg()[0]) / 2, 2)


def bench_startup(demo_db: Path, n: int) -> dict:
    floor, paint, shown = [], [], []
    run_child(FLOOR_APP)  # warm the file cache for both
    run_child(PAINBOARD_APP, str(demo_db), "paint")
    for _ in range(n):  # interleaved, so drift hits all three alike
        floor.append(run_child(FLOOR_APP)[0])
        paint.append(run_child(PAINBOARD_APP, str(demo_db), "paint")[0])
        shown.append(run_child(PAINBOARD_APP, str(demo_db), "data")[0])
    f = statistics.median(floor)
    return {"startup_floor_ms": f * 1000, "startup_first_paint_ms": statistics.median(paint) * 1000,
            "startup_data_shown_ms": statistics.median(shown) * 1000,
            "startup_first_paint_ratio": statistics.median(paint) / f,
            "startup_data_shown_ratio": statistics.median(shown) / f}


def refresh_figures(db: Path, n: int) -> dict:
    """30-day, 1-year and all-time refresh of one database, each interleaved with the floors:
    raw DuckDB open + one query + close, and attach + query + detach on a kept instance."""
    import duckdb

    from painboard.config import Settings
    from painboard.services import Painboard

    pb = Painboard(Settings.load(db=db))
    pb.snapshot(30)
    engine = duckdb.connect(":memory:", config={"autoload_known_extensions": False,
                                                "autoinstall_known_extensions": False})

    def refresh(days: int | None):
        def run() -> float:
            t = time.perf_counter()
            snap = pb.snapshot(days)
            assert snap.today is not None and snap.metrics is not None
            return time.perf_counter() - t
        return run

    def floor() -> float:  # raw DuckDB: open, one query, close
        t = time.perf_counter()
        con = duckdb.connect(str(db), config={"autoload_known_extensions": False})
        con.execute("SELECT max(occurred_at) FROM pain_entry").fetchone()
        con.close()
        return time.perf_counter() - t

    def floor_attach() -> float:  # the same on an instance kept for the process
        t = time.perf_counter()
        cur = engine.cursor()
        cur.execute(f"ATTACH '{db}' AS floor (READ_ONLY)")
        cur.execute("SELECT max(occurred_at) FROM floor.pain_entry").fetchone()
        cur.execute("DETACH floor")
        cur.close()
        return time.perf_counter() - t

    m = interleaved({"30": refresh(30), "floor": floor, "365": refresh(365), "floor_attach": floor_attach,
                     "all": refresh(None)}, n)
    return {"refresh_ms": m["30"] * 1000, "refresh_ms_year": m["365"] * 1000, "refresh_ms_all": m["all"] * 1000,
            "floor_ms": m["floor"] * 1000, "floor_attach_ms": m["floor_attach"] * 1000}


def bench_refresh(big_db: Path, n: int) -> dict:
    r = refresh_figures(big_db, n)
    return {"refresh_ms_1m": r["refresh_ms"], "refresh_ms_1m_year": r["refresh_ms_year"],
            "refresh_ms_1m_all": r["refresh_ms_all"], "refresh_floor_ms": r["floor_ms"],
            "refresh_floor_attach_ms": r["floor_attach_ms"], "refresh_ratio": r["refresh_ms"] / r["floor_ms"]}


def bench_series(dbs: dict[int, Path], n: int, rss_runs: int) -> dict:
    """How refresh and memory grow with the data: one row per size."""
    rows = {}
    for entries, db in dbs.items():
        r = refresh_figures(db, n)
        rss, floor_rss = [], []
        for _ in range(rss_runs):  # interleaved with the bare Textual app's
            floor_rss.append(run_child(FLOOR_APP, memory=True)[1])
            rss.append(run_child(PAINBOARD_APP, str(db), "full", memory=True)[1])
        rows[str(entries)] = {"refresh_ms_30d": r["refresh_ms"], "refresh_ms_1y": r["refresh_ms_year"],
                              "refresh_ms_all": r["refresh_ms_all"], "floor_ms": r["floor_ms"],
                              "rss_mb": statistics.median(rss), "rss_floor_mb": statistics.median(floor_rss),
                              "load": round(os.getloadavg()[0], 2)}
    return {"series": rows}


def bench_import(rows: int, work: Path) -> dict:
    import duckdb

    from make_db import build
    from painboard.config import Settings
    from painboard.services import Painboard

    src = build(work / "import-src.db", entries=rows, years=2, seed=3)
    csv_path = work / "entries.csv"
    src.export("csv", csv_path)
    n_rows = sum(1 for _ in open(csv_path)) - 1

    def ours() -> float:
        target = work / f"import-{time.monotonic_ns()}.db"
        pb = Painboard(Settings.load(db=target))
        pb.db.init()
        t = time.perf_counter()
        result = pb.import_file(csv_path, "csv")
        dt = time.perf_counter() - t
        assert result.added["pain_entry"] == n_rows, (result.added, n_rows)
        return dt

    def floor() -> float:  # DuckDB's own CSV reader inserting the same file
        target = work / f"floor-{time.monotonic_ns()}.db"
        con = duckdb.connect(str(target))
        t = time.perf_counter()
        # sample_size=-1: DuckDB sniffs the whole file (its 20,480-line sample misses the quoted
        # cells of the last 90 days in the 100k-row file and then fails on them)
        con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, sample_size=-1)", [str(csv_path)])
        dt = time.perf_counter() - t
        assert con.execute("SELECT count(*) FROM t").fetchone()[0] == n_rows
        con.close()
        return dt

    m = interleaved({"ours": ours, "floor": floor}, 3)
    o, f = m["ours"], m["floor"]
    return {"import_rows": n_rows, "import_rows_per_s": n_rows / o, "import_floor_rows_per_s": n_rows / f,
            "import_ratio": (n_rows / o) / (n_rows / f)}


def bench_quick_log(demo_db: Path, n: int) -> dict:
    """Keypress to saved and shown: a digit, then Enter once the form is up, until the
    screen's top line reads "now N/10". The header changes only after the save returned;
    each row is then checked in the database, outside the timing.

    Keys go in as Pilot sends them (a Key event to the headless driver) but without
    Pilot.press's wait for the whole process to go idle: that wait also covers the full
    refresh that follows every save, which is not what the person is waiting for.
    """
    from textual import events

    from painboard.config import Settings
    from painboard.services import Painboard
    from painboard.tui.app import PainboardApp
    from painboard.tui.dialogs.log_entry import LogEntryDialog

    pb = Painboard(Settings.load(db=demo_db))

    def top_line(app) -> str:  # what the terminal shows on its first row
        strips = app.screen._compositor.render_strips()
        return strips[0].text if strips else ""

    def key(app, k: str) -> None:
        event = events.Key(k, k if len(k) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)

    def form_ready(app) -> bool:
        return isinstance(app.screen, LogEntryDialog) and getattr(app.focused, "id", None) == "intensity"

    async def run() -> tuple[list[float], list[float]]:
        app = PainboardApp(Settings.load(db=demo_db), poll_interval=None, cursor_blink=False)
        times, forms = [], []
        async with app.run_test(size=(80, 24)) as pilot:
            while app.snapshot is None:
                await pilot.pause(0.01)
            shown = app.snapshot.today.now
            for i in range(n):
                await pilot.pause(0.3)  # idle, as between two presses by a person
                score = (shown + 3 + i) % 10 if shown is not None else i % 10
                if f"now {score}/10" in top_line(app):
                    score = (score + 1) % 10
                before = pb.counts()["pain_entry"]
                t = time.perf_counter()
                key(app, str(score))
                while not form_ready(app):
                    await asyncio.sleep(0.001)
                forms.append(time.perf_counter() - t)
                key(app, "enter")
                while f"now {score}/10" not in top_line(app):
                    await asyncio.sleep(0.001)
                times.append(time.perf_counter() - t)
                newest = pb.entries(newest_first=True, limit=1)[0]
                assert pb.counts()["pain_entry"] == before + 1 and newest["intensity"] == score, newest
                shown = score
                while app._refreshing or any(not w.is_finished for w in app.workers if w.group != "poll"):
                    await pilot.pause(0.01)  # the full refresh after the save, outside the timing
        return times, forms

    times, forms = asyncio.run(run())
    return {"quick_log_ms": statistics.median(times) * 1000,
            "quick_log_form_ms": statistics.median(forms) * 1000}


def bench_rss(big_db: Path, n: int = 3) -> dict:
    m = interleaved({"floor": lambda: run_child(FLOOR_APP, memory=True)[1],
                     "ours": lambda: run_child(PAINBOARD_APP, str(big_db), "full", memory=True)[1]}, n)
    return {"rss_mb": m["ours"], "rss_floor_mb": m["floor"]}


def big_database(entries: int, cache: Path) -> Path:
    """Built once per size and kept in the cache folder between runs."""
    from make_db import build

    path = cache / f"big-{entries}.db"
    if not path.exists():
        print(f"building a {entries:,}-entry database (once) ...", file=sys.stderr)
        tmp = cache / f"big-{entries}.partial.db"
        for p in (tmp, Path(f"{tmp}.wal")):
            p.unlink(missing_ok=True)
        build(tmp, entries=entries, years=10, seed=1)
        tmp.rename(path)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "painboard-bench")
    a = ap.parse_args()
    a.cache.mkdir(parents=True, exist_ok=True, mode=0o700)
    entries = 100_000 if a.quick else 1_000_000
    runs = 3 if a.quick else 7
    os.environ.setdefault("PAINBOARD_LOAD_PLUGINS", "")
    # Byte-compile painboard as an install does (Textual's files, the floor's, come compiled):
    # with PYTHONDONTWRITEBYTECODE set, an editable checkout recompiles every changed module in
    # every child, about 40 ms of each start.
    import compileall
    import painboard

    compileall.compile_dir(str(Path(painboard.__file__).parent), quiet=1)

    from painboard.config import Settings
    from painboard.demo import load_demo
    from painboard.services import Painboard

    results: dict = {"quick": a.quick, "entries": entries,
                     "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                     "when": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo_db = work / "demo.db"
        load_demo(Painboard(Settings.load(db=demo_db)), days=90, seed=7)
        sizes = (10_000, 100_000) if a.quick else (10_000, 100_000, 1_000_000)
        dbs = {n: big_database(n, a.cache) for n in sorted({*sizes, entries})}
        big = dbs[entries]
        with Load(results, "startup"):
            results.update(bench_startup(demo_db, runs))
        with Load(results, "refresh"):
            results.update(bench_refresh(big, runs * 3))
        with Load(results, "import"):
            results.update(bench_import(20_000 if a.quick else 100_000, work))
        with Load(results, "import_child"):  # bench/import_bench.py: the child's memory, 1M rows
            from import_bench import bench as bench_import_child

            got = bench_import_child(100_000 if a.quick else 1_000_000, work, 1 if a.quick else 3, with_json=False)
            results.update(import_rss_mb=got["import_rss_mb"], import_rows_ratio=got["import_rows_ratio"])
        with Load(results, "quick_log"):
            results.update(bench_quick_log(demo_db, 5 if a.quick else 10))
        with Load(results, "rss"):
            results.update(bench_rss(big))
        results.update(bench_series({n: dbs[n] for n in sizes}, runs, 1 if a.quick else 3))
    results["met"] = {k: (results[k] <= t if op == "<=" else results[k] >= t) for k, (t, op) in TARGETS.items()}
    if a.json:
        print(json.dumps(results, indent=2))
        return
    print(f"painboard benchmarks ({'quick, ' if a.quick else ''}{entries:,} entries) on {results['machine']}")
    print(f"{'figure (median)':<28}{'value':>10}  {'target':<8} met  load")
    for k, (t, op) in TARGETS.items():
        load = results["load"][FIGURE_OF[k]]
        print(f"{k:<28}{results[k]:>10.2f}  {op}{t:<6}  {'yes' if results['met'][k] else 'NO ':<3}  {load:.1f}")
    print(f"floors: bare Textual app {results['startup_floor_ms']:.0f} ms, raw DuckDB open+query+close "
          f"{results['refresh_floor_ms']:.1f} ms, DuckDB read_csv {results['import_floor_rows_per_s']:,.0f} rows/s, "
          f"bare Textual app RSS {results['rss_floor_mb']:.0f} MB")
    print(f"quick log: the form is up {results['quick_log_form_ms']:.0f} ms after the digit; the rest is "
          f"Enter to the row saved and 'now N/10' on screen")
    print(f"refresh floor on a kept instance (attach + query + detach): {results['refresh_floor_attach_ms']:.1f} ms")
    print(f"\n{'entries':>10}{'30 days ms':>12}{'1 year ms':>11}{'all ms':>9}{'floor ms':>10}{'RSS MB':>8}  load")
    for n, row in results["series"].items():
        print(f"{int(n):>10,}{row['refresh_ms_30d']:>12.1f}{row['refresh_ms_1y']:>11.1f}{row['refresh_ms_all']:>9.1f}"
              f"{row['floor_ms']:>10.1f}{row['rss_mb']:>8.0f}  {row['load']:.1f}")


if __name__ == "__main__":
    main()
