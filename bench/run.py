"""painboard's benchmarks, each against a floor measured in the same run on the same machine.

    python bench/run.py            # a table
    python bench/run.py --json     # one JSON object
    python bench/run.py --quick    # a smaller version, a few minutes

Each figure runs interleaved with its floor (each once a round; the in-process figures in an
order shuffled each round: bench/timing.py), so drift in the machine's load hits both alike;
every figure is a median, and the load average while it ran is reported beside it (figures
move with load, ratios less). Startup and memory are taken as a person starts
painboard: the installed console command in a real 80x24 pseudo-terminal (bench/terminal.py),
timed to the bytes of each frame, beside a bare Textual app started the same way. The full
run's data-size series times the 30-day, 1-year and all-time refresh and the dashboard's peak
RSS at 10k, 100k and 1M entries.

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
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report import print_markdown, print_table  # noqa: E402
from terminal import BARE_APP, duckdb_floors_rss, in_terminal  # noqa: E402
from timing import Load, interleaved  # noqa: E402

TARGETS = {  # name: (target, "<=" or ">="); issue 22's table
    "startup_terminal_paint_ratio": (1.3, "<="),
    "startup_terminal_data_ratio": (1.6, "<="),
    "startup_terminal_all_ratio": (2.0, "<="),
    "refresh_ratio_1m_30d": (1.2, "<="),
    "refresh_ratio_1m_year": (1.2, "<="),
    "refresh_ratio_1m_all": (1.2, "<="),
    "quick_log_ratio": (1.5, "<="),
    "cli_log_ratio": (1.3, "<="),
    "rss_mb": (100, "<="),
}

# With --import (the import pipeline's own figures, bench/import_bench.py).
IMPORT_TARGETS = {"import_ratio": (0.2, ">="), "import_rss_mb": (300, "<="), "import_rows_ratio": (0.5, ">=")}

# Which run each target's figure comes from (for the load average shown beside it).
FIGURE_OF = {"startup_terminal_paint_ratio": "startup", "startup_terminal_data_ratio": "startup",
             "startup_terminal_all_ratio": "startup", "refresh_ratio_1m_30d": "refresh",
             "refresh_ratio_1m_year": "refresh", "refresh_ratio_1m_all": "refresh",
             "quick_log_ratio": "quick_log", "cli_log_ratio": "cli_log", "rss_mb": "rss"}

# What each figure is measured against, in words (the table's floor column).
FLOOR_OF = {"startup": "bare Textual app, same terminal harness", "refresh": "DuckDB connect + query + close",
            "quick_log": "bare Textual Input echoing a key", "cli_log": "python -c: import duckdb, connect, insert",
            "rss": "absolute"}

# What the terminal shows: the first frame ("Today", the panel's title, drawn with "reading your
# log…"), the first figures ("rescue doses", a line of today's figures) and everything
# ("Last 7 days", the heading over the metrics, written only when they are there).
PAINT, DATA, ALL = b"Today", b"rescue doses", b"Last 7 days"
BARE_MARK = b"bare floor app"


def median_of(fn, n: int) -> float:
    return statistics.median(fn() for _ in range(n))


def painboard_command() -> list[str]:
    """The installed console command, as a shell finds it beside this Python."""
    return [str(Path(sys.executable).parent / "painboard")]


def bench_startup(demo_db: Path, bare: Path, n: int) -> dict:
    """``painboard`` and a bare Textual app, each started as a command in an 80x24 terminal,
    interleaved (A B A B): spawn to the first frame, the first figures and everything drawn."""
    ours = painboard_command() + ["--db", str(demo_db)]
    floor_cmd = [sys.executable, str(bare)]
    in_terminal(floor_cmd, [BARE_MARK])  # warm the file cache for both
    in_terminal(ours, [PAINT, DATA, ALL])
    floor, paint, data, full = [], [], [], []
    for _ in range(n):
        floor.append(in_terminal(floor_cmd, [BARE_MARK])[0][BARE_MARK])
        seen = in_terminal(ours, [PAINT, DATA, ALL])[0]
        paint.append(seen[PAINT])
        data.append(seen[DATA])
        full.append(seen[ALL])
    f = statistics.median(floor)
    out = {"startup_terminal_floor_ms": f * 1000}
    for name, times in (("paint", paint), ("data", data), ("all", full)):
        out[f"startup_terminal_{name}_ms"] = statistics.median(times) * 1000
        out[f"startup_terminal_{name}_ratio"] = statistics.median(times) / f
    return out


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
            "refresh_floor_attach_ms": r["floor_attach_ms"],
            "refresh_ratio_1m_30d": r["refresh_ms"] / r["floor_ms"],
            "refresh_ratio_1m_year": r["refresh_ms_year"] / r["floor_ms"],
            "refresh_ratio_1m_all": r["refresh_ms_all"] / r["floor_ms"]}


def dashboard_rss(db: Path, bare: Path, runs: int) -> tuple[float, float, float, float]:
    """Peak RSS in MB of ``painboard`` (its first-read process included) shown in the terminal
    until everything is drawn and a second after, and of the bare app; then the same as PSS
    (pages the two processes share counted once: terminal._tree_kb). Medians, interleaved."""
    ours = painboard_command() + ["--db", str(db)]
    rss, floor, pss, floor_pss = [], [], [], []
    for _ in range(runs):
        _, r, p = in_terminal([sys.executable, str(bare)], [BARE_MARK], memory=True, linger=0.5)
        floor.append(r)
        floor_pss.append(p)
        _, r, p = in_terminal(ours, [PAINT, DATA, ALL], memory=True, linger=1.0)
        rss.append(r)
        pss.append(p)
    return tuple(statistics.median(v) for v in (rss, floor, pss, floor_pss))


def bench_series(dbs: dict[int, Path], bare: Path, n: int, rss_runs: int) -> dict:
    """How refresh and memory grow with the data: one row per size."""
    rows = {}
    for entries, db in dbs.items():
        r = refresh_figures(db, n)
        rss, floor_rss, pss, _ = dashboard_rss(db, bare, rss_runs)
        rows[str(entries)] = {"refresh_ms_30d": r["refresh_ms"], "refresh_ms_1y": r["refresh_ms_year"],
                              "refresh_ms_all": r["refresh_ms_all"], "floor_ms": r["floor_ms"],
                              "rss_mb": rss, "rss_floor_mb": floor_rss, "pss_mb": pss,
                              "load": round(os.getloadavg()[0], 2)}
    return {"series": rows}


def bench_cli_log(demo_db: Path, work: Path, n: int) -> dict:
    """``painboard log 5``, the whole process, against ``python -c`` importing duckdb,
    connecting, inserting one row and closing: interleaved, medians."""
    import shutil

    db = work / "cli-log.db"
    shutil.copy(demo_db, db)
    floor_db = work / "cli-floor.db"
    setup = "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
    subprocess.run([sys.executable, "-c", setup + "c.execute('CREATE TABLE t (occurred TIMESTAMPTZ, n INTEGER)')",
                    str(floor_db)], check=True)
    insert = setup + "c.execute('INSERT INTO t VALUES (now(), 5)'); c.close()"

    def timed(argv: list[str]):
        def run() -> float:
            t = time.monotonic()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            return time.monotonic() - t
        return run

    timed(painboard_command() + ["--db", str(db), "log", "5"])()  # warm the file cache
    m = interleaved({"floor": timed([sys.executable, "-c", insert, str(floor_db)]),
                     "ours": timed(painboard_command() + ["--db", str(db), "log", "5"])}, n)
    return {"cli_log_ms": m["ours"] * 1000, "cli_log_floor_ms": m["floor"] * 1000,
            "cli_log_ratio": m["ours"] / m["floor"]}


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


def _key(app, k: str) -> None:
    """A key as Pilot sends it (a Key event to the headless driver), without Pilot.press's wait
    for the whole process to go idle (which would include the full refresh after a save)."""
    from textual import events

    event = events.Key(k, k if len(k) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)


def _screen_lines(app) -> list[str]:  # what the terminal shows, row by row
    return [strip.text for strip in app.screen._compositor.render_strips()]


class Frames:
    """Times the frames an app sends to its terminal. Headless, Textual computes each update
    and writes nothing: here each is turned into the bytes a terminal would be sent (the work a
    real run does) and timed; then, in the same step, the screen is read for what a round
    waits for. The time taken is the frame's, so reading the screen (all of it, costlier on
    a full dashboard than on one Input) is not counted, and nothing is seen before it is sent.
    The same for painboard and its floor."""

    def __init__(self, app) -> None:
        self.app, self.want, self.shown_at = app, None, None
        real = app._display

        def display(screen, renderable) -> None:
            real(screen, renderable)
            if renderable is None or screen is not app.screen:
                return
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(app.console)
            sent = time.perf_counter()
            if self.want is not None and self.shown_at is None and self.want():
                self.shown_at = sent

        app._display = display

    async def until(self, want) -> float:
        """The time of the first frame after which the screen shows ``want``."""
        self.want, self.shown_at = want, None
        while self.shown_at is None:
            await asyncio.sleep(0.001)
        self.want = None
        return self.shown_at


def _quick_line_shows(app, score: int) -> bool:
    """The dashboard's quick log line ("Log pain now  7  Enter saves …") shows the score."""
    return any(line.partition("Log pain now")[2].split()[:1] == [str(score)] for line in _screen_lines(app))


async def quick_log_round(demo_db: Path, keys: int) -> tuple[list[float], list[float]]:
    """A digit typed on the dashboard until a frame shows it on the quick log line (the figure
    set against a bare Input's echo), then Enter until a frame's top line reads "now N/10"
    (saved and shown: the header changes only after the save returned). Each row is then
    checked in the database, outside the timing."""
    from painboard.config import Settings
    from painboard.services import Painboard
    from painboard.tui.app import PainboardApp

    pb = Painboard(Settings.load(db=demo_db))
    app = PainboardApp(Settings.load(db=demo_db), poll_interval=None, cursor_blink=False)
    times, forms = [], []
    async with app.run_test(size=(80, 24)) as pilot:
        frames = Frames(app)
        while app.snapshot is None or app.snapshot.metrics is None:
            await pilot.pause(0.01)
        shown = app.snapshot.today.now
        for i in range(keys):
            await pilot.pause(0.3)  # idle, as between two presses by a person
            score = (shown + 3 + i) % 10 if shown is not None else i % 10
            if f"now {score}/10" in _screen_lines(app)[0]:
                score = (score + 1) % 10
            before = pb.counts()["pain_entry"]
            t = time.perf_counter()
            _key(app, str(score))  # read by the app once this round awaits: after `until` is set
            # the score drawn on the quick log line: what the bare Input's echo is set against
            forms.append(await frames.until(lambda: _quick_line_shows(app, score)) - t)
            _key(app, "enter")
            times.append(await frames.until(lambda: f"now {score}/10" in _screen_lines(app)[0]) - t)
            newest = pb.entries(newest_first=True, limit=1)[0]
            assert pb.counts()["pain_entry"] == before + 1 and newest["intensity"] == score, newest
            assert not _quick_line_shows(app, score)  # the line is free for the next score
            shown = score
            while app._refreshing or any(not w.is_finished for w in app.workers if w.group != "poll"):
                await pilot.pause(0.01)  # the full refresh after the save, outside the timing
    return times, forms


async def echo_round(keys: int) -> list[float]:
    """The floor: a bare Textual Input, a digit typed until the screen shows it."""
    from textual.app import App
    from textual.widgets import Input

    class Echo(App):
        def compose(self):
            yield Input(id="echo")

    app = Echo()
    times = []
    async with app.run_test(size=(80, 24)) as pilot:
        frames = Frames(app)
        for i in range(keys):
            app.query_one(Input).value = ""
            await pilot.pause(0.3)
            digit = str((i + 3) % 10)
            t = time.perf_counter()
            _key(app, digit)
            shown = await frames.until(lambda: any(line.strip(" ▎▊▍▌▋█") == digit for line in _screen_lines(app)))
            times.append(shown - t)
    return times


def bench_quick_log(demo_db: Path, rounds: int, keys: int = 2) -> dict:
    """Rounds of the bare Input and painboard's quick log, interleaved (A B A B), medians."""
    ours, forms, floor = [], [], []
    for _ in range(rounds):
        floor += asyncio.run(echo_round(keys))
        t, f = asyncio.run(quick_log_round(demo_db, keys))
        ours += t
        forms += f
    o, fl = statistics.median(ours), statistics.median(floor)
    shown = statistics.median(forms)
    return {"quick_log_shown_ms": shown * 1000, "quick_log_saved_ms": o * 1000,
            "quick_log_floor_ms": fl * 1000, "quick_log_ratio": shown / fl}


def bench_rss(big_db: Path, bare: Path, n: int = 3) -> dict:
    ours, floor, pss, floor_pss = dashboard_rss(big_db, bare, n)
    return {"rss_mb": ours, "rss_floor_mb": floor, "pss_mb": pss, "pss_floor_mb": floor_pss,
            **duckdb_floors_rss(big_db, bare.parent, n)}


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


def byte_compile() -> str:
    """Byte-compile painboard as an install does, and say whether its dependencies are.

    pip compiles what it installs, but an editable checkout's modules are compiled only when
    first imported, and with PYTHONDONTWRITEBYTECODE set (as on this machine) never: every
    start then compiles them again, about 40 ms."""
    import compileall
    import textual

    import painboard

    compileall.compile_dir(str(Path(painboard.__file__).parent), quiet=1)
    deps = Path(textual.__file__).parent / "__pycache__"
    return "painboard compiled here; dependencies " + ("compiled by pip" if deps.is_dir() else "NOT compiled")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--markdown", action="store_true", help="the README's table rows")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--import", dest="with_import", action="store_true",
                    help="also time a CSV import against DuckDB's read_csv")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "painboard-bench")
    a = ap.parse_args()
    a.cache.mkdir(parents=True, exist_ok=True, mode=0o700)
    entries = 100_000 if a.quick else 1_000_000
    runs = 5 if a.quick else 11
    # The built-in plugins only (a person who installed painboard alone); no settings file of
    # this machine's user: a folder of the run's own.
    os.environ.setdefault("PAINBOARD_LOAD_PLUGINS", "")
    from painboard.config import Settings
    from painboard.demo import load_demo
    from painboard.services import Painboard

    results: dict = {"quick": a.quick, "entries": entries, "compiled": byte_compile(),
                     "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                     "when": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if a.quick:
        results["note"] = (f"--quick: the refresh_ratio_1m_* and rss_mb figures are taken on a "
                           f"{entries:,}-entry database, not 1,000,000")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
            os.environ[var] = str(work / var.lower())
        bare = work / "bare_app.py"
        bare.write_text(BARE_APP)
        demo_db = work / "demo.db"
        load_demo(Painboard(Settings.load(db=demo_db)), days=90, seed=7)
        sizes = (10_000, 100_000) if a.quick else (10_000, 100_000, 1_000_000)
        dbs = {n: big_database(n, a.cache) for n in sorted({*sizes, entries})}
        big = dbs[entries]
        with Load(results, "startup"):
            results.update(bench_startup(demo_db, bare, runs))
        with Load(results, "refresh"):
            results.update(bench_refresh(big, runs * 2))
        with Load(results, "quick_log"):
            results.update(bench_quick_log(demo_db, 3 if a.quick else 5))
        with Load(results, "cli_log"):
            results.update(bench_cli_log(demo_db, work, runs))
        with Load(results, "rss"):
            results.update(bench_rss(big, bare))
        if a.with_import:  # not among issue 22's figures; minutes at 1M rows
            with Load(results, "import"):
                results.update(bench_import(20_000 if a.quick else 100_000, work))
            with Load(results, "import_child"):  # bench/import_bench.py: the child's memory, 1M rows
                from import_bench import bench as bench_import_child

                got = bench_import_child(100_000 if a.quick else 1_000_000, work, 1 if a.quick else 3,
                                         with_json=False)
                results.update(import_rss_mb=got["import_rss_mb"], import_rows_ratio=got["import_rows_ratio"])
        if not a.quick:
            results.update(bench_series({n: dbs[n] for n in sizes}, bare, runs, 3))
    results["met"] = {k: (results[k] <= t if op == "<=" else results[k] >= t) for k, (t, op) in TARGETS.items()}
    results["met"].update({k: (results[k] <= t if op == "<=" else results[k] >= t)
                           for k, (t, op) in IMPORT_TARGETS.items() if k in results})
    if a.json:
        print(json.dumps(results, indent=2))
        return
    print_markdown(results) if a.markdown else print_table(results)


if __name__ == "__main__":
    main()
