"""The README's commands run as written, in order, on the demo database (issue 11, item 4).

Every ```sh block of README.md is run line by line with bash in a fresh HOME, with painboard
on the PATH and PAINBOARD_DB pointing at a demo database, as its text says. The install lines
(pip, run by the setup itself), the SSH, tmux and PATH lines (tests/test_ssh.py) and the
dashboard itself (tests/test_terminal.py) are left to the tests that cover them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Real hours of the day in London, each a clock the README must hold at: just after midnight,
# before the 08:00 dose, before 14:30 (`--at 14:30` was then in the future), after the last
# dose of the day, just before midnight, and 02:00 on the nights the clocks change (in March
# 01:00-02:00 does not happen; in October 01:00-02:00 happens twice).
HOURS = ["2026-11-28T00:30:00+00:00", "2026-11-28T07:10:00+00:00", "2026-11-28T14:00:00+00:00",
         "2026-11-28T17:00:00+00:00", "2026-11-28T21:30:00+00:00", "2026-11-28T23:50:00+00:00",
         "2027-03-28T02:00:00+01:00", "2026-10-25T02:00:00+00:00"]
SKIP = re.compile(r"pip install|^ssh |\bssh -t\b|^tmux |ln -s|export PATH|^python bench")


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith("#") and not SKIP.search(line):
                lines.append(line)
    return lines


def test_readme_commands_are_found():
    cmds = readme_commands()
    assert any(c.startswith("painboard plan done") for c in cmds)
    assert any(c.startswith("mkdir -p ~/.config/painboard/plugins") for c in cmds)
    assert any(c.startswith("painboard backup") for c in cmds) and any(c.startswith("painboard check") for c in cmds)


@pytest.mark.system
@pytest.mark.parametrize("now", HOURS)
def test_readme_runs_as_written(tmp_path, now):
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    shutil.copytree(REPO / "examples", work / "examples")
    bindir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAINBOARD_", "XDG_"))}
    # A fixed clock hid that the README failed before 14:30 (`log 4 --at 14:30` was then in
    # the future) and that its fixed radiation date turned "overdue": it runs at every hour above.
    env.update(HOME=str(home), PATH=f"{bindir}:{env.get('PATH', '/usr/bin:/bin')}", TZ="Europe/London",
               PAINBOARD_DB=str(work / "demo.db"), PAINBOARD_NOW=now)
    subprocess.run(["painboard", "demo", "--force"], cwd=work, env=env, check=True, capture_output=True)
    for cmd in readme_commands():
        # review asks its questions: Enter takes each prefilled answer.
        r = subprocess.run(["bash", "-c", cmd], cwd=work, env=env, input="\n" * 40, text=True,
                           capture_output=True, timeout=120)
        assert r.returncode == 0, f"{cmd}\n{r.stdout}\n{r.stderr}"
        assert "warning" not in r.stderr, f"{cmd}\n{r.stderr}"
    out = subprocess.run(["painboard", "metrics", "--since", "2w"], cwd=work, env=env, capture_output=True,
                         text=True, check=True).stdout
    assert "Days with worst pain 4 or less" in out and "over 14 days" in out
    plan = subprocess.run(["painboard", "plan", "list", "--all"], cwd=work, env=env, capture_output=True,
                          text=True, check=True).stdout
    assert "daily at 08:00, 14:00 and 20:00" in plan and "[stopped]" in plan
    assert (work / "painboard-backup.db").exists() and (work / "visit.html").exists()
    # What the dashboard's plan shows after the README: nothing it added is overdue.
    lines = subprocess.run([sys.executable, "-c", CHECKLIST], cwd=work, env=env, capture_output=True,
                           text=True, check=True).stdout
    assert "Radiation to spine" in lines and "overdue by" not in lines, lines


CHECKLIST = """
from painboard.config import Settings
from painboard.services import Painboard
for line in Painboard(Settings.load()).snapshot(metrics=False).checklist:
    print(line.state, line.text)
"""
