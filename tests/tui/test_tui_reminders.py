"""Issue 21 on the dashboard: a reminder due now shows as a notice (with the bell) and a failing
channel as a warning line, once `painboard remind` has run on the file."""

from __future__ import annotations

from datetime import date, datetime, timezone

from painboard.config import Settings
from painboard.reminders_run import Reminders, url_channels
from painboard.services import Painboard
from tests.conftest import free_port


def reads_of_reminders(app) -> list[int]:
    """One item per reminders' read the app has shown (it reads them after each full refresh,
    on a later turn than the refresh itself: what a test waits for before "nothing more")."""
    done, real = [], app._reminder_notices.show

    def show(*args, **kwargs):
        real(*args, **kwargs)
        done.append(1)

    app._reminder_notices.show = show
    return done


async def test_a_due_dose_and_a_failing_channel_show_on_the_dashboard(tui_env, tmp_path, make_app, helpers):
    pb = Painboard(Settings.load(db=tmp_path / "p.db"))
    for name, hour in (("Morphine SR", 14), ("Paracetamol", 12)):
        pb.add_plan_item(category="medication", name=name, dose=30, unit="mg", kind="scheduled",
                         rrule=f"FREQ=DAILY;BYHOUR={hour};BYMINUTE=0", start_date=date(2026, 11, 1))
    app = make_app(pb)
    notes, reads = helpers.said(app), reads_of_reminders(app)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: reads, what="the reminders read")
        await helpers.settle(pilot)
        shown = [m for m in notes if not m.startswith("created a new database")]
        assert shown == []  # reminders not set up: nothing
    ran = Reminders(pb, channels=url_channels([f"ntfy://127.0.0.1:{free_port()}/pain"])).run(
        now=datetime(2026, 11, 28, 12, 1, tzinfo=timezone.utc))
    assert [(s.result, s.attempts) for s in ran] == [("failed", 3)]
    bells = []
    app = make_app(pb)
    app.bell = lambda: bells.append(1)
    told, reads = helpers.said(app), reads_of_reminders(app)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: len(told) >= 3, what="the reminder notices")
        assert told[:2] == ["painboard: a dose is due at 14:00",  # and the 12:00 one not ticked since:
                            "painboard: missed while you were away (1): a dose due Sat 28 Nov 12:00, not ticked"]
        assert bells == [1, 1]
        assert told[2].startswith(f"reminders: channel {ran[0].channel} is failing (")
        assert "127.0.0.1" not in told[2]
        from painboard import models

        models.freeze_clock(datetime(2026, 11, 28, 14, 7, tzinfo=timezone.utc))  # a minute on: the tick
        before = len(reads)
        app.request_refresh()
        # the refresh, then the reminders read again after it (a later turn): only then "once"
        await helpers.until(pilot, lambda: len(reads) > before, what="the reminders read again")
        await helpers.settle(pilot)
        assert len(told) == 3 and bells == [1, 1]  # each shown once
