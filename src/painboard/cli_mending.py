"""The CLI's mending commands: `edit KIND ID --field value...`, `delete KIND ID` for every kind,
`undo`, and the lists that show each record's number (`episodes`, `reviews`, `doses`).

Parses, calls services (mending.py), prints; registered on the main group by cli.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from painboard.errors import BadInput
from painboard.terminal_text import clean, plural

if TYPE_CHECKING:
    from painboard.services import Painboard

KINDS_HELP = "entry, episode, review (its date), dose (a plan event) or item (a plan item)"


def describe(pb: Painboard, kind: str, r: dict[str, Any]) -> str:
    from painboard.mending import describe as words  # imported late: `painboard` alone starts fast

    return words(pb, kind, r)


def _say(text: Any = "", err: bool = False) -> None:
    from painboard.cli import say

    say(text, err=err)


def say_no_due_time(pb: Painboard, ev: Any, slot: Any) -> None:
    """After `plan done`: the dose is outside every due time; name the open one it may be for."""
    _say(f"this matches no due time, so it is kept outside adherence; the nearest open one is "
         f"{pb.local(slot):%a %-d %b %H:%M}. If it was that dose: painboard edit dose {ev.id} --at "
         f"'{pb.local(slot):%Y-%m-%d %H:%M}'")


def pairs(args: tuple[str, ...]) -> dict[str, str]:
    """`--field value`, `--field=value` or `field=value`, in any mix."""
    out: dict[str, str] = {}
    it = iter(args)
    for a in it:
        name, sep, value = a.removeprefix("--").partition("=")
        if not sep:
            if not a.startswith("--"):
                raise BadInput(f"{a!r} is not --FIELD VALUE", field="field")
            value = next(it, None)
            if value is None:
                raise BadInput("needs a value (use '' to clear it)", field=name)
        out[name] = value
    return out


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
               short_help="Correct a record (see --help for the kinds and fields).")
@click.argument("kind")
@click.argument("ref", metavar="ID")
@click.argument("changes", nargs=-1, type=click.UNPROCESSED)
@click.pass_obj
def edit(pb: Painboard, kind: str, ref: str, changes: tuple[str, ...]) -> None:
    """Correct a record: KIND is entry, episode, review (ID is its date), dose or item.

    Give the fields to change as --field value, like
    'painboard edit entry 12 --intensity 5 --at "yesterday 14:30"'. An empty value ('')
    clears a field. 'painboard undo' puts the record back as it was.

    \b
    entry:   intensity at site quality pattern activity worse better duration note
    episode: peak at end background type trigger site quality relief note
    review:  worst least average now relief note
    dose:    at status amount note (a dose moved in time is matched to its due time again)
    item:    name category dose unit route rrule max-per-day start end mme-factor strength note
    """
    from painboard.mending import kind_of

    k = kind_of(kind)
    before, after = pb.edit_record(k, ref, pairs(changes))
    if k == "event":  # a dose named by its plan item, as the lists name it
        before["item"] = after["item"] = pb.record(k, before["id"]).get("item")
    _say(f"was: {describe(pb, k, before)}")
    _say(f"now: {describe(pb, k, after)}")
    _say("('painboard undo' puts it back)", err=True)


def _delete_command(kind_word: str, kind: str) -> click.Command:
    @click.command(kind_word)
    @click.argument("ref", metavar="DATE" if kind == "review" else "ID")
    @click.option("--yes", "-y", is_flag=True, help="Do not ask.")
    @click.pass_obj
    def command(pb: Painboard, ref: str, yes: bool) -> None:
        r = pb.record(kind, ref)
        what = describe(pb, kind, r)
        if kind == "item":
            n = len(pb.events_of(r["id"]))
            what += f" and its {plural(n, 'recorded dose or session', 'recorded doses and sessions')}" if n else ""
        if not yes and not click.confirm(clean(f"delete {what}?"), default=False, err=True):
            raise click.Abort()
        pb.delete_record(kind, ref)
        _say(f"deleted {what}")
        _say("('painboard undo' puts it back)", err=True)

    from painboard.mending import LISTS, NAMES

    what = "the date" if kind == "review" else "the number"
    command.help = (f"Delete {NAMES[kind]} {'DATE' if kind == 'review' else 'ID'} "
                    f"({what} '{LISTS[kind]}' shows); 'painboard undo' puts it back.")
    command.short_help = f"Delete a {NAMES[kind]} by {what.split()[1]}."
    return command


@click.command()
@click.option("--yes", "-y", is_flag=True, help="Do not ask.")
@click.pass_obj
def undo(pb: Painboard, yes: bool) -> None:
    """Undo the last edit or delete made in this database."""
    what = pb.last_change()
    if what is None:
        _say("nothing to undo: no edit or delete since the last undo")
        return
    if not yes and not click.confirm(clean(f"undo the {what}?"), default=True, err=True):
        raise click.Abort()
    _say(f"undone: the {pb.undo_last()}")


def _listing(name: str, kind: str, rows_of, help_text: str) -> click.Command:
    @click.command(name, help=help_text, short_help=help_text.split(" (")[0].rstrip(".") + ".")
    @click.option("--json", "as_json", is_flag=True)
    @click.pass_obj
    def command(pb: Painboard, as_json: bool) -> None:
        rows = rows_of(pb)
        if as_json:
            from painboard.cli import _echo_json

            _echo_json(rows)
            return
        for r in rows:
            _say(describe(pb, kind, r))
        if not rows:
            _say(f"no {name}", err=True)

    return command


def register(cli) -> None:
    delete = cli.delete_group()
    cli.add_command(edit)
    cli.add_command(undo)
    for word, kind in (("episode", "episode"), ("review", "review"), ("dose", "event"), ("item", "item")):
        delete.add_command(_delete_command(word, kind))
    cli.add_command(_listing("episodes", "episode", lambda pb: pb.episodes_list(),
                             "List breakthrough episodes with their numbers."))
    cli.add_command(_listing("reviews", "review", lambda pb: pb.reviews_list(),
                             "List daily reviews by date."))
    cli.add_command(_listing("doses", "event", lambda pb: pb.events_list(),
                             "List recorded doses, sessions and skips (plan events) with their numbers."))
