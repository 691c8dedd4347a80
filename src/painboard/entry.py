"""The `painboard` command: the dashboard without loading the CLI, every other use through it.

`painboard` alone (or with only --db, --read-only, --plugins-dir) opens the dashboard, and a
person waits for its first frame: the CLI (click and every command's module, about 50 ms of a
200 ms start here) has nothing to do on that path. Anything else, or anything out of the plain
(a file where a folder is wanted, shell completion, an unreadable setting), goes through
painboard.cli as before, which also words every error.

`painboard log` writes one entry, and half of its time is importing DuckDB: a child forked here,
before anything is imported, does that and the write (store/writer.py) while the CLI loads
and checks the entry.
"""

from __future__ import annotations

import os
import sys

# the options the dashboard takes; each of them takes a value except --read-only
VALUED = {"--db": "db", "--plugins-dir": "plugins_dir"}


def dashboard_options(args: list[str], env=os.environ) -> dict | None:
    """The dashboard's options when ``args`` ask for the dashboard alone, plainly; else None."""
    if any(k.startswith("_PAINBOARD_COMPLETE") for k in env):
        return None
    opts: dict = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=")
        if arg == "--read-only":
            opts["read_only"] = True
        elif name in VALUED and eq and value:
            opts[VALUED[name]] = value
        elif arg in VALUED and i + 1 < len(args) and args[i + 1] and not args[i + 1].startswith("-"):
            opts[VALUED[arg]] = args[i + 1]
            i += 1
        else:  # a command, --help, --version, a typo: the CLI's business
            return None
        i += 1
    db = opts.get("db") or env.get("PAINBOARD_DB")
    plugins = opts.get("plugins_dir") or env.get("PAINBOARD_PLUGINS_DIR")
    if (db and os.path.isdir(os.path.expanduser(db))) or \
            (plugins and not os.path.isdir(os.path.expanduser(plugins))):
        return None  # the CLI says what is wrong, or warns
    return opts


# Commands that write one record and nothing else: their write can start early.
WRITES_ONE = ("log",)


def command_of(args: list[str], env=os.environ) -> str | None:
    """The command ``args`` name after the global options (``log`` in ``--db x log 5``), or None
    (none, --help, --version, shell completion)."""
    if any(k.startswith("_PAINBOARD_COMPLETE") for k in env):
        return None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in VALUED:
            i += 2
        elif arg == "--read-only" or arg.partition("=")[0] in VALUED:
            i += 1
        else:
            return None if arg.startswith("-") else arg
    return None


def main() -> None:
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")  # as painboard.cli.main: see there
    opts = dashboard_options(sys.argv[1:])
    settings = None
    if opts is not None:
        from painboard.config import Settings

        try:
            settings = Settings.load(**opts)
        except Exception:  # the CLI loads it again and words the error
            settings = None
    if settings is None:
        if command_of(sys.argv[1:]) in WRITES_ONE:
            _write_one()
            return
        from painboard.cli import main as cli_main

        cli_main()
        return
    from painboard.tui.terminal import require_terminal

    require_terminal()
    from painboard.tui.launch import run_dashboard

    run_dashboard(settings)


def _write_one() -> None:
    """A command of WRITES_ONE: its write by a child forked now, before the CLI loads
    (store/writer.py); then the end without the interpreter's teardown."""
    import gc

    # No garbage collection in a command this short (the dashboard's start pauses it too): its
    # imports ran about 70 collections, some 5 % of its processor time; both sides of the fork.
    gc.disable()
    from painboard.store import writer

    writer.start_writer()
    from painboard.cli import main as cli_main

    try:
        cli_main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    finally:
        writer.stop_writer()
    _end_now(code)


def _end_now(code) -> None:
    """End as ``sys.exit(code)`` does, without freeing each of the 600 modules a command
    loaded one by one (10-15 ms): the atexit handlers run and the output is flushed first. For
    commands that start no thread of their own."""
    import atexit

    if code is None or isinstance(code, int):
        status = code or 0
    else:  # as the interpreter does with a message
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)
