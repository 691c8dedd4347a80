"""A read-only session writes no file (issue 17 item 4): not the palette's screenshot, not the
theme or the range chosen with keys (kept for the session only, never in config.toml)."""

from __future__ import annotations

import os

from painboard.config import Settings
from painboard.services import Painboard

SIZE = (100, 30)


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


async def _palette(pilot, helpers, app, words: str, hit: str) -> None:
    await pilot.press("ctrl+p")
    await pilot.press(*words)
    await helpers.until(pilot, lambda: hit in helpers.text(app), what=f"palette hit {hit}")
    await pilot.press("enter")


async def test_read_only_session_writes_no_file(demo_db, make_app, helpers, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(home / "Downloads"))
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir()
    config.write_text('theme = "textual-dark"\nrange = "30d"\n')
    os.utime(config, ns=(1_000_000_000, 1_000_000_000))
    before = (config.read_bytes(), config.stat().st_mtime_ns)
    ro = Painboard(Settings.load(db=demo_db, read_only=True))
    app = make_app(ro)
    notes = helpers.said(app)  # kept as given: the toast lasts 4 s
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        await _palette(pilot, helpers, app, "screenshot", "Screenshot")
        await helpers.until(pilot, lambda: any("screenshot" in m.lower() for m in notes), what="the screenshot notice")
        assert any(m.startswith("read-only session: screenshots are off (no file is written)") for m in notes), notes
        assert not any("[$" in m for m in notes), notes
        # The range keys and the theme change what is shown, for this session.
        await pilot.press("right_square_bracket")
        await helpers.settle(pilot)
        assert app.range_label == "90d"
        await _palette(pilot, helpers, app, "theme", "Theme")
        await pilot.press(*"nord")
        await helpers.until(pilot, lambda: "nord" in helpers.text(app), what="the theme list")
        await pilot.press("enter")
        await helpers.until(pilot, lambda: app.theme == "nord", what="the theme")
        await helpers.settle(pilot)
        await app.workers.wait_for_complete()
    assert _files(home) == ["Downloads"]
    assert (config.read_bytes(), config.stat().st_mtime_ns) == before
    assert _files(config.parent) == ["config.toml"]


async def test_screenshot_toast_shows_the_path_not_markup(demo_db, make_app, helpers, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(home / "Downloads"))
    app = make_app(Painboard(Settings.load(db=demo_db)))
    notes = helpers.said(app, keep=True)  # kept as given, and the toast up until read
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        await _palette(pilot, helpers, app, "screenshot", "Screenshot")
        await helpers.until(pilot, lambda: any("screenshot" in m.lower() for m in notes), what="the screenshot notice")
        saved = [p for p in home.rglob("*.svg")]
        assert len(saved) == 1 and saved[0].stat().st_mode & 0o777 == 0o600
        assert f"screenshot saved to {saved[0]}" in notes, notes
        # what the toast shows (it reaches the app's list a turn later): the path, never markup
        await helpers.until(pilot, lambda: any(n.message == f"screenshot saved to {saved[0]}" and not n.markup
                                               for n in app._notifications), what="the toast")
