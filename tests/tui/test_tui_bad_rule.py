"""A plan item whose stored rule cannot be read (issue 17, item 1): the dashboard stays live,
the item is an error line of its own, and space on it records nothing."""

from __future__ import annotations

import duckdb

from painboard.store import repository as repo
from painboard.tui.widgets.checklist import PlanChecklist

ZONED = "DTSTART;TZID=Europe/London:20250101T080000\nRRULE:FREQ=DAILY"


def _events(pb) -> int:
    with pb.db.unit_of_work() as con:
        return len(repo.events(con, None, None))


async def test_the_dashboard_shows_a_bad_stored_rule_as_its_own_line(demo_db, demo_pb, make_app, helpers):
    con = duckdb.connect(str(demo_db))
    con.execute("INSERT INTO plan_item (category, name, dose, unit, kind, rrule, start_date, status) VALUES "
                "('medication', 'Tramadol', 50, 'mg', 'scheduled', ?, DATE '2026-11-01', 'active')", [ZONED])
    con.close()
    before = _events(demo_pb)
    app = make_app(demo_pb)
    async with app.run_test(size=(100, 40)) as pilot:
        await helpers.settle(pilot)
        checklist = app.screen.query_one(PlanChecklist)
        states = [l.state for l in checklist.lines]
        assert states.count("error") == 1 and states.count("as_needed") >= 1
        idx = states.index("error")
        checklist.highlighted = idx
        await pilot.pause()
        text = helpers.text(app)
        assert "[?] Tramadol 50 mg: this item's schedule cannot be read" in text  # cut at the panel's width
        assert "offline" not in text
        await pilot.press("space")
        await helpers.settle(pilot)
        assert "cannot be read" in helpers.text(app)
    assert _events(demo_pb) == before
