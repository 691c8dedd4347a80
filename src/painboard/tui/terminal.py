"""The dashboard needs a terminal, and ends when its terminal goes away.

Without these, `ssh host painboard` through a forced command and no `-t` streamed escape codes
into a pipe and spun on its closed input forever (Textual's input thread reads EOF in a loop),
holding the lock file long after the SSH session ended. No Textual import here: the check runs
before the dashboard is loaded.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
from typing import Callable

NO_TERMINAL = """\
painboard: the dashboard needs a terminal, and this session has none (standard input and output
are not a terminal). Over SSH, use 'ssh -t'. Without a terminal, use the commands instead:
  painboard log 7 --site "left hip"     painboard entries --since 7d
  painboard metrics --since 7d           painboard export markdown -o -
  painboard --help                       (every command)"""

FORCED_COMMAND = """\
This SSH key opens the dashboard only (a forced command): '{command}' was not run."""

HANGUP_STATUS = 129  # 128 + SIGHUP, as a shell reports a process ended by a hang-up


def _is_terminal(stream) -> bool:
    try:
        return stream is not None and os.isatty(stream.fileno())
    except (OSError, ValueError):  # closed, or not a real file
        return False


def require_terminal(stdin=None, stdout=None, env: dict[str, str] | None = None) -> None:
    """Exit with status 2 and a message naming the commands to use, unless both ends are a terminal."""
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    if _is_terminal(stdin) and _is_terminal(stdout):
        return
    env = os.environ if env is None else env
    message = NO_TERMINAL
    original = env.get("SSH_ORIGINAL_COMMAND")
    if original:
        message += "\n" + FORCED_COMMAND.format(command=original[:200].encode("ascii", "replace").decode())
    print(message, file=sys.stderr)
    raise SystemExit(2)


def end_on_hangup(request_exit: Callable[[], None], fds: tuple[int, ...] = (0, 1),
                  grace: float = 3.0) -> None:
    """On SIGHUP, or when the terminal hangs up under stdin or stdout, ask the app to exit.

    A terminal that is gone can block the app's last write, so the process ends on its own
    ``grace`` seconds later if the app has not. The kernel frees the database lock with it.
    """
    fired = threading.Event()

    def hang_up() -> None:
        if fired.is_set():
            return
        fired.set()
        timer = threading.Timer(grace, os._exit, args=(HANGUP_STATUS,))
        timer.daemon = True
        timer.start()
        try:
            request_exit()
        except Exception:  # the app may already be closing; the timer ends the process anyway
            pass

    def on_signal(signum, frame) -> None:
        # Called on the main thread, which runs the app's event loop: hand over to a thread.
        threading.Thread(target=hang_up, name="painboard-hangup", daemon=True).start()

    signal.signal(signal.SIGHUP, on_signal)

    def watch() -> None:
        poller = select.poll()
        for fd in fds:
            poller.register(fd, select.POLLHUP | select.POLLERR | select.POLLNVAL)
        while not fired.is_set():
            if any(ev & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _, ev in poller.poll(1000)):
                hang_up()
                return

    threading.Thread(target=watch, name="painboard-terminal-watch", daemon=True).start()
