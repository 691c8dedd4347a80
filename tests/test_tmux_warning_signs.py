"""Issue 20 in a real terminal: log a warning sign in one tmux send-keys burst; the banner shows
at the top; a second dashboard (a read-only one, as a caregiver's) sees it; ! then who was told
clears it and the record stays."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.test_tmux import PAINBOARD, Tmux, _env, _painboard

pytestmark = [pytest.mark.system, pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed")]


def test_warning_sign_in_one_burst_and_a_read_only_session(tmp_path):
    env = _env(tmp_path)
    db = tmp_path / "demo.db"
    assert _painboard(env, db, "demo").returncode == 0
    tmux = Tmux(tmp_path, "xterm-256color", {**env, "TERM": "xterm-256color"})
    other = Tmux(tmp_path, "xterm-256color", {**env, "TERM": "xterm-256color"})
    try:
        tmux.keys(f'"{PAINBOARD}" --db "{db}"', literal=True)
        tmux.keys("Enter")
        other.keys(f'"{PAINBOARD}" --db "{db}" --read-only', literal=True)
        other.keys("Enter")
        tmux.until(lambda s: "●live" in s, 30, "the dashboard")
        other.until(lambda s: "●live" in s or "live" in s, 30, "the read-only dashboard")
        # One burst: s, the name, Tab, the severity, Enter.
        tmux.keys("s", "difficulty walking", "Tab", "moderate", "Enter")
        text = tmux.until(lambda s: "Warning sign logged" in s, 15, "the banner")
        assert text.splitlines()[0].strip().startswith("⚠ Warning sign logged at")
        assert "Your care team asked you to report this today" in text
        seen = other.until(lambda s: "difficulty walking" in s, 15, "the banner in the second session")
        assert "read-only session" in seen
        tmux.keys("!", "oncology nurse", "Enter")
        tmux.until(lambda s: "Warning sign logged" not in s and "●live" in s, 15, "the banner cleared")
        other.until(lambda s: "Warning sign logged" not in s, 15, "the banner cleared in the second session")
        rows = json.loads(_painboard(env, db, "symptoms", "--json").stdout)
        assert [(r["name"], r["severity"], r["reported_to"]) for r in rows] == [
            ("difficulty walking", "moderate", "oncology nurse")]
        tmux.keys("q")
        other.keys("q")
    finally:
        tmux.close()
        other.close()
