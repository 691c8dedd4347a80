"""No dashboard without a terminal, and none left behind when its terminal goes away."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.system


def env() -> dict[str, str]:
    e = dict(os.environ, PAINBOARD_TZ="UTC", PAINBOARD_LOAD_PLUGINS="", TERM="xterm-256color")
    e.pop("NO_COLOR", None)
    return e


def test_no_terminal_exits_2_with_the_commands_to_use(tmp_path):
    db = tmp_path / "p.db"
    started = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "painboard", "--db", str(db)], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=30,
                       env=dict(env(), SSH_ORIGINAL_COMMAND="painboard log 9"))
    assert r.returncode == 2
    assert "needs a terminal" in r.stderr and "painboard log 7" in r.stderr and "ssh -t" in r.stderr
    assert "'painboard log 9' was not run" in r.stderr
    assert r.stdout == "" and "\x1b" not in r.stderr  # no escape codes streamed into a pipe
    assert not db.exists() and time.monotonic() - started < 20


def _dashboard_in_a_pty(db: Path, ignore_hangup: bool = False) -> tuple[subprocess.Popen, int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, b"\x18\x00\x50\x00\x00\x00\x00\x00")  # 24 rows, 80 columns

    def own_terminal() -> None:
        if ignore_hangup:  # as under nohup: the kernel's SIGHUP alone would not end it
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([sys.executable, "-m", "painboard", "--db", str(db)], stdin=slave, stdout=slave,
                            stderr=slave, env=env(), preexec_fn=own_terminal, close_fds=True)
    os.close(slave)
    seen, deadline = b"", time.monotonic() + 30
    while b"painboard" not in seen and time.monotonic() < deadline:
        try:
            seen += os.read(master, 65536)
        except OSError:
            break
    assert b"painboard" in seen, seen[-500:]
    return proc, master


def _lock_is_free(db: Path) -> bool:
    r = subprocess.run([sys.executable, "-m", "painboard", "--db", str(db), "log", "4"], env=env(),
                       capture_output=True, text=True, timeout=60)
    return r.returncode == 0


@pytest.mark.parametrize("how", ["terminal closed", "terminal closed under nohup", "SIGHUP"])
def test_the_dashboard_ends_when_its_terminal_goes_away(tmp_path, how):
    db = tmp_path / "p.db"
    subprocess.run([sys.executable, "-m", "painboard", "--db", str(db), "log", "5"], env=env(), check=True,
                   capture_output=True)
    proc, master = _dashboard_in_a_pty(db, ignore_hangup="nohup" in how)
    try:
        if how == "SIGHUP":
            proc.send_signal(signal.SIGHUP)
        else:
            os.close(master)  # what sshd does when the connection drops
        proc.wait(timeout=15)  # raises TimeoutExpired if it stays behind
    finally:
        if proc.poll() is None:
            proc.kill()
        if how == "SIGHUP":
            os.close(master)
    assert proc.returncode is not None
    assert _lock_is_free(db)
