"""A database moved or deleted under an open dashboard is not recreated empty (issue 17 item
10): the poll and the refresh say it moved, the header is not "live", no file appears."""

from __future__ import annotations

import os

import pytest

from painboard.tui.widgets.header import DashHeader

SIZE = (100, 30)


@pytest.mark.parametrize("how", ["moved", "deleted"])
async def test_moved_database_is_said_and_not_recreated(demo_pb, demo_db, make_app, helpers, tmp_path, how):
    app = make_app(demo_pb, poll_interval=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: "plugins_loaded" in app.timings, what="the poll to start")
        header = app.main_screen.query_one(DashHeader)
        assert header.state == "live"
        if how == "moved":
            os.rename(demo_db, tmp_path / "elsewhere.db")
        else:
            os.unlink(demo_db)
        await helpers.until(pilot, lambda: header.state == "moved", what="the header to say moved")
        assert "✗moved" in helpers.text(app) and "●live" not in helpers.text(app)
        assert not demo_db.exists()
        # A refresh (the minute timer, a key) finds it gone too and creates nothing.
        app.request_refresh()
        await helpers.until(pilot, lambda: not app._refreshing, what="the refresh")
        await pilot.pause()
        assert header.state == "moved" and not demo_db.exists()
        assert "moved or deleted" in header.state_text
        if how == "moved":  # put back: live again
            os.rename(tmp_path / "elsewhere.db", demo_db)
            await helpers.until(pilot, lambda: header.state == "live", what="live again")
    assert sorted(p.name for p in demo_db.parent.iterdir() if p.name.startswith("demo.db")) == \
        (["demo.db", "demo.db.lock"] if how == "moved" else ["demo.db.lock"])
