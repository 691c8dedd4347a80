"""The command line. Parses, calls services, prints. No SQL and no domain rules here.

`painboard` alone opens the dashboard, and its first frame waits for every module imported
before it: so this module imports only click and the settings at the top. The services (and
with them pydantic and duckdb) are imported by the subcommands that use them, and by the
dashboard's first thread worker.

The commands live by topic beside this module (cli_common holds what they share). Each topic's
module is imported when one of its commands is used, and all of them for --help: `painboard log
5` loads the recording commands alone, not the plugin API, the mending or the symptoms.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from painboard import __version__
from painboard.config import Settings
from painboard.entry import WRITES_ONE
from painboard.errors import BadInput, PainboardError

# What every command shares, importable from here as before.
from painboard.cli_common import (LEVEL_LEGEND, OPTION, RECORD_WORDS, SINCE_HELP, _clean_click_error,  # noqa: F401
                                  _day, _echo_json, _options, _pb, _quiet_stdout, _when, say)

if TYPE_CHECKING:
    from painboard.services import Painboard

# Each topic's module and the commands its register(cli) adds. The `delete` group is
# cli_record's; the mending and symptom modules add their kinds to it.
COMMAND_HOMES = {
    "painboard.cli_record": ("demo", "log", "episode", "review", "entries", "delete"),
    "painboard.cli_plan": ("plan",),
    "painboard.cli_data": ("backup", "restore", "check", "import", "export", "metrics", "plugins"),
    "painboard.cli_remind": ("remind", "relief"),
    "painboard.cli_mending": ("edit", "undo", "episodes", "reviews", "doses"),
    "painboard.cli_symptoms": ("symptom", "symptoms"),
}
DELETE_HOMES = ("painboard.cli_record", "painboard.cli_mending", "painboard.cli_symptoms")


class PainboardGroup(click.Group):
    """Turns the app's errors into a message on stderr and an exit code, never a traceback."""

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as exc:
            _clean_click_error(exc)
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PainboardError as exc:
            say(f"painboard: {exc}", err=True)
            ctx.exit(2 if isinstance(exc, BadInput) else 1)
        except click.ClickException as exc:
            _clean_click_error(exc)
            raise
        except (click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # `painboard entries | head -1`: the reader had enough
            _quiet_stdout()
            ctx.exit(0)
        except OSError as exc:  # a full disk or a closed pipe on standard output
            _quiet_stdout()
            say(f"painboard: {exc.strerror or exc}"
                + (f": {exc.filename}" if getattr(exc, "filename", None) else ""), err=True)
            ctx.exit(1)
        except Exception as exc:  # a plugin command's own failure (or a bug): a message, not a traceback
            if os.environ.get("PAINBOARD_DEBUG"):
                raise
            name = ctx.invoked_subcommand or ""
            own = name in self.commands
            what = f"command {name!r}" if own else f"plugin command {name!r}"
            say(f"painboard: {what} failed: {type(exc).__name__}: {exc}"
                + ("" if own else " (see 'painboard plugins'; PAINBOARD_DEBUG=1 shows the traceback)"),
                err=True)
            ctx.exit(1)

    def _load(self, module: str) -> None:
        """Import one topic's module and add its commands (once)."""
        loaded = self.__dict__.setdefault("_loaded", set())
        if module not in loaded:
            loaded.add(module)
            importlib.import_module(module).register(self)

    def builtin(self, name: str) -> click.Command | None:
        """A built-in command, its module imported on first use."""
        homes = DELETE_HOMES if name == "delete" else [m for m, names in COMMAND_HOMES.items() if name in names]
        for module in homes:
            self._load(module)
        return self.commands.get(name)

    def delete_group(self) -> click.Group:
        """The `delete` group, which the topics' modules add their kinds to."""
        self._load("painboard.cli_record")
        return self.commands["delete"]

    @staticmethod
    def builtin_names() -> set[str]:
        return {name for names in COMMAND_HOMES.values() for name in names}

    # Plugin commands (hook register_commands) are looked up only when a name is not built in,
    # so a broken plugin never stands between the user and 'painboard entries'.
    def _plugin_commands(self, ctx: click.Context) -> click.Group:
        root = ctx.find_root()
        group = root.meta.get("painboard.plugin_commands")
        if group is None:
            from painboard.config import default_plugins_dir
            from painboard.plugins import load_registry

            pdir = root.params.get("plugins_dir") or os.environ.get("PAINBOARD_PLUGINS_DIR") or default_plugins_dir()
            try:
                reg = load_registry(pdir)
            except PainboardError as exc:  # strict mode: say why, then carry on without plugins
                say(f"painboard: {exc}", err=True)
                return click.Group()
            group = click.Group()
            reg.add_commands(group)
            root.meta["painboard.registry"] = reg
            root.meta["painboard.plugin_commands"] = group
        return group

    def get_command(self, ctx: click.Context, cmd_name: str):
        cmd = self.builtin(cmd_name)
        if cmd is None and ctx.parent is None:
            cmd = self._plugin_commands(ctx).commands.get(cmd_name)
            reg = ctx.find_root().meta.get("painboard.registry")
            refused = reg.folder_refused() if reg is not None else None
            if cmd is None and refused and not ctx.resilient_parsing:
                raise click.UsageError(f"No such command {cmd_name!r}; plugin folder {refused}", ctx)
        return cmd

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = self.builtin_names()
        if ctx.parent is None:
            names |= set(self._plugin_commands(ctx).commands)
        return sorted(names)


ENVIRONMENT = """\b
Environment:
  PAINBOARD_DB             the database file (as --db)
  PAINBOARD_TZ             your time zone, like Europe/London (else TZ, else the system's)
  PAINBOARD_PLUGINS_DIR    the plugins folder (as --plugins-dir)
  PAINBOARD_LOAD_PLUGINS   a,b: load only these plugins; empty: built-ins only
  PAINBOARD_STRICT_PLUGINS 1: plugin problems are errors (for plugin authors)
  PAINBOARD_CONFIG         the settings file (default ~/.config/painboard/config.toml)
  PAINBOARD_IMPORT_MEMORY_MB    an import's memory (address space, default 2048)
  PAINBOARD_IMPORT_CPU_SECONDS  an import's processor time (default 900)
  NO_COLOR                 draw the dashboard without colour
  TEXTUAL_COLOR_SYSTEM     truecolor, 256, standard (16 colours) or auto

\b
Shell completion (bash; zsh and fish alike):
  eval "$(_PAINBOARD_COMPLETE=bash_source painboard)"
"""


@click.group(cls=PainboardGroup, invoke_without_command=True, epilog=ENVIRONMENT,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db", envvar="PAINBOARD_DB", type=click.Path(dir_okay=False),
              help="Database file (default: in your user data folder).")
@click.option("--read-only", is_flag=True, help="Open the data without changing it.")
@click.option("--plugins-dir", envvar="PAINBOARD_PLUGINS_DIR", type=click.Path(file_okay=False),
              is_eager=True,  # read before --help, which lists the folder's plugin commands
              help="Folder of plugin .py files.")
@click.version_option(__version__, prog_name="painboard")
@click.pass_context
def cli(ctx: click.Context, db: str | None, read_only: bool, plugins_dir: str | None) -> None:
    """painboard: keep your pain log and plan, and see how things are going.

    `painboard` alone, with no command, opens the dashboard (it needs a terminal); the
    commands below work without it."""
    settings = Settings.load(db=db, read_only=read_only, plugins_dir=plugins_dir)
    if plugins_dir and not os.path.isdir(os.path.expanduser(plugins_dir)):
        say(f"painboard: warning: plugins folder {plugins_dir} does not exist: no folder plugins loaded",
            err=True)
    if ctx.invoked_subcommand is None:
        # No dashboard without a terminal (exit 2 and the commands to use instead), checked
        # before Textual is loaded. The dashboard builds its Painboard from the settings in its
        # first thread worker, after the first frame (see the module docstring).
        from painboard.tui.terminal import require_terminal

        require_terminal()
        from painboard.tui.launch import run_dashboard

        run_dashboard(settings)
        return
    if ctx.invoked_subcommand in WRITES_ONE:  # log: the recording use-cases alone (recording.py)
        from painboard.recording import Recording as Painboard
    else:
        from painboard.services import Painboard
    ctx.obj = Painboard(settings)
    # A new file is said at once (a relative PAINBOARD_DB from another folder would otherwise
    # give an empty database without a word); demo's own line names the file it writes.
    ctx.obj.db.on_create = (lambda notice: None) if ctx.invoked_subcommand == "demo" else \
        (lambda notice: say(f"painboard: {notice}", err=True))
    if "painboard.registry" in ctx.meta:  # already loaded to find a plugin command
        ctx.obj.use_registry(ctx.meta["painboard.registry"])
    ctx.call_on_close(lambda: _plugin_notices(ctx.obj))
    _end_cleanly_on_sigterm(ctx)


def _end_cleanly_on_sigterm(ctx: click.Context) -> None:
    """SIGTERM ends a command as an error would (SystemExit), so its clean-ups run: a backup or
    a restore leaves no partial copy behind."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    old = signal.signal(signal.SIGTERM, stop)
    ctx.call_on_close(lambda: signal.signal(signal.SIGTERM, old))


def _plugin_notices(pb: Painboard) -> None:
    """Settings naming no plugin, and what the database says (a copy kept before an upgrade),
    said once on stderr."""
    reg = pb.__dict__.get("_registry")
    for notice in getattr(reg, "notices", None) or []:
        say(f"painboard: warning: {notice}", err=True)
    for notice in pb.db.notices:
        say(f"painboard: {notice}", err=True)


def __getattr__(name: str) -> Any:
    """A command module's name (log, plan_add, _review_check...), importable from here as before."""
    if not name.startswith("__"):
        for module in COMMAND_HOMES:
            found = getattr(importlib.import_module(module), name, None)
            if found is not None:
                return found
    raise AttributeError(f"module 'painboard.cli' has no attribute {name!r}")


def main() -> None:
    # Pydantic's plugin discovery scans all installed packages' metadata (~80 ms of each
    # start); painboard uses no pydantic plugins. Set for this process only if unset.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
    try:
        cli(prog_name="painboard")
    finally:
        _flush_or_quiet()


def _flush_or_quiet() -> None:
    """What is left in the output buffer is written here, not in the interpreter's last flush,
    so a reader that closed the pipe early ends the command quietly (no 'Broken pipe')."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    main()
