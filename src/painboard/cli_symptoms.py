"""The symptom commands (issue 20): `painboard symptom NAME`, `symptom reported`, `symptom signs`,
`symptom team`, `symptoms`, `delete symptom`. Parses, calls services, prints; the words shown
when a warning sign is logged are the care team's, never painboard's."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from painboard.cli_common import SINCE_HELP, _day, _echo_json, _when, delete_after_asking, say
from painboard.errors import BadInput
from painboard.terminal_text import plural

if TYPE_CHECKING:
    from painboard.services import Painboard

KIND_WORDS = {"warning_sign": "warning sign", "side_effect": "side effect", "own_words": "symptom"}


class SymptomGroup(click.Group):
    """`painboard symptom NAME ...` logs; a first word naming a subcommand runs it instead."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["log", *args]
        return super().parse_args(ctx, args)


@click.group(cls=SymptomGroup, short_help="Log a symptom or a warning sign (see --help).")
def symptom() -> None:
    """Log a symptom: a warning sign from your care team's list, a side effect, or your own words.

    \b
    painboard symptom "difficulty walking" --severity moderate
    painboard symptom reported 3 --to "oncology nurse"
    painboard symptom signs         (your team's list)"""


@symptom.command("log", short_help="Log symptom NAME.", context_settings={"ignore_unknown_options": False})
@click.argument("name")
@click.option("--severity", help="none, mild, moderate or severe.")
@click.option("--at", "at", help="When: 14:30, 'yesterday 14:30' or ISO 8601 (default now).")
@click.option("--note")
@click.option("--warning", is_flag=True, help="Your team asked to hear about this (a warning sign in your words).")
@click.pass_obj
def log_symptom(pb: Painboard, name: str, severity, at, note, warning: bool) -> None:
    """Log symptom NAME (the same as `painboard symptom NAME`)."""
    got = pb.log_symptom(name, severity=severity, occurred_at=_when(pb, at), note=note, warning=warning)
    s = got.symptom
    how = f", {s.severity}" if s.severity else ""
    say(f"logged {KIND_WORDS[s.kind]}: {s.name}{how} at {pb.local(s.occurred_at):%a %d %b %H:%M} (symptom {s.id})")
    if got.message:
        say(got.message)
        say(f"Once your team knows: painboard symptom reported {s.id} --to WHO")
        if not pb.team().phone:
            say("(no number entered: painboard symptom team --phone NUMBER)", err=True)


@symptom.command("reported", short_help="Mark symptom ID as reported: who was told.")
@click.argument("symptom_id", metavar="ID")
@click.option("--to", "to", required=True, help="Who was told, like 'oncology nurse'.")
@click.option("--at", "at", help="When (default now).")
@click.pass_obj
def reported(pb: Painboard, symptom_id: str, to: str, at) -> None:
    """Mark symptom ID as reported to your care team (who was told, and when)."""
    r = pb.mark_reported(symptom_id, to, at=_when(pb, at) if at else None)
    say(f"symptom {r['id']} ({r['name']}) marked as reported to {r['reported_to']} "
        f"at {pb.local(r['reported_at']):%a %d %b %H:%M}")


@symptom.command("signs", short_help="List your care team's warning signs.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def signs(pb: Painboard, as_json: bool) -> None:
    """List your care team's warning signs, with their words and number."""
    team = pb.team()
    if as_json:
        _echo_json({"team_words": team.words, "team_phone": team.phone,
                    "signs": [{"name": s.name, "shown": team.message(s)} for s in team.signs]})
        return
    say(f"When one is logged painboard shows: {team.message(None)}")
    for s in team.signs:
        own = f"   ({team.message(s)})" if s.words or s.phone else ""
        say(f"  {s.name}{own}")


@symptom.command("team", short_help="Set your team's words and number.")
@click.option("--words", help="Your team's words for what to do, shown when a sign is logged.")
@click.option("--phone", help="The number to call.")
@click.pass_obj
def team_words(pb: Painboard, words, phone) -> None:
    """Set your care team's words and number, shown when a warning sign is logged."""
    if words is None and phone is None:
        raise BadInput("give --words, --phone or both", field="team")
    team = pb.set_team(words=words, phone=phone)
    say(f"saved: {team.message(None)}")


@symptom.command("add-sign", short_help="Add a sign to your team's list.")
@click.argument("name")
@click.option("--words", help="The team's words for this sign (default: the team's general words).")
@click.option("--phone", help="A number for this sign (default: the team's number).")
@click.pass_obj
def add_sign(pb: Painboard, name: str, words, phone) -> None:
    """Add NAME to your team's warning-sign list (or change its words and number)."""
    pb.add_sign(name, words=words, phone=phone)
    say(f"on the warning-sign list: {' '.join(name.split())}")


@symptom.command("remove-sign", short_help="Take a sign off your team's list.")
@click.argument("name")
@click.pass_obj
def remove_sign(pb: Painboard, name: str) -> None:
    """Take NAME off your team's warning-sign list (symptoms already logged stay)."""
    pb.remove_sign(name)
    say(f"taken off the warning-sign list: {name}")


def _line(pb: Painboard, r: dict[str, Any]) -> str:
    how = r["severity"] or ""
    told = ""
    if r["kind"] == "warning_sign":
        told = (f"reported {pb.local(r['reported_at']):%d %b %H:%M} to {r['reported_to']}" if r["reported_at"]
                else "NOT YET REPORTED")
    return (f"{pb.local(r['occurred_at']):%Y-%m-%d %H:%M}  {KIND_WORDS[r['kind']]:<12}  {r['name']:<40} "
            f"{how:<8}  {told}  (symptom {r['id']})")


@click.command("symptoms", short_help="List logged symptoms and warning signs.")
@click.option("--since", help=SINCE_HELP + ".")
@click.option("--until", help="Up to (not including) this date.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def symptoms(pb: Painboard, since, until, as_json: bool) -> None:
    """List logged symptoms, warning signs with when and to whom they were reported."""
    lo, hi = _day(pb, since), _day(pb, until, "until")
    if lo and hi and lo > hi:
        raise BadInput("must not be after --until", field="since")
    rows = pb.symptoms(lo, hi)
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        say(_line(pb, r))
    say(plural(len(rows), "symptom") if rows else "no symptoms", err=True)


@click.command("symptom", short_help="Delete symptom ID.")
@click.argument("symptom_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask.")
@click.pass_obj
def delete_symptom(pb: Painboard, symptom_id: str, yes: bool) -> None:
    """Delete symptom ID (the number 'painboard symptoms' shows)."""
    r = pb.symptom(symptom_id)
    what = f"symptom {r['id']}: {r['name']} at {pb.local(r['occurred_at']):%Y-%m-%d %H:%M}"
    delete_after_asking(what, yes, lambda: pb.delete_symptom(r["id"]), undo=False)


def register(cli: click.Group) -> None:
    cli.add_command(symptom)
    cli.add_command(symptoms)
    cli.delete_group().add_command(delete_symptom)
