"""Render docs/screenshot.svg: the main screen at 80x24 over the demo story, clock frozen.

Run: .venv/bin/python tests/tui/make_screenshot.py docs/screenshot.svg
"""
import asyncio, os, shutil, sys, tempfile
from datetime import datetime, timezone
os.environ.update(TZ="UTC", PAINBOARD_TZ="UTC", PAINBOARD_LOAD_PLUGINS="")
os.environ.pop("NO_COLOR", None)
from painboard import models
from painboard.config import Settings
from painboard.demo import load_demo
from painboard.services import Painboard
from painboard.tui.app import PainboardApp

NOW = datetime(2026, 11, 28, 14, 5, tzinfo=timezone.utc)
models.freeze_clock(NOW)
d = tempfile.mkdtemp()
pb = Painboard(Settings.load(db=os.path.join(d, "demo.db")))
load_demo(pb, days=90, seed=7, now=NOW)
for h, score in ((8, 5), (11, 6), (13, 4)):
    pb.log_pain(intensity=score, occurred_at=NOW.replace(hour=h, minute=10), sites=["left hip"])
app = PainboardApp(pb, poll_interval=None, cursor_blink=False)

async def main():
    async with app.run_test(size=(80, 24)) as pilot:
        while app.snapshot is None:
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        app.save_screenshot(sys.argv[1])

asyncio.run(main())
shutil.rmtree(d)
