"""Import, export and metrics through the registry, on real files and real DuckDB databases."""

from __future__ import annotations

import csv
import json
import os
import shutil
from datetime import date, timedelta

import duckdb
import pytest
from click.testing import CliRunner

from painboard.cli import cli
from painboard.errors import BadInput
from painboard.plugins import Exporter, Metric, MetricValue, PluginError, load_registry

from .conftest import NOW, REPO, fake_plugin, make_pb

pytestmark = pytest.mark.usefixtures("imports_in_process")  # what it reads, not the child: see /conftest.py

ENTRY_Q = "SELECT * EXCLUDE (id) FROM pain_entry ORDER BY key"


def rows(pb, sql=ENTRY_Q):
    with pb.db.unit_of_work() as con:
        return con.execute(sql).fetchall()


def test_csv_round_trip_same_entries_and_reimport_adds_nothing(demo_pb, tmp_path):
    out = tmp_path / "out" / "log.csv"
    out.parent.mkdir()
    r = demo_pb.export("csv", out)
    assert r.count == len(rows(demo_pb)) > 50
    assert out.stat().st_mode & 0o777 == 0o600
    assert os.listdir(out.parent) == ["log.csv"]  # no temp file left

    fresh = make_pb(tmp_path, "fresh.db")
    first = fresh.import_file(out)
    assert first.format == "csv" and first.added["pain_entry"] == r.count
    assert rows(fresh) == rows(demo_pb)
    again = fresh.import_file(out)
    assert again.added["pain_entry"] == 0 and again.read["pain_entry"] == r.count
    assert fresh.counts()["pain_entry"] == r.count


def test_json_round_trip_carries_everything(demo_pb, tmp_path):
    out = tmp_path / "all.json"
    demo_pb.export("json", out)
    fresh = make_pb(tmp_path, "fresh.db")
    fresh.import_file(out)
    assert fresh.counts() == demo_pb.counts()
    assert rows(fresh) == rows(demo_pb)
    ep_q = ("SELECT e.onset, e.peak, e.type, e.key, r.key FROM episode e "
            "LEFT JOIN plan_event r ON r.id = e.rescue_event_id ORDER BY e.key")
    assert rows(fresh, ep_q) == rows(demo_pb, ep_q)
    rv_q = "SELECT * EXCLUDE (recorded_at) FROM daily_review ORDER BY day"
    assert rows(fresh, rv_q) == rows(demo_pb, rv_q)
    ev_q = "SELECT i.name, e.done_at, e.status, e.amount, e.key FROM plan_event e JOIN plan_item i ON i.id = e.item_id ORDER BY e.key"
    assert rows(fresh, ev_q) == rows(demo_pb, ev_q)
    before = fresh.counts()
    r = fresh.import_file(out)
    assert r.count == 0 and fresh.counts() == before


def test_malformed_csv_imports_nothing_and_names_file_line_field(pb, tmp_path):
    good = tmp_path / "g.csv"
    good.write_text("key,occurred_at,intensity\nk0,2026-11-01T08:00:00+01:00,2\n")
    pb.import_file(good)
    rev = pb.revision()
    bad = tmp_path / "bad.csv"
    lines = ["key,occurred_at,intensity,sites"] + [f"k{i},2026-11-02T{i % 24:02d}:00:00+01:00,{i % 11},hip"
                                                    for i in range(1, 60)]
    lines[41] = "k41,2026-11-02T17:00:00+01:00,eleven,hip"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(BadInput) as e:
        pb.import_file(bad)
    assert (e.value.file, e.value.line, e.value.field) == (str(bad), 42, "intensity")
    assert pb.counts()["pain_entry"] == 1 and pb.revision() == rev

    for text, line, field in [
        ("occurred_at,intensity\n2026-11-02T08:00:00,3\n", 2, "occurred_at"),          # no zone
        ("occurred_at,intensity\n2026-11-02T08:00:00Z,3\n2027-01-01T00:00:00Z,3\n", 3, "occurred_at"),  # future
        ("occurred_at,intensity,mood\n2026-11-02T08:00:00Z,3,ok\n", 1, "mood"),        # unknown column
        ("occurred_at,intensity\n2026-11-02T08:00:00Z,3,4\n", 2, "row"),               # extra cell
        ("occurred_at,intensity,duration_min\n2026-11-02T08:00:00Z,3,-5\n", 2, "duration_min"),
    ]:
        bad.write_text(text)
        with pytest.raises(BadInput) as e:
            pb.import_file(bad, fmt="csv")
        assert (e.value.line, e.value.field) == (line, field), text
    assert pb.counts()["pain_entry"] == 1

    r = CliRunner().invoke(cli, ["--db", str(pb.db.path), "import", str(REPO / "examples/data/bad-entries.csv")])
    assert r.exit_code == 2
    assert "bad-entries.csv, line 3, intensity: must be a whole number from 0 to 10 (got 11)" in r.stderr
    assert pb.counts()["pain_entry"] == 1


def test_malformed_json_names_line(demo_pb, tmp_path):
    out = tmp_path / "all.json"
    demo_pb.export("json", out)
    lines = out.read_text().splitlines()
    i = next(n for n, l in enumerate(lines) if '"peak": ' in l)
    lines[i] = lines[i].replace('"peak": ', '"peak": 12, "was": ', 1)  # peak 12 is the first fault
    out.write_text("\n".join(lines))
    fresh = make_pb(tmp_path, "fresh.db")
    with pytest.raises(BadInput) as e:
        fresh.import_file(out)
    assert (e.value.line, e.value.field) == (i + 1, "peak")
    assert sum(fresh.counts().values()) == 0


def test_rows_without_key_dedupe_by_content(pb, tmp_path):
    f = tmp_path / "nokey.csv"
    f.write_text("occurred_at,intensity,sites\n2026-11-02T08:00:00+01:00,3,Left Hip\n"
                 "2026-11-02T09:00:00+01:00,4,left hip\n")
    assert pb.import_file(f).added["pain_entry"] == 2
    assert pb.import_file(f).added["pain_entry"] == 0
    got = pb.entries()
    assert [(e["intensity"], e["sites"], e["source"]) for e in got] == [
        (3, ["left hip"], "import:nokey.csv"), (4, ["left hip"], "import:nokey.csv")]
    assert all(e["key"].startswith("h-") for e in got)


def test_importer_that_raises_imports_nothing(tmp_path):
    from painboard.plugins import Importer, Row

    def read(source):
        yield Row("pain_entry", {"occurred_at": "2026-11-01T08:00:00Z", "intensity": 3}, 1)
        raise OSError("device went away")

    def register_importers(register):
        register(Importer(name="flaky", label="Flaky", sniff=lambda h, n: False, read=read))

    pb = make_pb(tmp_path, extra=[("flaky", fake_plugin("flaky", register_importers=register_importers))])
    f = tmp_path / "x.txt"
    f.write_text("whatever")
    with pytest.raises(PluginError, match="importer 'flaky' failed: OSError: device went away"):
        pb.import_file(f, fmt="flaky")
    assert pb.counts()["pain_entry"] == 0
    with pytest.raises(BadInput, match="cannot tell what kind of file"):
        pb.import_file(f)


def test_exporter_that_raises_halfway_leaves_no_file(demo_pb, tmp_path):
    def write(view, out):
        for n, e in enumerate(view.iter_entries()):
            out.write(b"x" * 1000)
            if n == 20:
                raise RuntimeError("disk on fire")
        return n

    def register_exporters(register):
        register(Exporter(name="half", extension=".txt", label="Half", write=write))

    demo_pb.use_registry(load_registry(demo_pb.settings.plugins_dir,
                                       extra=[("half", fake_plugin("half", register_exporters=register_exporters))]))
    target = tmp_path / "exports"
    target.mkdir()
    (target / "keep.txt").write_text("older export")
    with pytest.raises(PluginError, match="exporter 'half' failed: RuntimeError: disk on fire"):
        demo_pb.export("half", target / "keep.txt", force=True)
    assert os.listdir(target) == ["keep.txt"] and (target / "keep.txt").read_text() == "older export"
    r = demo_pb.export("csv", target / "keep.txt", force=True)  # the other exporters are unharmed
    assert r.count > 0 and (target / "keep.txt").read_text().startswith("key,occurred_at")


def test_metric_that_raises_is_shown_in_place(demo_pb):
    def register_metrics(register):
        register(Metric(name="boom", label="Boom", order=15, compute=lambda v: 1 / 0))
        register(Metric(name="fine", label="Fine", order=16,
                        compute=lambda v: MetricValue(value=len(v.days()), text="days", level="watch")))

    demo_pb.use_registry(load_registry(demo_pb.settings.plugins_dir,
                                       extra=[("m", fake_plugin("m", register_metrics=register_metrics))]))
    res = {m.name: m for m in demo_pb.compute_metrics()}
    assert res["boom"].error.startswith("ZeroDivisionError: division by zero") and res["boom"].value is None
    assert res["fine"].value == 7 and res["fine"].level == "watch" and res["fine"].error is None
    assert res["average-pain"].error is None and res["average-pain"].value is not None
    snap = demo_pb.snapshot()
    assert [m.name for m in snap.metrics][:4] == ["average-pain", "worst-pain", "least-pain", "boom"]


def test_builtin_metric_values_match_the_data(pb):
    pb.add_plan_item(name="Oxycodone IR", dose=5, unit="mg", kind="as_needed", max_per_day=4,
                     start_date=date(2026, 11, 1))
    pb.add_plan_item(name="Morphine SR", dose=30, unit="mg", kind="scheduled",
                     rrule="FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0", start_date=date(2026, 11, 1))
    for h, v in ((1, 2), (5, 6), (9, 4)):
        pb.log_pain(intensity=v, occurred_at=NOW - timedelta(hours=h))
    for m in range(5):
        pb.mark_done("oxycodone", at=NOW - timedelta(minutes=10 + m))
    res = {m.name: m for m in pb.compute_metrics(since=date(2026, 11, 28))}
    assert res["average-pain"].value == 4.0 and res["average-pain"].level == "ok"
    assert res["worst-pain"].value == 6 and res["worst-pain"].level == "watch"
    assert res["least-pain"].value == 2
    r = res["rescue-doses-today"]
    assert r.value == 5 and r.level == "alert" and "worth raising with your care team" in r.text
    # 08:00 Berlin due and not taken; 20:00 not due yet at 15:05 Berlin
    a = res["scheduled-adherence"]
    assert a.value == 0.0 and a.text.startswith("0 of 1 scheduled doses")


def test_export_formats_and_stdout(demo_pb, tmp_path):
    r = CliRunner().invoke(cli, ["--db", str(demo_pb.db.path), "export", "csv", "-o", "-", "--since", "2026-11-20",
                                 "--until", "2026-11-22"])
    assert r.exit_code == 0, r.output
    got = list(csv.DictReader(r.stdout.splitlines()))
    assert got and all("2026-11-20" <= g["occurred_at"][:10] <= "2026-11-21" for g in got)
    pq = demo_pb.export("parquet", tmp_path / "e.parquet")
    n = duckdb.connect().execute(f"SELECT count(*) FROM '{tmp_path / 'e.parquet'}'").fetchone()[0]
    assert n == pq.count == demo_pb.counts()["pain_entry"]
    assert (tmp_path / "e.parquet").stat().st_mode & 0o777 == 0o600
    demo_pb.export("markdown", tmp_path / "v.md")
    text = (tmp_path / "v.md").read_text()
    assert text.startswith("# Pain summary:") and "## Breakthrough pain" in text and "## Notes" in text
    assert "Trend of the daily average:" in text and "Scheduled medication doses:" in text
    for word in ("increase the", "reduce the", "you should", "we recommend", "take more"):
        assert word not in text.lower()
    r = CliRunner().invoke(cli, ["--db", str(demo_pb.db.path), "export", "nope", "-o", str(tmp_path / "n")])
    assert r.exit_code == 2 and "no export format named 'nope'" in r.stderr and not (tmp_path / "n").exists()


def test_example_plugin_copied_into_folder(demo_pb, tmp_path, plugin_dir):
    shutil.copy(REPO / "examples/plugins/good_days.py", plugin_dir)
    (plugin_dir / "broken.py").write_text("import no_such_module_here\n")
    base = ["--db", str(demo_pb.db.path), "--plugins-dir", str(plugin_dir)]
    r = CliRunner().invoke(cli, base + ["metrics", "--json"])
    m = {x["name"]: x for x in json.loads(r.stdout)}
    daily = demo_pb.compute_metrics()  # the registry without the folder
    assert "good-days" in m and m["good-days"]["error"] is None and "good-days" not in {x.name for x in daily}
    out = tmp_path / "log.tsv"
    r = CliRunner().invoke(cli, base + ["export", "tsv", "-o", str(out)])
    assert r.exit_code == 0 and out.read_text().splitlines()[0] == "date\ttime\tintensity\tsites"
    assert len(out.read_text().splitlines()) == demo_pb.counts()["pain_entry"] + 1
    r = CliRunner().invoke(cli, base + ["plugins", "--json"])
    broken = {p["name"]: p for p in json.loads(r.stdout)}["broken"]
    assert "ModuleNotFoundError" in broken["error"]
    r = CliRunner().invoke(cli, base + ["entries", "--since", "2026-11-28", "--json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)) > 0


def test_option_pairs_reach_the_exporter_and_the_importer(pb, tmp_path, plugin_dir):
    (plugin_dir / "echo.py").write_text('''
import json
from painboard.hookspecs import hookimpl
from painboard.plugins import Exporter, Importer, Row, Setting

def _read(src):
    yield Row("pain_entry", {"intensity": src.options["level"], "occurred_at": "2026-11-27T10:00:00+00:00"}, 1)

@hookimpl
def register_exporters(register):
    register(Exporter(name="echo", extension=".json", label="echo",
                      settings=(Setting("bundle"), Setting("patient-ref", "Patient/ID")),
                      write=lambda view, out: out.write(json.dumps(view.options).encode()) and 1))

@hookimpl
def register_importers(register):
    register(Importer(name="echo", label="echo", sniff=lambda head, name: False, read=_read,
                      settings=[("level", "0-10", "the score")]))
''')
    base = ["--db", str(pb.db.path), "--plugins-dir", str(plugin_dir)]
    out = tmp_path / "o.json"
    r = CliRunner().invoke(cli, base + ["export", "echo", "-o", str(out), "-O", "bundle=transaction",
                                        "--option", "Patient-Ref = Patient/7"])
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text()) == {"bundle": "transaction", "patient_ref": "Patient/7"}
    src = tmp_path / "in.txt"
    src.write_text("x")
    r = CliRunner().invoke(cli, base + ["import", str(src), "--format", "echo", "-O", "level=6"])
    assert r.exit_code == 0, r.output
    assert [e["intensity"] for e in pb.entries()] == [6]
    r = CliRunner().invoke(cli, base + ["import", str(src), "--format", "echo", "-O", "level"])
    assert r.exit_code == 2 and "'level' is not KEY=VALUE" in r.stderr
