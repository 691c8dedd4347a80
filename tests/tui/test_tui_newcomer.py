"""What a newcomer must find on screen: every metric (a plugin's too) at 80x24 and 150x60."""

from __future__ import annotations

import os

import pytest

from painboard.config import Settings
from painboard.services import Painboard
from painboard.tui.screens.main import MainScreen
from painboard.tui.screens.metrics import MetricsScreen
from painboard.tui.widgets.today import SHOWN_ABOVE, TodayPanel

PLUGIN = '''
from painboard.plugin_api import Metric, MetricValue, hookimpl


def days_logged(view):
    daily = view.daily_pain()
    return MetricValue(value=len(daily), text=f"{len(daily)} of {len(view.days())} days logged zz")


@hookimpl
def register_metrics(register):
    register(Metric(name="days-logged", label="Days logged zz", unit="days", compute=days_logged))
'''


@pytest.fixture
def plugin_pb(demo_db, tmp_path, monkeypatch) -> Painboard:
    folder = tmp_path / "plugins"
    folder.mkdir(mode=0o700)
    (folder / "days_logged.py").write_text(PLUGIN)
    monkeypatch.delenv("PAINBOARD_LOAD_PLUGINS", raising=False)
    return Painboard(Settings.load(db=demo_db, plugins_dir=folder))


def _expected_days_logged(pb: Painboard) -> str:
    # By hand from the rows: local days with at least one entry in the last 7 days.
    today = pb.today()
    days = {pb.local(e["occurred_at"]).date() for e in pb.entries(None, None)}
    n = sum(1 for d in days if 0 <= (today - d).days < 7)
    return f"{n} of 7 days logged zz"


def _panel_labels(pb: Painboard) -> list[str]:
    return [m.label for m in pb.compute_metrics() if m.name not in SHOWN_ABOVE]


async def test_plugin_metric_on_screen_at_150x60_without_scrolling(plugin_pb, make_app, helpers):
    app = make_app(plugin_pb)
    async with app.run_test(size=(150, 60)) as pilot:
        await helpers.settle(pilot)
        text = helpers.text(app)
        for label in _panel_labels(plugin_pb):
            assert label in text, label
        assert "Days logged zz" in text
        panel = app.screen.query_one(TodayPanel)
        assert panel.max_scroll_y == 0
        # The panels grow with the terminal: more rows than at 80x24's fixed 9.
        assert app.screen.query_one("#panels").size.height > 20


async def test_every_metric_reachable_at_80x24_by_scrolling_and_in_the_metrics_view(plugin_pb, make_app, helpers):
    app = make_app(plugin_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        assert "Days logged zz" not in helpers.text(app)  # more metrics than rows
        panel = app.screen.query_one(TodayPanel)
        assert panel.max_scroll_y > 0
        # Tab moves focus to the panel; its title shows reversed; arrows scroll it.
        while app.focused is not panel:
            await pilot.press("tab")
        await pilot.pause()
        assert panel.has_focus and panel.build().spans[0].style == "bold reverse"
        seen = set()
        for _ in range(panel.max_scroll_y + 1):
            seen |= {label for label in _panel_labels(plugin_pb) if label in helpers.text(app)}
            await pilot.press("down")
            await pilot.pause()
        assert seen == set(_panel_labels(plugin_pb))
        assert panel.scroll_y == panel.max_scroll_y

        await pilot.press("M")
        await helpers.until(pilot, lambda: isinstance(app.screen, MetricsScreen), what="the metrics view")
        await pilot.pause()
        view = app.screen.query_one("#metrics-dialog")
        texts = []
        for _ in range(20):
            texts.append(helpers.text(app))
            if view.scroll_y >= view.max_scroll_y:
                break
            await pilot.press("pagedown")
            await pilot.pause()
        text = "\n".join(texts)
        assert _expected_days_logged(plugin_pb) in text
        assert "(days_logged)" in text  # the plugin it comes from
        assert "worth raising with your care team" in text  # the legend of ▲ and ▲▲
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_metrics_in_the_palette(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"metrics")
        await helpers.until(pilot, lambda: "Every metric" in helpers.text(app), what="palette hit")
        await pilot.press("enter")
        await helpers.until(pilot, lambda: isinstance(app.screen, MetricsScreen), what="the metrics view")
        assert "Average pain" in helpers.text(app)
