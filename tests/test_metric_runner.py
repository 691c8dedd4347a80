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


def test_a_metric_past_the_deadline_is_reported_and_those_after_it_still_run(pb, monkeypatch):
    """The metrics run in one call to the plugin thread: the one running when the deadline
    passes is "took too long", those before and after it keep their figures, and one that
    raises is reported in its own place."""
    import threading

    monkeypatch.setenv("PAINBOARD_PLUGIN_SECONDS", "0.3")
    release = threading.Event()
    reg = pb.registry
    first = reg.metrics["average-pain"]

    def stuck(view):
        release.wait(30)
        return MetricValue(value=0, text="late")

    def broken(view):
        raise ValueError("no figure")

    reg.metrics["stuck"] = Metric(name="stuck", label="Stuck", order=first.order, compute=stuck)
    reg.metrics["broken"] = Metric(name="broken", label="Broken", order=first.order + 1, compute=broken)
    _counted(pb, "worst-pain", "after the stuck one")
    try:
        results = {r.name: r for r in pb.compute_metrics()}
    finally:
        release.set()
    order = [m.name for m in reg.sorted_metrics()]
    assert list(results) == order  # every metric once, in order
    assert results["stuck"].text == "took too long" and "still running after 0.3 s" in results["stuck"].error
    assert results["broken"].text == "could not be computed" and "no figure" in results["broken"].error
    assert results["worst-pain"].text == "after the stuck one"
    assert results["average-pain"].error is None
