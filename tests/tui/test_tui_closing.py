"""A read that ends while the dashboard closes is dropped, not an error (issue 22: under load a
test ending on a database state left the refresh its write asked for in flight, and the snapshot
reached a main screen whose parts were already taken down: NoMatches, the app ended with it)."""

from __future__ import annotations

import asyncio
import threading
import time

from .conftest import PATIENCE

SIZE = (80, 24)


async def test_a_snapshot_arriving_as_the_screens_are_taken_down_is_dropped(demo_pb, make_app, helpers):
    app = make_app(demo_pb)
    entered, gate = threading.Event(), threading.Event()
    real_snapshot = demo_pb.snapshot

    def held_snapshot(*args, **kwargs):  # a real read, held until the screens are gone
        entered.set()
        gate.wait(PATIENCE)
        return real_snapshot(*args, **kwargs)

    async with app.run_test(size=SIZE) as pilot:
        await helpers.settle(pilot)
        demo_pb.snapshot = held_snapshot
        app.request_refresh()
        await helpers.until(pilot, entered.is_set, what="the read to start")
        real_prune = app._prune

        async def prune(node, *args, **kwargs):  # the app closing: its main screen taken down first
            await real_prune(node, *args, **kwargs)
            if node is app.main_screen:
                gate.set()  # the read ends now, while the app still handles its messages
                deadline = time.monotonic() + PATIENCE
                while app._refreshing and time.monotonic() < deadline:  # until the app has it
                    await asyncio.sleep(0.01)

        app._prune = prune
    assert not app._refreshing, "the snapshot never reached the app"
    assert app.return_code in (None, 0) and app._exception is None
