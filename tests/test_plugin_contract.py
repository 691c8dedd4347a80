"""The plugin contract (painboard.plugin_api) is light: a plugin author's import loads no
store, no DuckDB and no pydantic (it depends on a typing.Protocol of the period view), and
its types check what pydantic used to check."""

from __future__ import annotations

import json
from datetime import date

import pytest

from painboard.plugin_api import Exporter, Importer, Metric, MetricResult, MetricValue


def test_the_contract_imports_no_store_duckdb_or_pydantic(subproc):
    r = subproc("import sys, json; import painboard.plugin_api; "
                "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in "
                "('duckdb', 'pydantic', 'textual')} | {m for m in sys.modules if m.startswith('painboard.store')})))")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == []


def test_the_probe_sees_the_store_when_it_is_imported(subproc):
    # (store/maintenance.py imports DuckDB with itself; connection.py only when it runs SQL)
    r = subproc("import sys; import painboard.store.period_view, painboard.store.maintenance; "
                "print(sorted({m.split('.')[0] for m in sys.modules} & {'duckdb', 'pydantic'}))")
    assert r.stdout.strip() == "['duckdb', 'pydantic']"  # so the test above is not vacuous


def test_names_are_checked_and_kept_in_lower_case():
    m = Metric(name=" Night-Worst ", label="Night worst", compute=lambda v: None)
    assert m.name == "night-worst" and m.shown == ("dashboard", "metrics", "report")
    with pytest.raises(ValueError, match="letters, digits"):
        Metric(name="two words", label="x", compute=lambda v: None)
    with pytest.raises(TypeError):
        Exporter(name="e", extension=".txt", label="E")  # no write
    imp = Importer(name="i", label="I", extensions=[".csv"], sniff=lambda h, n: False, read=lambda s: [])
    assert imp.extensions == (".csv",)
    assert Exporter(name="e", extension="txt", label="E", write=lambda v, o: 0).default_file_name(
        date(2026, 12, 7)) == "painboard-2026-12-07.txt"


def test_a_metric_value_is_checked_and_dumps_as_before():
    v = MetricValue.model_validate({"value": 3, "text": "three", "series": [1, None, 2]})
    assert v.model_dump() == {"value": 3, "text": "three", "series": [1.0, None, 2.0], "level": "ok",
                              "details": None}
    with pytest.raises(ValueError, match="level"):
        MetricValue(text="x", level="red")
    with pytest.raises(TypeError):
        MetricValue(value=1)  # no text
    with pytest.raises(TypeError):
        MetricValue.model_validate(7)
    r = MetricResult(name="n", label="N", **v.model_dump())
    assert r.model_dump()["series"] == [1.0, None, 2.0] and r.model_dump()["error"] is None
