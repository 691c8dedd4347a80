"""What every command shares: printing (user text cleaned of terminal escapes), the services
object of the context, JSON output, dates and times as typed, plugin options, and the words
for records. Re-exported from painboard.cli."""

from __future__ import annotations

import os
import sys
from datetime import date
from typing import TYPE_CHECKING, Any, Callable

import click

from painboard.errors import BadInput
from painboard.terminal_text import clean, clean_lines

if TYPE_CHECKING:
    from painboard.services import Painboard


def say(text: Any = "", err: bool = False) -> None:
    """Every line the CLI prints: user text in it is cleaned of terminal escapes (one line)."""
    click.echo(clean(text), err=err)


def _quiet_stdout() -> None:
    """After standard output failed (a full disk, a closed pipe), send the rest to /dev/null
    so the interpreter's last flush does not print a second error."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError):
        pass


def _clean_click_error(exc: click.ClickException) -> None:
    """A usage error quotes what was typed: one clean line. A group called without its
    subcommand shows its help: our own text, so its lines stay lines (escapes still cleaned,
    for a plugin command's help)."""
    help_shown = isinstance(exc, getattr(click.exceptions, "NoArgsIsHelpError", ()))
    exc.message = clean_lines(exc.message) if help_shown else clean(exc.message)


def _pb(ctx: click.Context) -> Painboard:
    from painboard.services import Painboard

    return ctx.find_object(Painboard) or ctx.ensure_object(dict)["pb"]


def _echo_json(data: Any) -> None:
    from painboard.services import jsonable

    from painboard.terminal_text import json_text

    click.echo(json_text(jsonable(data)))


def delete_after_asking(what: str, yes: bool, delete: Callable[[], Any], undo: bool = True) -> None:
    """Ask before deleting ``what`` (unless --yes), delete it and say so: one wording for every record."""
    if not yes and not click.confirm(clean(f"delete {what}?"), default=False, err=True):
        raise click.Abort()
    delete()
    say(f"deleted {what}")
    if undo:
        say("('painboard undo' puts it back)", err=True)


def _when(pb: Painboard, text: str | None, field: str = "at"):
    from painboard.models_when import parse_when

    return parse_when(text, pb.tz, field=field)


def _options(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--option KEY=VALUE`` pairs as a dict (a plugin's own settings)."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise BadInput(f"{pair!r} is not KEY=VALUE", field="option")
        out[key.strip().lower().replace("-", "_")] = value.strip()
    return out


OPTION = click.option("-O", "--option", "options", multiple=True, metavar="KEY=VALUE",
                      help="A setting of the format's plugin (repeatable; listed below and by 'painboard plugins').")


def setting_rows(settings) -> list[tuple[str, str]]:
    """A plugin's -O settings as (NAME=TYPE, help) pairs, cleaned: a folder plugin wrote them."""
    return [(clean(f"{s.name}={s.type}"), clean(s.help)) for s in settings]


class WithSettings(click.Command):
    """A command whose --help ends with each format's -O settings (importers or exporters,
    from the plugins loaded: they are not known before)."""

    def __init__(self, *args: Any, kind: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind = kind  # "importers" or "exporters"

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        from painboard.services import Painboard

        pb = ctx.find_object(Painboard)
        if pb is None:
            return
        plugins = getattr(pb.registry, self.kind).values()
        for p in plugins:
            if p.settings:
                with formatter.section(clean(f"Settings of {p.name} (-O NAME=VALUE)")):
                    formatter.write_dl(setting_rows(p.settings))
        bare = [p.name for p in plugins if not p.settings]
        if bare:
            formatter.write_paragraph()
            formatter.write_text(clean(f"No -O settings: {', '.join(bare)}."))


def _day(pb: Painboard, text: str | None, field: str = "since") -> date | None:
    from painboard.models_when import parse_day

    # A span given as --since (7d, 2w, 3m, 1y) is a period of that length ending today.
    return parse_day(text, pb.tz, field=field, period=field == "since") if text else None


# Each kind of record in words, one and many: "1 pain entry", "323 pain entries".
RECORD_WORDS = {"pain_entry": ("pain entry", "pain entries"), "episode": ("breakthrough episode",),
                "daily_review": ("daily review",), "plan_item": ("plan item",), "plan_event": ("plan event",)}


SINCE_HELP = "From this date: ISO date, 'yesterday', or a period ending today like 7d, 2w, 3m, 1y"


LEVEL_LEGEND = "! worth a look   !! worth raising with your care team (the dashboard shows ▲ and ▲▲)"
