"""A plugin metric's text and series are bounded where results are taken in (issue 17 item
14): a 5 MB text is cut to 1,000 characters and says so; a long series keeps its last days."""

from __future__ import annotations

import json
import time

from click.testing import CliRunner

from painboard.cli import cli
from painboard.plugin_api import SERIES_LIMIT, TEXT_KEPT

PLUGIN = '''
from painboard.plugin_api import Metric, MetricValue, hookimpl


def huge(view):
    return MetricValue(value=1, text="A" * 5_000_000, series=[float(i) for i in range(50_000)])


def mutated(view):
    v = MetricValue(value=2, text="fine")
    v.text = "B" * 2_000_000  # changed after it was checked
    return v


@hookimpl
def register_metrics(register):
    register(Metric(name="huge", label="Huge", compute=huge))
    register(Metric(name="mutated", label="Mutated", compute=mutated))
'''


def test_huge_metric_text_and_series_are_cut_and_say_so(tmp_path):
    folder = tmp_path / "plugins"
    folder.mkdir(mode=0o700)
    (folder / "big_metric.py").write_text(PLUGIN)
    t0 = time.perf_counter()
    r = CliRunner().invoke(cli, ["--db", str(tmp_path / "p.db"), "--plugins-dir", str(folder),
                                 "metrics", "--json"], env={"PAINBOARD_LOAD_PLUGINS": None})
    seconds = time.perf_counter() - t0
    assert r.exit_code == 0, r.output
    by_name = {m["name"]: m for m in json.loads(r.stdout)}
    huge = by_name["huge"]
    assert huge["text"] == "A" * TEXT_KEPT + (" … [text cut at 1,000 of 5,000,000 characters; "
                                              "series cut to the last 3,660 of 50,000 days]")
    assert huge["series"] == [float(i) for i in range(50_000 - SERIES_LIMIT, 50_000)]
    mutated = by_name["mutated"]
    assert mutated["text"] == "B" * TEXT_KEPT + " … [text cut at 1,000 of 2,000,000 characters]"
    assert len(r.stdout) < 200_000
    assert seconds < 30
