"""Starting the dashboard: the first read begins before Textual is imported (first_read.py).

No Textual import at module level: ``start_first_read`` must fork while this process is still
small and has one thread.
"""

from __future__ import annotations

import gc
import os

from painboard.config import Settings
from painboard.first_read import FirstRead
from painboard.tui.format import RECENT_SHOWN, start_range_days


def start_first_read(settings: Settings) -> FirstRead | None:
    """The snapshot the dashboard opens on, being read on another core."""
    return FirstRead.start(settings, start_range_days(settings.range), RECENT_SHOWN)


def pause_collection() -> None:
    """No garbage collection until the first data is drawn.

    Starting makes hundreds of thousands of objects that live as long as the process (modules,
    classes, styles) and little garbage; each collection meanwhile walks them all again: about
    20 ms of the first frame and 25 ms of the first data here. ``resume_collection`` is the undo."""
    gc.disable()


def resume_collection() -> None:
    """Collect again, once the first data is drawn. What was made until then (modules, classes,
    styles, the first snapshot) lives as long as the app: it is frozen (never walked again) and
    the collector starts afresh. Enabled alone, its first pass walked all of it, about 20 ms,
    just as the metrics were being drawn. (Cyclic garbage made while paused, a few hundred
    objects, is frozen with it.)"""
    gc.freeze()
    gc.enable()


# Textual paints what changed on its next frame, 1/60 s apart by default (TEXTUAL_FPS, read
# when Textual is imported: textual.constants.MAX_FPS). Data read at start waits for a frame at
# each step (the figures, then the metrics): measured at 1M entries, everything drawn came
# 20-40 ms sooner at 120 frames a second. A frame is painted only when something changed, so
# an idle dashboard costs nothing more. A person's own TEXTUAL_FPS is kept.
FRAMES_PER_SECOND = "120"


def pace_frames(env=os.environ) -> None:
    """Textual's frame rate for the dashboard: before Textual is imported."""
    env.setdefault("TEXTUAL_FPS", FRAMES_PER_SECOND)


def run_dashboard(settings: Settings) -> None:
    pause_collection()
    pace_frames()
    first = start_first_read(settings)
    from painboard.tui.app import PainboardApp
    from painboard.tui.terminal import end_on_hangup

    app = PainboardApp(settings, first_read=first, on_started=resume_collection)
    end_on_hangup(lambda: app.call_from_thread(app.exit))
    app.run()
