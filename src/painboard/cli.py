"""The command line. Parses, calls services, prints. No SQL and no domain rules here.

`painboard` alone opens the dashboard, and its first frame waits for every module imported
before it: so this module imports only click and the settings at the top. The services (and
with them pydantic and duckdb) are imported by the subcommands that use them, and by the
dashboard's first thread worker.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

import click

from painboard import __version__
from painboard.config import Settings
from painboard.errors import BadInput, PainboardError
from painboard.kinds import CATEGORIES

from painboard.terminal_text import clean, clean_lines, plural

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
        cmd = super().get_command(ctx, cmd_name)
        if cmd is None and ctx.parent is None:
            cmd = self._plugin_commands(ctx).commands.get(cmd_name)
            reg = ctx.find_root().meta.get("painboard.registry")
            refused = reg.folder_refused() if reg is not None else None
            if cmd is None and refused and not ctx.resilient_parsing:
                raise click.UsageError(f"No such command {cmd_name!r}; plugin folder {refused}", ctx)
        return cmd

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        if ctx.parent is None:
            names |= set(self._plugin_commands(ctx).commands)
        return sorted(names)


def _pb(ctx: click.Context) -> Painboard:
    from painboard.services import Painboard

    return ctx.find_object(Painboard) or ctx.ensure_object(dict)["pb"]


def _echo_json(data: Any) -> None:
    from painboard.services import jsonable

    from painboard.terminal_text import json_text

    click.echo(json_text(jsonable(data)))


def _when(pb: Painboard, text: str | None, field: str = "at"):
    from painboard.models import parse_when

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
                      help="A setting of the format's plugin (repeatable; 'painboard plugins' lists them).")


def _day(pb: Painboard, text: str | None, field: str = "since") -> date | None:
    from painboard.models import parse_day

    # A span given as --since (7d, 2w, 3m, 1y) is a period of that length ending today.
    return parse_day(text, pb.tz, field=field, period=field == "since") if text else None


# Each kind of record in words, one and many: "1 pain entry", "323 pain entries".
RECORD_WORDS = {"pain_entry": ("pain entry", "pain entries"), "episode": ("breakthrough episode",),
                "daily_review": ("daily review",), "plan_item": ("plan item",), "plan_event": ("plan event",)}
SINCE_HELP = "From this date: ISO date, 'yesterday', or a period ending today like 7d, 2w, 3m, 1y"
LEVEL_LEGEND = "! worth a look   !! worth raising with your care team (the dashboard shows ▲ and ▲▲)"


ENVIRONMENT = """\b
Environment:
  PAINBOARD_DB             the database file (as --db)
  PAINBOARD_TZ             your time zone, like Europe/London (else TZ, else the system's)
  PAINBOARD_PLUGINS_DIR    the plugins folder (as --plugins-dir)
  PAINBOARD_LOAD_PLUGINS   a,b: load only these plugins; empty: built-ins only
  PAINBOARD_STRICT_PLUGINS 1: plugin problems are errors (for plugin authors)
  PAINBOARD_CONFIG         the settings file (default ~/.config/painboard/config.toml)
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


@cli.command(short_help="Fill an empty database with a demo patient story.")
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


@cli.command(context_settings=NUMBER_ARG)
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


@cli.command(context_settings=NUMBER_ARG, short_help="Record a breakthrough episode and its PEAK (0-10).")
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


@cli.group(short_help="The treatment plan: add, list, done, stop.")
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
        say(f"{it.id:>3}  {it.category:<18} {it.label():<32} {when}{status}")


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


@plan.command("stop")
@click.argument("item")
@click.option("--on", "on", help="Last day (default today).")
@click.pass_obj
def plan_stop(pb: Painboard, item, on) -> None:
    """Stop ITEM (number or name); its history stays."""
    it = pb.stop_item(item, on=_day(pb, on, "on"))
    say(f"stopped {it.label()} from {it.end_date}")


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


@cli.command(short_help="The daily review: today's pain and how it got in the way.")
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


@cli.command()
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


@cli.group()
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
    if not yes and not click.confirm(clean(f"delete {what}?"), default=False, err=True):
        raise click.Abort()
    pb.delete_entry(r["id"])
    say(f"deleted {what}")


@cli.command(short_help="Copy the database to FILE (safe while it is open).")
@click.argument("file", type=click.Path(dir_okay=False))
@click.pass_obj
def backup(pb: Painboard, file: str) -> None:
    """Copy the database to FILE (safe while other sessions are open)."""
    r = pb.backup(file)
    n = r["counts"]
    say(f"backup written to {r['path']} ({r['bytes'] // 1024} KiB, "
               f"{plural(n['pain_entry'], 'entry', 'entries')}, {plural(n['episode'], 'episode')}), checked")


@cli.command(short_help="Put BACKUP in the database's place (checked first).")
@click.argument("backup_file", metavar="BACKUP", type=click.Path(dir_okay=False))
@click.pass_obj
def restore(pb: Painboard, backup_file: str) -> None:
    """Put BACKUP in the database's place (it is checked first; the current file is kept)."""
    r = pb.restore(backup_file)
    n = r["counts"]
    say(f"restored {r['from']} to {r['path']} ({plural(n['pain_entry'], 'entry', 'entries')}, "
        f"{plural(n['episode'], 'episode')}), checked")
    if r["kept"]:
        say(f"the file it replaced is kept at {r['kept']}")


@cli.command(short_help="Verify the database: schema, rows, consistency.")
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
@cli.command("import")
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
             "plan_item": "plan items", "plan_event": "plan events"}
    parts = [f"{r.added[k]} of {n} {names[k]}" for k, n in r.read.items() if n]
    skipped = sum(r.read.values()) - r.count
    left_out = ", ".join(f"{what} {n}" for what, n in r.skipped.items() if n)
    say(f"imported from {r.path} ({r.format}): {', '.join(parts) or 'nothing to import'}"
               + (f"; {skipped} already stored" if skipped else "")
               + (f"; skipped (not pain entries): {left_out}" if left_out else ""))


@cli.command(short_help="Export your data as FORMAT ('painboard plugins' lists them).")
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


@cli.command()
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


@cli.command(short_help="The plugins found, what each adds, any that failed.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def plugins(pb: Painboard, as_json: bool) -> None:
    """The plugins painboard found, what each adds, and any that failed to load."""
    reg = pb.registry
    if not reg.commands_added:
        reg.add_commands(click.Group())  # only to learn which commands each plugin adds
    infos = pb.plugin_list()
    if as_json:
        _echo_json([p.model_dump() for p in infos])
        return
    builtin = set(cli.commands)
    for p in infos:
        # A plugin command named like a built-in one is never reached: the built-in wins.
        hidden = [c for c in p.registers.get("commands") or [] if c in builtin]
        regs = {k: [n for n in v if not (k == "commands" and n in builtin)] for k, v in p.registers.items()}
        adds = "; ".join(f"{k}: {', '.join(v)}" for k, v in regs.items() if v)
        say(f"{p.name} {p.version or ''} ({p.source}{': ' + p.location if p.location else ''})")
        if adds:
            say(f"    adds {adds}")
        for w in p.warnings:
            say(f"    warning: {w}")
        if hidden:
            say(f"    warning: command {', '.join(hidden)} is built in; the plugin's is not used")
        if p.error:
            say(f"    ERROR: {p.error}")


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
