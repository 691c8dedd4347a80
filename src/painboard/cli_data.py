"""Commands on the database and the plugins: backup, restore, check, import, export,
metrics, plugins. Registered on the group in painboard.cli."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from painboard.cli_common import (LEVEL_LEGEND, OPTION, RECORD_WORDS, SINCE_HELP, WithSettings, _day, _echo_json,
                                  _options, say, setting_rows)
from painboard.terminal_text import clean, plural

if TYPE_CHECKING:
    from painboard.services import Painboard


def _held(n: dict[str, int]) -> str:
    """What a backup file holds, in the words backup and restore both say: "3 entries, 1 episode"."""
    return f"{plural(n['pain_entry'], 'entry', 'entries')}, {plural(n['episode'], 'episode')}"


@click.command(short_help="Copy the database to FILE (safe while it is open).")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_obj
def backup(pb: Painboard, file: str) -> None:
    """Copy the database to FILE (safe while other sessions are open)."""
    r = pb.backup(file)
    say(f"backup written to {r['path']} ({r['bytes'] // 1024} KiB, {_held(r['counts'])}), checked")


@click.command(short_help="Put BACKUP in the database's place (checked first).")
@click.argument("backup_file", metavar="BACKUP", type=click.Path(dir_okay=False))
@click.pass_obj
def restore(pb: Painboard, backup_file: str) -> None:
    """Put BACKUP in the database's place (it is checked first; the current file is kept)."""
    r = pb.restore(backup_file)
    say(f"restored {r['from']} to {r['path']} ({_held(r['counts'])}), checked")
    if r["kept"]:
        say(f"the file it replaced is kept at {r['kept']}")


@click.command(short_help="Verify the database: schema, rows, consistency.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def check(pb: Painboard, as_json: bool) -> None:
    """Verify the database: schema version, every row readable, records consistent."""
    r = pb.check()
    if as_json:
        _echo_json({"db": str(pb.db.path), **r})
    else:
        schema = "unreadable" if r["schema"] is None else r["schema"]
        say(f"{pb.db.path}: schema {schema}, " +
            ", ".join(plural(v, *RECORD_WORDS.get(k, (k.replace("_", " "),))) for k, v in r["counts"].items()))
        for p in r["problems"]:
            say(f"problem: {p}", err=True)
        say("ok" if r["ok"] else "problems found")
    if not r["ok"]:
        raise SystemExit(1)


# -- plugins: import, export, metrics, plugins ---------------------------------------------
@click.command("import", cls=WithSettings, kind="importers")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", help="The importer to use (default: tell from the file).")
@click.option("--date-order", type=click.Choice(["dmy", "mdy", "ymd"]),
              help="How the file writes dates like 05/03/24 (same as -O date_order=...).")
@OPTION
@click.pass_obj
def import_(pb: Painboard, file: str, fmt: str | None, date_order: str | None, options: tuple[str, ...]) -> None:
    """Import FILE: all rows or none; rows already stored are skipped."""
    if date_order:
        options = (*options, f"date_order={date_order}")
    size = os.path.getsize(file) if os.path.isfile(file) else 0
    bar = None
    if size > 1 << 20:  # a bar only for files big enough to wait for (click hides it off a tty)
        bar = click.progressbar(length=size, label=f"reading {os.path.basename(file)}", file=sys.stderr)
        bar.__enter__()
    done = [0]

    def progress(n: int, total: int) -> None:
        if bar is not None and n > done[0]:
            bar.update(n - done[0])
            done[0] = n

    try:
        r = pb.import_file(file, fmt, progress=progress, options=_options(options))
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    names = {"pain_entry": "pain entries", "episode": "breakthrough episodes", "daily_review": "daily reviews",
             "plan_item": "plan items", "plan_event": "plan events", "symptom": "symptoms"}
    parts = [f"{r.added[k]} of {n} {names[k]}" for k, n in r.read.items() if n]
    skipped = sum(r.read.values()) - r.count
    left_out = ", ".join(f"{what} {n}" for what, n in r.skipped.items() if n)
    say(f"imported from {r.path} ({r.format}): {', '.join(parts) or 'nothing to import'}"
               + (f"; {skipped} already stored" if skipped else "")
               + (f"; skipped (not pain entries): {left_out}" if left_out else ""))


@click.command(short_help="Export your data as FORMAT ('painboard plugins' lists them).", cls=WithSettings,
               kind="exporters")
@click.argument("format")
@click.option("-o", "--output", "out", help="File to write ('-' for stdout; default painboard-DATE.EXT here).")
@click.option("--since", help=SINCE_HELP + " (default: the first record).")
@click.option("--until", help="Up to (not including) this date (default: tomorrow).")
@click.option("--force", is_flag=True, help="Replace FILE if it exists (never the database or a backup).")
@OPTION
@click.pass_obj
def export(pb: Painboard, format: str, out: str | None, since: str | None, until: str | None,
           force: bool, options: tuple[str, ...]) -> None:
    """Export your data as FORMAT (see 'painboard plugins' for the formats you have).

    A read-only session writes no file: use -o - for standard output."""
    exporter = pb.registry.exporter(format)
    if out is None:
        out = exporter.default_file_name(pb.today())
    r = pb.export(format, out, _day(pb, since), _day(pb, until, "until"), _options(options), force=force)
    if r.path is not None:
        say(f"wrote {plural(r.count, 'record')} to {r.path} ({r.format})", err=True)


@click.command()
@click.option("--since", help=SINCE_HELP + " (default: 7d, the last 7 days).")
@click.option("--until", help="Up to (not including) this date (default: tomorrow).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def metrics(pb: Painboard, since: str | None, until: str | None, as_json: bool) -> None:
    """The metrics over a period (default the last 7 days).

    \b
    !  worth a look
    !! worth raising with your care team"""
    results = pb.compute_metrics(_day(pb, since), _day(pb, until, "until"))
    if as_json:
        _echo_json([r.model_dump() for r in results])
        return
    marks = {"ok": " ", "watch": "!", "alert": "!!"}
    rows = [("" if r.error else marks[r.level], clean(r.label), clean(f"error: {r.error}" if r.error else r.text))
            for r in results]
    for line in _table_lines(rows):
        click.echo(line)
    if results:
        say(LEVEL_LEGEND)


def _table_lines(rows: list[tuple[str, str, str]]) -> list[str]:
    """Mark, label, text: labels padded to the longest, the text wrapped to the terminal's
    width (80 when it is not a terminal) under itself, so a long figure stays readable."""
    import shutil
    import textwrap

    if not rows:
        return []
    width = max(len(label) for _, label, _ in rows)
    indent = " " * (2 + 1 + width + 2)
    columns = max(shutil.get_terminal_size((80, 24)).columns, len(indent) + 20)
    lines: list[str] = []
    for mark, label, text in rows:
        lines += textwrap.wrap(text, columns, initial_indent=f"{mark:<2} {label:<{width}}  ",
                               subsequent_indent=indent, break_on_hyphens=False) or [f"{mark:<2} {label}"]
    return lines


@click.command(short_help="The plugins found, what each adds, any that failed.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def plugins(pb: Painboard, as_json: bool) -> None:
    """The plugins painboard found, what each adds, and any that failed to load."""
    from painboard.plugin_api import Setting

    reg = pb.registry
    if not reg.commands_added:
        reg.add_commands(click.Group())  # only to learn which commands each plugin adds
    infos = pb.plugin_list()
    if as_json:
        _echo_json([p.model_dump() for p in infos])
        return
    from painboard.cli import cli

    builtin = cli.builtin_names()
    for p in infos:
        # A plugin command named like a built-in one is never reached: the built-in wins.
        hidden = [c for c in p.registers.get("commands") or [] if c in builtin]
        regs = {k: [n for n in v if not (k == "commands" and n in builtin)] for k, v in p.registers.items()}
        adds = "; ".join(f"{k}: {', '.join(v)}" for k, v in regs.items() if v)
        say(f"{p.name} {p.version or ''} ({p.source}{': ' + p.location if p.location else ''})")
        if adds:
            say(f"    adds {adds}")
        for kind, named in p.settings.items():
            for name, settings in named.items():
                rows = setting_rows(Setting(**s) for s in settings)
                say(f"    {kind[:-1]} {name} settings: " + ("; ".join(f"-O {a} ({b})" for a, b in rows) or "none (it takes no -O)"))
        for w in p.warnings:
            say(f"    warning: {w}")
        if hidden:
            say(f"    warning: command {', '.join(hidden)} is built in; the plugin's is not used")
        if p.error:
            say(f"    ERROR: {p.error}")


def register(cli) -> None:
    """Add this module's commands to the group (painboard.cli imports it on first use)."""
    for command in (backup, restore, check, import_, export, metrics, plugins):
        cli.add_command(command)
