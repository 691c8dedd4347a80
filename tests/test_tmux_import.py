"""The import dialog in a real terminal (tmux at 80x24): keys sent in one burst with send-keys
land in the path field, Tab completes, and the rows reach the database."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from tests.test_tmux import PAINBOARD, Tmux, _painboard, demo  # noqa: F401 (demo is a fixture)

pytestmark = [pytest.mark.system, pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed (.ci/run installs it with apt-get)")]

DATA = Path(__file__).resolve().parents[1] / "examples" / "data"


def test_import_typed_in_one_burst(demo, tmp_path):
    env, db = demo
    (tmp_path / "downloads").mkdir()
    shutil.copy(DATA / "sample-entries.csv", tmp_path / "downloads" / "sample-entries.csv")
    with open(DATA / "sample-entries.csv", newline="") as fh:
        keys = {r["key"] for r in csv.DictReader(fh)}
    before = json.loads(_painboard(env, db, "entries", "--json").stdout)
    tmux = Tmux(tmp_path, "xterm-256color", {**env, "TERM": "xterm-256color"})
    try:
        tmux.keys(f'cd "{tmp_path}" && "{PAINBOARD}" --db "{db}"', literal=True)
        tmux.keys("Enter")
        tmux.until(lambda s: "●live" in s, 30, "the dashboard")
        # One send-keys: the key that opens the dialog, a folder and a file by Tab, Enter looks.
        tmux.keys("I", *"down", "Tab", *"sa", "Tab", "Enter")
        text = tmux.until(lambda s: "Looks like" in s, 15, "the detected format")
        assert "downloads/sample-entries.csv" in text and "(csv)" in text
        assert len(json.loads(_painboard(env, db, "entries", "--json").stdout)) == len(before)
        tmux.keys("Enter")
        text = tmux.until(lambda s: "already there" in s, 20, "the result")
        assert f"pain entries: {len(keys)} added, 0 already there" in text
        tmux.keys("Enter")  # closes the dialog
        tmux.until(lambda s: "Import a file" not in s and "●live" in s, 10, "the dashboard again")
        tmux.keys("q")
    finally:
        tmux.close()
    after = json.loads(_painboard(env, db, "entries", "--json").stdout)
    assert len(after) == len(before) + len(keys)
