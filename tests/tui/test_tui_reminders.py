"""Issue 21 on the dashboard: a reminder due now shows as a notice (with the bell) and a failing
channel as a warning line, once `painboard remind` has run on the file."""

from __future__ import annotations

import socket
from datetime import date, datetime, timezone

from painboard.config import Settings
from painboard.reminders_run import Reminders, url_channels
from painboard.services import Painboard


def _dead_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


async def test_a_due_dose_and_a_failing_channel_show_on_the_dashboard(tui_env, tmp_path, make_app, helpers):
    pb = Painboard(Settings.load(db=tmp_path / "p.db"))
    for name, hour in (("Morphine SR", 14), ("Paracetamol", 12)):
        pb.add_plan_item(category="medication", name=name, dose=30, unit="mg", kind="scheduled",
                         rrule=f"FREQ=DAILY;BYHOUR={hour};BYMINUTE=0", start_date=date(2026, 11, 1))
    app = make_app(pb)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await helpers.settle(pilot)
        shown = [str(n.message) for n in app._notifications if not str(n.message).startswith("created a new database")]
        assert shown == []  # reminders not set up: nothing
    ran = Reminders(pb, channels=url_channels([f"ntfy://127.0.0.1:{_dead_port()}/pain"])).run(
        now=datetime(2026, 11, 28, 12, 1, tzinfo=timezone.utc))
    assert [(s.result, s.attempts) for s in ran] == [("failed", 3)]
    bells = []
    app = make_app(pb)
    app.bell = lambda: bells.append(1)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: len(app._notifications) >= 3, what="the reminder notices")
        told = [str(n.message) for n in app._notifications]
        assert told[:2] == ["painboard: a dose is due at 14:00",  # and the 12:00 one not ticked since:
                            "painboard: missed while you were away (1): a dose due Sat 28 Nov 12:00, not ticked"]
        assert bells == [1, 1]
        assert told[2].startswith(f"reminders: channel {ran[0].channel} is failing (")
        assert "127.0.0.1" not in told[2]
        from painboard import models

        models.freeze_clock(datetime(2026, 11, 28, 14, 7, tzinfo=timezone.utc))  # a minute on: the tick
        app.request_refresh()
        await helpers.settle(pilot)
        assert len(app._notifications) == 3 and bells == [1, 1]  # each shown once
