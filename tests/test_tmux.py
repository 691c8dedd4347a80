"""The dashboard in a real terminal: tmux at 80x24, in 256 colours and in 16 (TERM=screen).

Each test starts its own tmux server (its own socket), runs a shell in one pane, starts
`painboard` there on a demo database, and reads the screen with capture-pane. Keys go in
with send-keys; the database is checked with `painboard entries --json` from outside.
Every wait polls with a deadline: these run beside other test files on two cores.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

pytestmark = [pytest.mark.system, pytest.mark.slow, pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed (.ci/run installs it with apt-get)")]

PAINBOARD = Path(sys.executable).parent / "painboard"
# SGR colour codes beyond the 16 basic ones: 256-colour (38;5;n) and true colour (38;2;r;g;b).
RICH_COLOUR = re.compile(r"\x1b\[[0-9;]*[34]8;[25];")
# The dashboard's quick log line: the score it shows, and the line empty again after a save.
QUICK_SCORE = re.compile(r"Log pain now\s+(\S+)")
QUICK_EMPTY = re.compile(r"Log pain now\s+0-10\b")


PATIENCE = 60.0  # seconds a wait on the screen may take before the test fails (issue 22)


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAINBOARD_", "TMUX", "COLORTERM"))}
    # The real clock: the dashboard, `painboard log` and `painboard entries` must agree on "now".
    env.update({"TZ": "UTC", "PAINBOARD_TZ": "UTC", "PAINBOARD_LOAD_PLUGINS": "", "HOME": str(tmp_path),
                "TEXTUAL_ANIMATIONS": "none"})
    env.pop("NO_COLOR", None)
    return env


class Tmux:
    """One tmux server on its own socket, one 80x24 pane running a plain shell."""

    def __init__(self, tmp_path: Path, term: str, env: dict):
        self.sock = f"painboard-test-{os.getpid()}-{time.monotonic_ns()}"
        self.env = env
        conf = tmp_path / "tmux.conf"
        conf.write_text(f'set -g default-terminal "{term}"\nset -g status off\n'
                        "set -g history-limit 0\nset -g escape-time 0\n")
        self.run("-f", str(conf), "new-session", "-d", "-s", "pb", "-x", "80", "-y", "24",
                 "bash --norc --noprofile")
        self.run("set-option", "-t", "pb", "remain-on-exit", "off")

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True,
                              env=self.env, timeout=30, check=check)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "pb", *(["-l"] if literal else []), *keys)

    def screen(self, escapes: bool = False) -> str:
        return self.run("capture-pane", "-p", "-t", "pb", *(["-e"] if escapes else [])).stdout

    def pane(self, fmt: str) -> str:
        return self.run("display-message", "-p", "-t", "pb", fmt).stdout.strip()

    def until(self, predicate, timeout: float, what: str) -> str:
        """The screen once ``predicate`` holds. A passing test goes on at once; a failing one
        waits at least PATIENCE, so a machine with both cores busy does not fail it."""
        deadline = time.monotonic() + max(timeout, PATIENCE)
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {max(timeout, PATIENCE):.0f}s waiting for {what}; the screen:\n{text}")
            time.sleep(0.1)

    def close(self) -> None:
        self.run("kill-server", check=False)


def _painboard(env: dict, db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(PAINBOARD), "--db", str(db), *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.fixture
def demo(tmp_path):
    env = _env(tmp_path)
    db = tmp_path / "demo.db"
    r = _painboard(env, db, "demo")
    assert r.returncode == 0, r.stderr
    return env, db


@pytest.mark.parametrize("term", ["xterm-256color", "screen"])
def test_dashboard_in_tmux(demo, tmp_path, term):
    env, db = demo
    entries_before = json.loads(_painboard(env, db, "entries", "--json").stdout)
    tmux = Tmux(tmp_path, term, {**env, "TERM": "xterm-256color"})  # the outer terminal
    try:
        assert tmux.pane("#{pane_width}x#{pane_height}") == "80x24"
        assert tmux.pane("#{pane_current_command}") == "bash"
        # The shell in the pane runs the dashboard under the TERM tmux gives it.
        tmux.keys(f'echo "TERM=$TERM"; "{PAINBOARD}" --db "{db}"; echo "EXIT=$?"', literal=True)
        tmux.keys("Enter")
        # The key line joins once everything is drawn (the figures come first).
        text = tmux.until(lambda s: "●live" in s and "Morphine SR" in s and "night pain" in s and "q quit" in s,
                          30, "the dashboard with its data and its key line")
        lines = text.splitlines()
        assert len(lines) <= 24 and all(len(line) <= 80 for line in lines)
        # The chart, today's figures and the checklist, each in words a reader can find.
        assert "painboard" in lines[0] and re.search(r"now \d+/10", lines[0]), lines[0]
        assert "Pain, 30 days" in text and "[30d]" in text and "━" in text
        assert re.search(r"average [\d.]+\s+worst \d+", text) or "no entries yet today" in text
        assert "rescue doses" in text and "OMED" in text and "night pain:" in text
        assert "Plan" in text and "Morphine SR 30 mg" in text and "Oxycodone IR 5 mg, as needed" in text
        assert re.search(r"\[[ x!+-]\]|\( \)", text)  # checklist boxes, not colour alone
        assert "q quit" in text and "0-9 log" in text
        assert "\ufffd" not in text  # nothing the terminal could not draw
        coloured = tmux.screen(escapes=True)
        if term == "screen":  # 16 colours: only the terminal's own palette
            assert not RICH_COLOUR.search(coloured), "256-colour or true-colour codes under TERM=screen"
        else:
            assert RICH_COLOUR.search(coloured), "expected 256 colours under xterm-256color"

        # Quick log: 6 on the dashboard's quick log line, then Enter: saved to the database,
        # shown in the header, and the line free again.
        tmux.keys("6")
        tmux.until(lambda s: QUICK_SCORE.search(s) and QUICK_SCORE.search(s).group(1) == "6", 10,
                   "6 on the quick log line")
        tmux.keys("Enter")
        tmux.until(lambda s: "now 6/10" in s.splitlines()[0] and QUICK_EMPTY.search(s), 10,
                   "now 6/10 after the quick log")
        after = json.loads(_painboard(env, db, "entries", "--json").stdout)
        assert len(after) == len(entries_before) + 1
        newest = max(after, key=lambda e: (e["occurred_at"], e["id"]))
        assert newest["intensity"] == 6 and newest["id"] not in {e["id"] for e in entries_before}

        # A write from outside shows within 3 s.
        r = _painboard(env, db, "log", "9", "--note", "from another shell")
        assert r.returncode == 0, r.stderr
        written = time.monotonic()
        tmux.until(lambda s: "now 9/10" in s.splitlines()[0], 3.0, "now 9/10 within 3 s of the write")
        assert time.monotonic() - written <= 3.0

        # ? shows the keys; Esc closes them.
        tmux.keys("?")
        # The quick log's toast may cover the last rows for a few seconds: wait until it is gone.
        text = tmux.until(lambda s: "Keys" in s and "quick log" in s and "command palette" in s, 15,
                          "the help screen, whole")
        assert "breakthrough" in text and "command palette" in text
        tmux.keys("Escape")
        tmux.until(lambda s: "quick log" not in s and "●live" in s, 10, "the dashboard again")

        # q quits: the process is gone and the shell reports exit code 0.
        tmux.keys("q")
        exit_line = re.compile(r"^EXIT=(\d+)\s*$", re.M)  # the echo's output, not the command line
        text = tmux.until(lambda s: exit_line.search(s), 15, "the shell after quitting")
        assert exit_line.search(text).group(1) == "0" and "Traceback" not in text
        assert re.search(rf"^TERM={re.escape(term)}\s*$", text, re.M)
        deadline = time.monotonic() + PATIENCE
        while tmux.pane("#{pane_current_command}") != "bash" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert tmux.pane("#{pane_current_command}") == "bash"
    finally:
        tmux.close()


def _newest(env, db) -> dict:
    entries = json.loads(_painboard(env, db, "entries", "--json").stdout)
    return max(entries, key=lambda e: (e["occurred_at"], e["id"]))


def test_keys_sent_in_one_burst_land_where_typed(demo, tmp_path):
    """`send-keys '10' Enter` is one write to the terminal: the whole burst reaches the app
    before the quick log's form is up, as over a slow SSH link."""
    env, db = demo
    before = len(json.loads(_painboard(env, db, "entries", "--json").stdout))
    tmux = Tmux(tmp_path, "xterm-256color", {**env, "TERM": "xterm-256color"})
    try:
        tmux.keys(f'"{PAINBOARD}" --db "{db}"', literal=True)
        tmux.keys("Enter")
        tmux.until(lambda s: "●live" in s and "Morphine SR" in s, 30, "the dashboard with its data")

        tmux.keys("10", "Enter")
        tmux.until(lambda s: "now 10/10" in s.splitlines()[0] and QUICK_EMPTY.search(s), 10, "now 10/10")
        after = json.loads(_painboard(env, db, "entries", "--json").stdout)
        assert len(after) == before + 1 and _newest(env, db)["intensity"] == 10

        tmux.keys("r8", "Tab", "3", "Tab", "5")  # the review: worst, least, average
        # Each field is its own widget, drawing its key in its own turn: wait for all three.
        tmux.until(lambda s: "Daily review" in s and re.search(r"Worst in the last 24 h\s+8\b", s)
                   and re.search(r"Least in the last 24 h\s+3\b", s) and re.search(r"On average\s+5\b", s),
                   10, "the review burst: worst 8, least 3, average 5")
        tmux.keys("Escape")
        tmux.until(lambda s: "Daily review" not in s, 10, "the dashboard again")

        # A quick log while another process holds the database: kept, stamped when typed,
        # saved once the file is free.
        # The holder keeps the file until its standard input closes (a state, not a time).
        holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; "
                                   f"c = duckdb.connect({str(db)!r}); print('held', flush=True); "
                                   "sys.stdin.read(); c.close()"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "held"
            typed = time.time()
            tmux.keys("7", "Enter")
            tmux.until(lambda s: "database busy" in s, 30, "the save waiting for the held file")
            assert "now 7/10" not in tmux.screen().splitlines()[0]  # not saved while held
        finally:
            freed = time.time()
            holder.stdin.close()
            holder.wait(timeout=60)
        tmux.until(lambda s: "now 7/10" in s.splitlines()[0], 30, "the held quick log saved")
        newest = _newest(env, db)
        assert newest["intensity"] == 7
        # Stamped when typed: after the keys were sent and before the file was let go (a save
        # stamped at saving time would come after ``freed``).
        stamped = datetime.fromisoformat(newest["occurred_at"]).timestamp()
        assert typed - 1.0 <= stamped < freed, (newest["occurred_at"], typed, freed)
        tmux.keys("q")
    finally:
        tmux.close()


def test_keys_typed_while_the_dashboard_starts_land_and_the_first_read_leaves_nothing(demo, tmp_path):
    """The command and a quick log in one burst: `5` Enter reach the terminal before the
    dashboard has drawn anything, while its first read runs in a child process
    (first_read.py). The entry is saved, the metrics follow the first read, and no child
    process is left behind."""
    env, db = demo
    before = len(json.loads(_painboard(env, db, "entries", "--json").stdout))
    tmux = Tmux(tmp_path, "xterm-256color", {**env, "TERM": "xterm-256color"})
    try:
        tmux.keys(f'"{PAINBOARD}" --db "{db}"', literal=True)
        tmux.keys("Enter", "5", "Enter")
        tmux.until(lambda s: "now 5/10" in s.splitlines()[0] and QUICK_EMPTY.search(s), 30, "now 5/10")
        after = json.loads(_painboard(env, db, "entries", "--json").stdout)
        assert len(after) == before + 1 and _newest(env, db)["intensity"] == 5

        # The metrics came with the refresh after the first read: M lists them in full.
        tmux.keys("M")
        text = tmux.until(lambda s: "Average pain" in s, 10, "the metrics screen")
        assert re.search(r"Average pain\s+[\d.]+/10", text), text
        tmux.keys("Escape")

        # The reader was reaped: the dashboard has no child process, not even a zombie.
        shell = tmux.pane("#{pane_pid}")
        dashboard = subprocess.run(["pgrep", "-P", shell], capture_output=True, text=True).stdout.split()
        assert len(dashboard) == 1, dashboard
        children = subprocess.run(["pgrep", "-P", dashboard[0]], capture_output=True, text=True).stdout.split()
        assert children == []
        tmux.keys("q")
    finally:
        tmux.close()
