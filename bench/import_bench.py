"""Import memory and speed, each against a floor measured in the same run on the same machine.

    python bench/import_bench.py                 # 1M-row CSV and JSON, a 1M-record Apple Health export
    python bench/import_bench.py --rows 100000 --health 100000 --runs 1
    python bench/import_bench.py --json

Each import runs as painboard runs it: in its child process (import_child), which reports its
own peak RSS (VmHWM). The floor is DuckDB's own read_csv inserting the same CSV into a new
file, run interleaved with ours (A B A B ...); the figure is the median, and the load average
over the run is printed beside it (figures move with load, ratios less). The files are made
here, written line by line (nothing from the network); a large Apple Health export has far
more other records than pain ones, as a real one does.

Not part of the test run: timings belong here, never in assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

HEADER = ("key,occurred_at,recorded_at,intensity,sites,qualities,pattern,activity,worse,better,"
          "duration_min,note,source,derived,original_level")

def _start(rows: int, step: int) -> int:
    """The first time of ``rows`` records ``step`` seconds apart, the last a day ago."""
    return int(time.time()) - 86400 - rows * step


def _iso(t: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))


def make_csv(path: Path, rows: int) -> None:
    """painboard's own CSV, as 'painboard export csv' writes it: one entry every 5 minutes."""
    start = _start(rows, 300)
    with open(path, "w") as fh:
        fh.write(HEADER + "\n")
        for i in range(rows):
            at = _iso(start + i * 300)
            note = f"after the walk {i}" if i % 50 == 0 else ""
            fh.write(f"bench-{i},{at},{at},{i % 11},left hip,aching,constant,,,,,{note},bench,false,\n")


def make_json(path: Path, rows: int) -> None:
    """painboard's own JSON export holding the same entries."""
    start = _start(rows, 300)
    with open(path, "w") as fh:
        fh.write('{\n"format": "painboard",\n"version": 1,\n"pain_entries": [\n')
        for i in range(rows):
            at = _iso(start + i * 300)
            rec = {"key": f"bench-{i}", "occurred_at": at, "recorded_at": at, "intensity": i % 11,
                   "sites": ["left hip"], "qualities": ["aching"], "pattern": "constant", "source": "bench"}
            fh.write(json.dumps(rec) + (",\n" if i < rows - 1 else "\n"))
        fh.write("]\n}\n")


def make_health(path: Path, records: int) -> None:
    """An Apple Health export.xml: step counts and heart rates, one pain record in ten."""
    start = _start(records, 60)
    with open(path, "w") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_GB">\n'
                 ' <ExportDate value="2025-12-10 20:00:00 +0000"/>\n')
        for i in range(records):
            at = time.strftime("%Y-%m-%d %H:%M:%S +0000", time.gmtime(start + i * 60))
            if i % 10 == 0:
                sev = ("Mild", "Moderate", "Severe")[i % 3]
                fh.write(f' <Record type="HKCategoryTypeIdentifierLowerBackPain" sourceName="Health" '
                         f'creationDate="{at}" startDate="{at}" endDate="{at}" '
                         f'value="HKCategoryValueSeverity{sev}"/>\n')
            else:
                kind = "StepCount" if i % 2 else "HeartRate"
                fh.write(f' <Record type="HKQuantityTypeIdentifier{kind}" sourceName="Watch" unit="count" '
                         f'creationDate="{at}" startDate="{at}" endDate="{at}" value="{60 + i % 90}">\n'
                         f'  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n </Record>\n')
        fh.write("</HealthData>\n")


def ours(path: Path, fmt: str, work: Path) -> tuple[float, float, int]:
    """One import into a new database through the child: (seconds, child's peak MB, rows added)."""
    from painboard import import_child
    from painboard.config import Settings
    from painboard.services import Painboard

    db = work / f"import-{time.monotonic_ns()}.db"
    Painboard(Settings.load(db=db)).db.init()
    t = time.perf_counter()
    r = import_child.run({"path": str(path), "format": fmt, "db": str(db)})
    dt = time.perf_counter() - t
    for p in (db, Path(f"{db}.wal"), Path(f"{db}.lock")):
        p.unlink(missing_ok=True)
    return dt, r["peak_rss_mb"], r["added"]["pain_entry"]


def floor(path: Path, work: Path) -> float:
    """DuckDB's own CSV reader inserting the same file into a new database file."""
    import duckdb

    db = work / f"floor-{time.monotonic_ns()}.db"
    con = duckdb.connect(str(db))
    t = time.perf_counter()
    con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, sample_size=-1)", [str(path)])
    dt = time.perf_counter() - t
    con.close()
    db.unlink()
    return dt


def bench(rows: int, work: Path, runs: int = 3, health: int = 0, with_json: bool = True) -> dict:
    """The figures: import_rss_mb and import_rows_ratio (1M-row CSV), and the rest."""
    os.environ.setdefault("PAINBOARD_LOAD_PLUGINS", "")
    csv_path = work / "entries.csv"
    make_csv(csv_path, rows)
    out: dict = {"import_rows": rows, "load": {}}
    times, peaks, floors = [], [], []
    l0 = os.getloadavg()[0]
    for _ in range(runs):  # interleaved, so drift in the machine's load hits both alike
        dt, peak, added = ours(csv_path, "csv", work)
        assert added == rows, (added, rows)
        times.append(dt)
        peaks.append(peak)
        floors.append(floor(csv_path, work))
    out["load"]["csv"] = round((l0 + os.getloadavg()[0]) / 2, 2)
    o, f = statistics.median(times), statistics.median(floors)
    out.update(import_rss_mb=max(peaks), import_rows_per_s=rows / o, import_floor_rows_per_s=rows / f,
               import_rows_ratio=f / o)
    if with_json:
        json_path = work / "entries.json"
        make_json(json_path, rows)
        l0 = os.getloadavg()[0]
        dt, peak, added = ours(json_path, "json", work)
        out["load"]["json"] = round((l0 + os.getloadavg()[0]) / 2, 2)
        out.update(import_json_rss_mb=peak, import_json_rows_per_s=added / dt, import_json_mb=json_path.stat().st_size / 1e6)
    if health:
        xml_path = work / "export.xml"
        make_health(xml_path, health)
        l0 = os.getloadavg()[0]
        dt, peak, added = ours(xml_path, "applehealth", work)
        out["load"]["health"] = round((l0 + os.getloadavg()[0]) / 2, 2)
        out.update(import_health_records=health, import_health_mb=xml_path.stat().st_size / 1e6,
                   import_health_rss_mb=peak, import_health_records_per_s=health / dt, import_health_added=added)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--health", type=int, default=1_000_000, help="records in the Apple Health export (0: none)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    os.environ.setdefault("PAINBOARD_CONFIG", "/nonexistent/painboard-bench-config.toml")
    with tempfile.TemporaryDirectory(prefix="painboard-import-bench-") as tmp:
        r = bench(a.rows, Path(tmp), a.runs, a.health)
    if a.json:
        print(json.dumps(r, indent=2))
        return
    ld = r["load"]
    print(f"import, {a.rows:,}-row CSV ({a.runs} runs, median; load {ld['csv']:.1f}):")
    print(f"  peak RSS of the import's process   {r['import_rss_mb']:8.0f} MB   (target <= 300)")
    print(f"  painboard                          {r['import_rows_per_s']:8,.0f} rows/s")
    print(f"  DuckDB read_csv, same file         {r['import_floor_rows_per_s']:8,.0f} rows/s")
    print(f"  ratio                              {r['import_rows_ratio']:8.2f}      (target >= 0.5)")
    print(f"import, same rows as painboard JSON ({r['import_json_mb']:.0f} MB; load {ld['json']:.1f}): "
          f"peak {r['import_json_rss_mb']:.0f} MB, {r['import_json_rows_per_s']:,.0f} rows/s")
    if a.health:
        print(f"import, Apple Health export.xml of {r['import_health_records']:,} records "
              f"({r['import_health_mb']:.0f} MB, {r['import_health_added']:,} pain; load {ld['health']:.1f}): "
              f"peak {r['import_health_rss_mb']:.0f} MB, {r['import_health_records_per_s']:,.0f} records/s")


if __name__ == "__main__":
    main()
