"""The radiation and insights screen: reached by a key and the palette, showing the demo's
flare and response from the same figures `painboard metrics --json` gives; SVG snapshots at
80x24 and 120x40 (cursor blink off, NO_COLOR cleared, the clock frozen at conftest.NOW)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from painboard.tui.screens.insights import InsightsScreen

from .conftest import NOW

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def test_i_opens_radiation_and_insights_and_esc_goes_back(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=(80, 24)) as pilot:
        await helpers.settle(pilot)
        await pilot.press("i")
        # rows_pending goes as the figures go in; the screen draws them a turn or two later
        await helpers.until(pilot, lambda: isinstance(app.screen, InsightsScreen) and not app.screen.rows_pending
                            and "▲" in helpers.text(app), what="the insights screen")
        screen = app.screen
        # The same figures as the metrics, over the screen's 30 days.
        today = NOW.date()
        results = {r.name: r for r in demo_pb.compute_metrics(today - timedelta(days=29), today + timedelta(days=1))}
        flare = results["radiation-flare"].details["courses"][0]
        assert screen.results["radiation-flare"]["details"]["courses"][0]["flare_days"] == flare["flare_days"]
        assert flare["flare_days"], "the demo story has a flare after its radiation"
        text = helpers.text(app)
        assert "Radiation and insights" in text
        assert "▲" in text and "R" in text  # flare days and the session on the timeline
        week_results = [w["result"] for w in results["radiation-response"].details["courses"][0]["weeks"]]
        assert any(r in ("partial response", "complete response") for r in week_results)
        assert "◐ partial" in text or "● complete" in text
        await pilot.press("escape")
        await helpers.until(pilot, lambda: not isinstance(app.screen, InsightsScreen), what="back")


async def test_palette_opens_radiation_and_insights(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    async with app.run_test(size=(120, 40)) as pilot:
        await helpers.settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"radiation and")
        await helpers.until(pilot, lambda: "Radiation and insights" in helpers.text(app), what="the palette hit")
        await pilot.press("enter")
        await helpers.until(pilot, lambda: isinstance(app.screen, InsightsScreen) and not app.screen.rows_pending
                            and "triggers:" in helpers.text(app), what="the insights screen")


def _open(helpers):
    async def run_before(pilot) -> None:
        await helpers.settle(pilot)
        await pilot.press("i")
        await helpers.until(pilot, lambda: isinstance(pilot.app.screen, InsightsScreen)
                            and not pilot.app.screen.rows_pending, what="the insights screen")
        await helpers.settle(pilot)  # drawn: the layout the figures need comes on later turns

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_insights(size, demo_pb, make_app, helpers, snap_compare):
    assert snap_compare(make_app(demo_pb), terminal_size=size, run_before=_open(helpers))
