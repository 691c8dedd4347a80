"""Fixtures for the dashboard tests: a frozen clock, a demo database copied per test, and
helpers that wait for the app's thread workers instead of sleeping blindly."""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from painboard import models
from painboard.config import Settings
from painboard.services import Painboard

# Saturday 28 November 2026, 14:05 UTC: the same moment the design sketch shows.
NOW = datetime(2026, 11, 28, 14, 5, tzinfo=timezone.utc)


def _env(mp) -> None:
    mp.setenv("TZ", "UTC")
    mp.setenv("PAINBOARD_TZ", "UTC")
    mp.setenv("PAINBOARD_LOAD_PLUGINS", "")
    mp.delenv("PAINBOARD_DB", raising=False)
    mp.delenv("NO_COLOR", raising=False)
    mp.delenv("PAINBOARD_NOW", raising=False)
    mp.setenv("PAINBOARD_CONFIG", "/nonexistent/painboard-test-config.toml")


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo story written once per session at the frozen moment; tests copy the file."""
    from painboard.demo import load_demo

    mp = pytest.MonkeyPatch()
    _env(mp)
    models.freeze_clock(NOW)
    try:
        path = tmp_path_factory.mktemp("template") / "demo.db"
        pb = Painboard(Settings.load(db=path))
        load_demo(pb, days=90, seed=7, now=NOW)
        # A little of today so the Today panel and the review prefill have something.
        for h, score in ((8, 5), (11, 6), (13, 4)):
            pb.log_pain(intensity=score, occurred_at=NOW.replace(hour=h, minute=10), sites=["left hip"])
    finally:
        models.freeze_clock(None)
        mp.undo()
    return path


@pytest.fixture
def tui_env(monkeypatch, tmp_path):
    _env(monkeypatch)
    # The settings file (theme, range) of this test alone, never the user's.
    monkeypatch.setenv("PAINBOARD_CONFIG", str(tmp_path / "config" / "config.toml"))
    models.freeze_clock(NOW)
    yield NOW
    models.freeze_clock(None)


@pytest.fixture
def demo_db(tui_env, demo_template, tmp_path) -> Path:
    path = tmp_path / "demo.db"
    shutil.copy(demo_template, path)
    return path


@pytest.fixture
def demo_pb(demo_db) -> Painboard:
    return Painboard(Settings.load(db=demo_db))


@pytest.fixture
def make_app():
    from painboard.tui.app import PainboardApp

    def make(pb: Painboard, **kw) -> PainboardApp:
        kw.setdefault("poll_interval", None)  # the live test turns polling on
        kw.setdefault("cursor_blink", False)
        return PainboardApp(pb, **kw)

    return make


def screen_text(app) -> str:
    """What the terminal shows, as plain text (dialogs drawn over the main screen)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


# How long a wait on a state may take before the test fails. Only a failing test waits this
# long; a passing one goes on as soon as the state is there. Generous, so the tests pass with
# both cores busy (issue 22: 5 s waits failed under load); a caller's own timeout is a floor.
PATIENCE = 60.0


async def until(pilot, predicate, timeout: float = PATIENCE, what: str = "condition") -> None:
    deadline = time.monotonic() + max(timeout, PATIENCE)
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{_shown_or_why(pilot.app)}")
        await pilot.pause(0.02)


def _shown_or_why(app) -> str:
    """The screen, or why there is none (the app ended: its error, not "No screens on stack")."""
    try:
        return screen_text(app)
    except Exception as exc:
        return f"(no screen: {exc}; the app's error: {getattr(app, '_exception', None)!r})"


def hold_database(path):
    """Another OS process holding the database file's lock until ``release_database`` (a state,
    not a time: under load a timed hold could end before the app even tried)."""
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); sys.stdin.read(); c.close()", str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def release_database(holder) -> None:
    holder.stdin.close()
    assert holder.wait(60) == 0


def _busy(app) -> bool:
    return app._refreshing or any(
        w.group in ("write", "read", "refresh") and not w.is_finished for w in app.workers)


def _quiet(app) -> bool:
    """Nothing left for a later turn: no key held for a form, the screen and every widget on it
    mounted (a screen's on_mount starts its reads), no message waiting in any queue (a key
    still bubbling to its binding, a posted message, a toast's Notify, a call_later), no
    dismiss callback (call_next) and no call_after_refresh waiting. A test that pressed a key
    and settles waits for what the key does, not only for what was already under way."""
    if getattr(getattr(app, "key_hold", None), "held", None) is not None:
        return False
    screen = app.screen
    if screen._callbacks:  # call_after_refresh, run after the screen's next refresh
        return False
    pumps = [app, *app.screen_stack, *screen.walk_children(with_self=False)]
    return all(p.is_mounted or p is app for p in pumps[1:]) and not any(
        p.message_queue_size or p._next_callbacks for p in pumps)


async def settle(pilot) -> None:
    """Wait for writes, reads and the refresh they trigger, and for the app to have nothing
    left to do on a later turn (_quiet); then one more frame."""
    await until(pilot, lambda: pilot.app.snapshot is not None and not _busy(pilot.app)
                and not getattr(pilot.app.screen, "prefill_pending", False)
                and not getattr(pilot.app.screen, "rows_pending", False)
                and getattr(pilot.app.screen, "loaded", True)
                and _quiet(pilot.app), what="the app to settle")
    await pilot.pause()


def settled_after(*keys: str):
    """A snapshot's run_before: settle, press the keys (if any), settle again, one more frame."""
    async def run_before(pilot) -> None:
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)
        await pilot.pause()

    return run_before


def said(app, keep: bool = False) -> list[str]:
    """Every notice the app gives from now on, in order, kept as app.notify is called. A toast
    reaches app._notifications on the app's next turn and leaves it after its 3 to 6 seconds:
    under load a test could look before it is there or after it has gone (issue 22). ``keep``:
    the toasts also stay on the screen while the test runs, for a test that reads one drawn."""
    seen, real = [], app.notify

    def notify(message, *args, **kwargs):
        seen.append(str(message))
        if keep:
            kwargs["timeout"] = 2 * PATIENCE
        return real(message, *args, **kwargs)

    app.notify = notify
    return seen


def in_colour_mode(mode: str, monkeypatch, make):
    """An app for a colour snapshot, and its run_before: "no_color" sets NO_COLOR before the app
    is made (``make()``), "ansi" switches to the 16-colour theme once it runs; then it settles."""
    if mode == "no_color":
        monkeypatch.setenv("NO_COLOR", "1")
    app = make()

    async def run_before(pilot) -> None:
        if mode == "ansi":
            app.theme = "ansi-dark"
        await settle(pilot)
        await pilot.pause()

    return app, run_before


def quick_score(app) -> str:
    """What the dashboard's quick log line shows as its score ("0-10" while it is empty)."""
    line = next(line for line in screen_text(app).splitlines() if "Log pain now" in line)
    return line.partition("Log pain now")[2].split()[0]


def burst(app, *keys: str) -> None:
    """Keys queued together, as a fast typist or a laggy SSH link sends them: no waiting
    between them (Pilot.press waits for the app after each key)."""
    from textual import events

    for k in keys:
        event = events.Key(k, k if len(k) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


@pytest.fixture
def helpers():
    class H:
        text = staticmethod(screen_text)
        until = staticmethod(until)
        settle = staticmethod(settle)
        settled_after = staticmethod(settled_after)
        burst = staticmethod(burst)
        quick_score = staticmethod(quick_score)
        in_colour_mode = staticmethod(in_colour_mode)
        hold_database = staticmethod(hold_database)
        release_database = staticmethod(release_database)
        said = staticmethod(said)

    return H


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run ``async def`` tests here with asyncio (no async plugin is a project dependency)."""
    import asyncio
    import inspect

    if inspect.iscoroutinefunction(pyfuncitem.obj):
        args = {a: pyfuncitem.funcargs[a] for a in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**args))
        return True
    return None


_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every test here drives a whole dashboard (one to three seconds each): marked slow, so
    `pytest -m "not system and not slow"` is the quick unit run and CI still runs them all."""
    for item in items:
        if _HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.slow)
