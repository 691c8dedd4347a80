"""One metric runner (services, with the deadline) serves every face: the dashboard, `painboard
metrics` and the visit reports receive its results; no report runs a metric on its own."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from painboard.plugin_api import Metric, MetricValue


def _counted(pb, name: str, text: str) -> list[int]:
    """Replace the registered metric ``name`` by one that counts its runs and says ``text``."""
    reg = pb.registry
    m = reg.metrics[name]
    calls: list[int] = []

    def compute(view):
        calls.append(1)
        return MetricValue(value=1, text=text)

    reg.metrics[name] = Metric(name=m.name, label=m.label, unit=m.unit, order=m.order, compute=compute)
    return calls


@pytest.mark.parametrize("fmt, name", [("markdown", "insights"), ("html", "omed")])
def test_a_report_words_the_runners_result_computed_once(pb, tmp_path, fmt, name):
    pb.log_pain(intensity=4)
    calls = _counted(pb, name, "figure from the one runner")
    out = tmp_path / f"visit.{fmt}"
    today = pb.today()
    pb.export(fmt, str(out), since=today - timedelta(days=6), until=today + timedelta(days=1))
    assert "figure from the one runner" in out.read_text()
    assert calls == [1]


def test_a_report_runs_no_metric_that_is_not_shown_in_reports(pb, tmp_path):
    calls = _counted(pb, "insights", "x")
    reg = pb.registry
    m = reg.metrics["insights"]
    reg.metrics["insights"] = Metric(name=m.name, label=m.label, compute=m.compute, shown=("metrics",))
    pb.export("markdown", str(tmp_path / "v.md"), since=date(2026, 11, 1), until=date(2026, 11, 8))
    assert calls == [] and "- Insights:" not in (tmp_path / "v.md").read_text()
    assert [r.text for r in pb.compute_metrics() if r.name == "insights"] == ["x"]  # `painboard metrics` shows it
