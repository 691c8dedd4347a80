"""Issue 19 in a real terminal: correct the newest entry and delete an episode from the
dashboard with keys sent in one tmux send-keys burst each, then z undoes; checked from outside
with the CLI."""

from __future__ import annotations

import json
import time

from tests.test_tmux import PAINBOARD, PATIENCE, Tmux, _newest, _painboard, demo, pytestmark  # noqa: F401


def _episodes(env, db) -> list:
    return json.loads(_painboard(env, db, "episodes", "--json").stdout)


def _until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + max(timeout, PATIENCE)  # only a failing test waits that long
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {max(timeout, PATIENCE):.0f}s waiting for {what}"
        time.sleep(0.2)


def test_records_keys_in_one_burst_edit_delete_and_undo(demo, tmp_path):
    env, db = demo
    newest = _newest(env, db)
    new = 1 if newest["intensity"] != 1 else 2
    episodes = json.loads(_painboard(env, db, "episodes", "--json").stdout)
    tmux = Tmux(tmp_path, "xterm-256color", {**env, "TERM": "xterm-256color"})
    try:
        tmux.keys(f'"{PAINBOARD}" --db "{db}"', literal=True)
        tmux.keys("Enter")
        tmux.until(lambda s: "●live" in s and "Morphine SR" in s, 30, "the dashboard with its data")
        # One write to the terminal: open the records, edit the newest entry's score, save.
        tmux.keys("R", "e", str(new), "Enter")
        tmux.until(lambda s: "saved; z undoes it" in s, 15, "the edit saved")
        after = _newest(env, db)
        assert after["intensity"] == new and after["id"] == newest["id"]
        assert {k: v for k, v in after.items() if k != "intensity"} == \
            {k: v for k, v in newest.items() if k != "intensity"}
        tmux.keys("z")
        tmux.until(lambda s: "undone: the edit of entry" in s, 15, "the undo")
        assert _newest(env, db) == newest
        # Esc back to the dashboard; then past the 15 newest entries to the newest episode,
        # d asks and Enter deletes it: all in one burst.
        tmux.keys("Escape")
        tmux.until(lambda s: "Records:" not in s, 10, "the dashboard again")
        entries_shown = 15  # Painboard.records_to_mend: the newest 15 of each kind
        tmux.keys("R", *["Down"] * entries_shown, "d", "Enter")
        _until(lambda: len(_episodes(env, db)) == len(episodes) - 1, 15, "the delete")
        newest_episode = max(episodes, key=lambda e: (e["onset"], e["id"]))
        assert newest_episode["id"] not in {e["id"] for e in _episodes(env, db)}
        tmux.until(lambda s: "Records:" in s and "Delete this" not in s, 10, "the records again")
        tmux.keys("z")
        _until(lambda: _episodes(env, db) == episodes, 15, "the undo")
        tmux.keys("Escape", "q")
    finally:
        tmux.close()
