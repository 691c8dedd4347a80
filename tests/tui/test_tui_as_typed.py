"""The dashboard as a person meets it (issue 19, "The dashboard" and item 6)."""

from __future__ import annotations

import shutil
from pathlib import Path

from painboard.config import Settings
from painboard.services import Painboard

REPO = Path(__file__).resolve().parents[2]
SIZE = (100, 32)


# -- item 6: a refused plugins folder is said in the dashboard too, once ------------------------
async def test_a_refused_plugins_folder_is_a_notice(demo_db, make_app, helpers, tmp_path, monkeypatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    shutil.copy(REPO / "examples" / "plugins" / "good_days.py", folder)
    folder.chmod(0o775)  # as made under umask 002
    monkeypatch.delenv("PAINBOARD_LOAD_PLUGINS", raising=False)
    app = make_app(Painboard(Settings.load(db=demo_db, plugins_dir=folder)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await helpers.settle(pilot)
        await helpers.until(pilot, lambda: app._notifications, what="the plugin notice")
        await helpers.settle(pilot)
        notes = [n.message for n in app._notifications]
        assert notes == [f"plugins folder refused: {folder} can be changed by its group (mode 0775); "
                         f"run 'chmod go-w {folder}' to use it; none of its plugins loaded"]
