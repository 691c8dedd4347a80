"""The plan commands: plan add, list, done, stop. Registered on the group in painboard.cli."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from painboard.cli_common import _day, _echo_json, _when, say
from painboard.kinds import CATEGORIES

if TYPE_CHECKING:
    from painboard.services import Painboard


@click.group(short_help="The treatment plan: add, list, done, stop.")
def plan() -> None:
    """The treatment plan: medication, bone-strengthening drugs, radiation, procedures."""


@plan.command("add")
@click.argument("name")
@click.option("--category", type=click.Choice(CATEGORIES), default="medication", show_default=True)
@click.option("--dose", type=float)
@click.option("--unit")
@click.option("--route")
@click.option("--times", help="Daily at these times, like 08:00,20:00.")
@click.option("--every-weeks", type=int, help="Every N weeks from the start date.")
@click.option("--rrule", help="An RFC 5545 recurrence rule, like FREQ=DAILY;BYHOUR=8,20.")
@click.option("--as-needed", is_flag=True, help="Taken when needed.")
@click.option("--max-per-day", type=int, help="For as-needed items: the most a day.")
@click.option("--on", "on", help="A one-off item's date (radiation session, procedure).")
@click.option("--sessions", type=int, help="A course of N sessions (with --rrule or --times).")
@click.option("--start", help="Start date (default today).")
@click.option("--end", help="End date.")
@click.option("--mme-factor", type=float, help="Oral morphine equivalent factor (default from the table for known opioids).")
@click.option("--strength", help="A liquid's or tablet's strength, like '10 mg/5 ml' or '5 mg', so doses in ml or tablets count in OMED.")
@click.option("--note")
@click.pass_obj
def plan_add(pb: Painboard, name, category, dose, unit, route, times, every_weeks, rrule, as_needed,
             max_per_day, on, sessions, start, end, mme_factor, strength, note) -> None:
    """Add a plan item."""
    from painboard.services import schedule_from_options

    kind, rule = schedule_from_options(rrule, times, every_weeks, as_needed, bool(on), sessions)
    fields = dict(name=name, category=category, dose=dose, unit=unit, route=route, kind=kind, rrule=rule,
                  max_per_day=max_per_day, sessions=sessions, mme_factor=mme_factor, note=note, strength=strength,
                  on_date=_day(pb, on, "on"), end_date=_day(pb, end, "end"))
    if start:
        fields["start_date"] = _day(pb, start, "start")
    item = pb.add_plan_item(**fields)
    say(f"plan item {item.id} added: {item.label()} ({item.kind.replace('_', ' ')})")
    if (why := pb.omed_note(item)):
        say(f"note: {why}")


@plan.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.option("--all", "show_all", is_flag=True, help="Include stopped items.")
@click.pass_obj
def plan_list(pb: Painboard, as_json: bool, show_all: bool) -> None:
    """List plan items."""
    items = pb.plan(include_stopped=show_all or as_json)
    if as_json:
        _echo_json(items)
        return
    if not items:
        say("the plan is empty: add items with 'painboard plan add'")
    for it in items:
        from painboard.services import plan_item_when

        when = plan_item_when(it)
        status = "" if it.status == "active" else f" [{it.status}]"
        say(f"{it.id:>3}  {it.category.replace('_', ' '):<18} {it.label():<32} {when}{status}")


@plan.command("done", short_help="Record a dose taken or a session done for ITEM.")
@click.argument("item")
@click.option("--at", "at", help="When (default now).")
@click.option("--skipped", is_flag=True, help="Record it as skipped.")
@click.option("--amount", type=float, metavar="AMOUNT",
              help="Amount taken, in the item's unit (mg, ml, tablets: as 'plan list' shows it), "
                   "if not the planned dose.")
@click.option("--note")
@click.option("--extra", is_flag=True, help="Record another dose even if its due time is already recorded.")
@click.pass_obj
def plan_done(pb: Painboard, item, at, skipped, amount, note, extra) -> None:
    """Record a dose taken or a session done for ITEM (number or name).

    A scheduled dose is matched to its nearest open due time within 3 hours (or half the gap
    between due times when they are closer)."""
    ev = pb.mark_done(item, at=_when(pb, at), status="skipped" if skipped else None, amount=amount, note=note,
                      extra=extra)
    due = f", due {pb.local(ev.due_at):%H:%M}" if ev.due_at else ""
    given = ""
    if amount is not None and ev.amount is not None:  # in the unit it counts in: a slip (mg for ml) shows
        unit = next((it.unit for it in pb.plan(include_stopped=True) if it.id == ev.item_id), None)
        given = f" {ev.amount:g}{' ' + unit if unit else ''}"
    say(f"recorded: item {ev.item_id}{given} {ev.status} at {pb.local(ev.done_at):%H:%M}{due} (event {ev.id})")
    if not ev.due_at and not extra and (slot := pb.open_slot_near(ev.item_id, ev.done_at)):
        from painboard.cli_mending import say_no_due_time

        say_no_due_time(pb, ev, slot)


@plan.command("stop")
@click.argument("item")
@click.option("--on", "on", help="Last day (default today).")
@click.pass_obj
def plan_stop(pb: Painboard, item, on) -> None:
    """Stop ITEM (number or name); its history stays."""
    it = pb.stop_item(item, on=_day(pb, on, "on"))
    say(f"stopped {it.label()} from {it.end_date}")


def register(cli) -> None:
    """Add this module's commands to the group (painboard.cli imports it on first use)."""
    for command in (plan,):
        cli.add_command(command)
