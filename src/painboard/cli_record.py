"""Commands that record and list pain: demo, log, episode, review, entries, delete.
Registered on the group in painboard.cli."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import click

from painboard.cli_common import SINCE_HELP, _day, _echo_json, _when, delete_after_asking, say
from painboard.errors import BadInput
from painboard.terminal_text import plural

if TYPE_CHECKING:
    from painboard.services import Painboard


@click.command(short_help="Fill an empty database with a demo patient story.")
@click.option("--days", default=90, show_default=True, type=click.IntRange(7, 3650))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--force", is_flag=True, help="Replace what the database holds.")
@click.pass_obj
def demo(pb: Painboard, days: int, seed: int, force: bool) -> None:
    """Fill an empty database with a realistic patient story."""
    from painboard.demo import load_demo

    counts = load_demo(pb, days=days, seed=seed, force=force)
    say(f"demo story written to {pb.db.path}: {plural(counts['pain_entry'], 'entry', 'entries')}, "
               f"{plural(counts['episode'], 'breakthrough episode')}, {plural(counts['plan_item'], 'plan item')}, "
               f"{plural(counts['plan_event'], 'plan event')}, {plural(counts['daily_review'], 'daily review')}")


# A negative number is an intensity to refuse with a message, not an unknown option.
NUMBER_ARG = {"ignore_unknown_options": True}


@click.command(context_settings=NUMBER_ARG)
@click.argument("intensity")
@click.option("--at", "at", help="When: 14:30, 'yesterday 14:30' or ISO 8601 (default now).")
@click.option("--site", multiple=True, help="Where (repeat for more).")
@click.option("--quality", multiple=True, help="What it felt like: aching, sharp, burning...")
@click.option("--pattern", help="constant, intermittent or on movement.")
@click.option("--activity", help="What you were doing when it started.")
@click.option("--worse", multiple=True, help="What made it worse.")
@click.option("--better", multiple=True, help="What made it better.")
@click.option("--duration", metavar="MIN", help="How long it lasted, in minutes.")
@click.option("--note")
@click.pass_obj
def log(pb: Painboard, intensity: str, at: str | None, site, quality, pattern, activity, worse,
        better, duration, note) -> None:
    """Log pain now: INTENSITY from 0 (none) to 10 (worst imaginable)."""
    entry = pb.log_pain(intensity=intensity, occurred_at=_when(pb, at), sites=list(site),
                        qualities=list(quality), pattern=pattern, activity=activity,
                        worse=list(worse), better=list(better), duration_min=duration, note=note)
    say(f"logged {entry.intensity}/10 at {pb.local(entry.occurred_at):%a %d %b %H:%M} (entry {entry.id})")


@click.command(context_settings=NUMBER_ARG, short_help="Record a breakthrough episode and its PEAK (0-10).")
@click.argument("peak")
@click.option("--at", "at", help="Onset (default now).")
@click.option("--type", "type_", help="spontaneous, incident volitional, incident non-volitional, procedural, end of dose.")
@click.option("--trigger")
@click.option("--duration", metavar="MIN", help="Minutes until it settled.")
@click.option("--rescue", "rescue", help="The as-needed plan item taken (number or name).")
@click.option("--background", help="Background pain before it, 0-10.")
@click.option("--site")
@click.option("--quality")
@click.option("--note")
@click.pass_obj
def episode(pb: Painboard, peak, at, type_, trigger, duration, rescue, background, site, quality, note) -> None:
    """Record a breakthrough episode with its PEAK intensity."""
    ep = pb.record_episode(peak=peak, onset=_when(pb, at) if at else None, duration_min=duration,
                           rescue_item=rescue, type=type_, trigger=trigger, background=background, site=site,
                           quality=quality, note=note)
    extra = f", {ep.duration_min} min" if ep.duration_min is not None else ""
    say(f"breakthrough episode recorded: peak {ep.peak}/10{extra} (episode {ep.id})")


def _review_check(day: date, key: str, domain: str | None = None):
    """A prompt answer checked as it is typed: a bad one is asked again, not lost at the end."""
    from painboard.models import DailyReview

    def check(text: str) -> str | None:
        text = text.strip()
        if not text:
            return None
        try:
            DailyReview.build(day=day, **({key: {domain: text}} if domain else {key: text}))
        except BadInput as exc:
            raise click.UsageError(exc.message) from None
        return text

    return check


@click.command(short_help="The daily review: today's pain and how it got in the way.")
@click.option("--day", help="Which day (default today).")
@click.option("--worst")
@click.option("--least")
@click.option("--average")
@click.option("--now", "now_")
@click.option("--relief", help="Relief from treatment, 0-100 in steps of 10.")
@click.option("--interference", multiple=True, help="DOMAIN=N, e.g. walking=6 (repeatable).")
@click.option("--note")
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: use the options and the last 24 hours.")
@click.pass_obj
def review(pb: Painboard, day, worst, least, average, now_, relief, interference, note, yes) -> None:
    """The daily review: a few questions about today's pain and how it got in the way."""
    from painboard.models import INTERFERENCE_DOMAINS

    d = _day(pb, day, "day") or pb.today()
    pre = pb.review_prefill(d)
    given = {"worst": worst, "least": least, "average": average, "now": now_, "relief_pct": relief}
    questions = {"worst": "Worst pain in the last 24 hours (0-10)",
                 "least": "Least pain in the last 24 hours (0-10)",
                 "average": "Pain on average (0-10)", "now": "Pain right now (0-10)",
                 "relief_pct": "How much relief has treatment given, 0-100 %"}
    answers: dict[str, Any] = {}
    for key, q in questions.items():
        if given[key] is not None or yes:
            answers[key] = given[key] if given[key] is not None else pre.get(key)
        else:
            default = pre.get(key)
            answers[key] = click.prompt(q, default="" if default is None else str(default),
                                        show_default=default is not None,
                                        value_proc=_review_check(d, key)) or None
    inter: dict[str, Any] = dict(pre.get("interference") or {})
    for pair in interference:
        k, sep, v = pair.partition("=")
        if not sep or not v.strip():
            raise BadInput(f"{pair!r} is not DOMAIN=N, like walking=6", field="interference")
        inter[k.strip()] = v.strip()
    if not yes and not interference:
        say("How much did pain get in the way of these today? 0 not at all, 10 completely.")
        for k, label in INTERFERENCE_DOMAINS.items():
            cur = inter.get(k)
            inter[k] = click.prompt(f"  {label}", default="" if cur is None else str(cur),
                                    show_default=cur is not None,
                                    value_proc=_review_check(d, "interference", k)) or None
    if note is None and not yes:
        note = click.prompt("A note (optional)", default=pre.get("note") or "", show_default=False) or None
    r = pb.save_review(day=d, interference=inter, note=note if note is not None else pre.get("note"), **answers)
    say(f"review saved for {r.day:%a %d %b}")


@click.command()
@click.option("--since", help=SINCE_HELP + ".")
@click.option("--until", help="Up to (not including) this date.")
@click.option("--limit", type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def entries(pb: Painboard, since, until, limit, as_json) -> None:
    """List pain entries."""
    lo, hi = _day(pb, since), _day(pb, until, "until")
    if lo and hi and lo > hi:
        raise BadInput("must not be after --until", field="since")
    rows = pb.entries(lo, hi, limit=limit)
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        where = ", ".join(r["sites"] or [])
        feel = ", ".join(r["qualities"] or [])
        say(f"{pb.local(r['occurred_at']):%Y-%m-%d %H:%M}  {r['intensity']:>2}/10  {where:<20} {feel:<20} "
            f"(entry {r['id']})")
    if not rows:
        say("no entries", err=True)
    elif not as_json:
        say(plural(len(rows), "entry", "entries"), err=True)


@click.group()
def delete() -> None:
    """Delete a record entered by mistake."""


@delete.command("entry", short_help="Delete pain entry ID (as 'painboard entries' shows it).")
@click.argument("entry_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask.")
@click.pass_obj
def delete_entry(pb: Painboard, entry_id: str, yes: bool) -> None:
    """Delete pain entry ID (the number 'painboard entries --json' shows as id)."""
    r = pb.entry(entry_id)
    what = f"entry {r['id']}: {r['intensity']}/10 at {pb.local(r['occurred_at']):%Y-%m-%d %H:%M}"
    delete_after_asking(what, yes, lambda: pb.delete_entry(r["id"]))


def register(cli) -> None:
    """Add this module's commands to the group (painboard.cli imports it on first use)."""
    for command in (demo, log, episode, review, entries, delete):
        cli.add_command(command)
