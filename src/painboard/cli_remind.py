"""`painboard remind` and `painboard relief` (issue 21): parse, call the use-case, print."""

from __future__ import annotations

import shlex
import shutil
import sys
from typing import Any

import click

from painboard.terminal_text import clean


def _say(text: Any = "", err: bool = False) -> None:
    click.echo(clean(text), err=err)


def _sent_line(s) -> str:
    if s.result == "sent":
        return f"sent    {s.channel}: {s.text}"
    return f"FAILED  {s.channel} after {s.attempts} tries: {s.error}"


def _status(rem, as_json: bool) -> None:
    from painboard.reminders import message

    due, recent, health = rem.preview()
    if as_json:
        from painboard.cli import _echo_json

        _echo_json({"due_now": [{"key": r.key, "kind": r.kind, "at": r.at, "text": message(r, rem.tz)} for r in due],
                    "sent": recent, "channels": health})
        return
    _say("due now, not sent yet: " + (", ".join(message(r, rem.tz) for r in due) if due else "nothing"))
    for h in health:
        when = f"{h['at'].astimezone(rem.tz):%a %H:%M}"
        if h["result"] == "failed":
            _say(f"channel {h['channel']}: FAILING (last try {when}, {h['attempts']} tries: {h['error']})")
        else:
            _say(f"channel {h['channel']}: ok (last sent {when})")
    shown = [r for r in recent if r["channel"] != "-"]
    _say(f"sent in the last 24 hours: {len(shown)}")
    for r in shown[:20]:
        _say(f"  {r['claimed_at'].astimezone(rem.tz):%a %H:%M}  {r['kind']:<12} {r['channel']:<12} {r['result']}")
    if any(h["result"] == "failed" for h in health):
        sys.exit(1)


def _watch(rem, as_json: bool) -> None:
    import time

    from painboard.models import utcnow

    _say("painboard remind --watch: sending reminders as they come due (ctrl+c stops)", err=True)
    try:
        while True:
            _print_run(rem.run(warnings=rem.pb.warnings_to_send()), as_json, quiet=True)
            wake = rem.next_wake()
            time.sleep(min(300.0, max(1.0, (wake - utcnow()).total_seconds())))
    except KeyboardInterrupt:
        return


def _print_run(sent: list, as_json: bool, quiet: bool = False) -> None:
    if as_json:
        from dataclasses import asdict

        from painboard.cli import _echo_json

        _echo_json([asdict(s) for s in sent])
    elif not sent and not quiet:
        _say("nothing due now")
    for s in sent if not as_json else []:
        _say(_sent_line(s))


TIMER = """\
# ~/.config/systemd/user/painboard-remind.service
[Unit]
Description=painboard reminders

[Service]
Type=oneshot
ExecStart={cmd} remind

# ~/.config/systemd/user/painboard-remind.timer
[Unit]
Description=painboard reminders every 5 minutes

[Timer]
OnCalendar=*:0/5
Persistent=true

[Install]
WantedBy=timers.target

# then: systemctl --user daemon-reload && systemctl --user enable --now painboard-remind.timer
# or, with cron (crontab -e):
*/5 * * * * {cmd} remind >/dev/null 2>&1
"""


@click.command(short_help="Send the reminders that are due now.")
@click.option("--channel", "channels", multiple=True, metavar="URL",
              help="Send to this Apprise URL (ntfy://, mailto://...) for this run instead of the settings' channels.")
@click.option("--json", "as_json", is_flag=True, help="Print what was sent as JSON.")
@click.option("--test", "test", is_flag=True, help="Send one test message to each channel.")
@click.option("--status", is_flag=True, help="What is due, what was sent, which channel fails.")
@click.option("--watch", is_flag=True, help="Keep running: send each reminder as it comes due.")
@click.option("--print-timer", is_flag=True, help="Print a systemd user timer and a crontab line.")
@click.pass_context
def remind(ctx: click.Context, channels, as_json, test, status, watch, print_timer) -> None:
    """Send the reminders due now (doses, the day before a treatment, the evening review, how
    the pain is after a rescue dose), each once. Channels: [[remind.channel]] in the settings."""
    from painboard.cli import _pb
    from painboard.reminders_run import Reminders, url_channels

    if print_timer:
        exe = shutil.which("painboard") or f"{sys.executable} -m painboard"
        db = ctx.find_root().params.get("db")
        for line in TIMER.format(cmd=exe + (f" --db {shlex.quote(db)}" if db else "")).splitlines():
            _say(line)
        return
    rem = Reminders(_pb(ctx), channels=url_channels(list(channels)) or None)
    if status:
        return _status(rem, as_json)
    if test:
        sent = rem.test()
        _print_run(sent, as_json)
    elif watch:
        return _watch(rem, as_json)
    else:
        sent = rem.run(warnings=rem.pb.warnings_to_send())
        _print_run(sent, as_json)
    if any(s.result == "failed" for s in sent):
        sys.exit(1)


@click.command(context_settings={"ignore_unknown_options": True},
               short_help="Answer how the pain is after an as-needed DOSE.")
@click.argument("dose")
@click.argument("score")
@click.pass_context
def relief(ctx: click.Context, dose: str, score: str) -> None:
    """Answer "how is the pain now?" after as-needed DOSE (its number in the reminder): SCORE 0-10."""
    from painboard.cli import _pb
    from painboard.reminders_run import record_relief

    pb = _pb(ctx)
    entry = record_relief(pb, dose, score)
    _say(f"logged {entry.intensity}/10 at {pb.local(entry.occurred_at):%a %d %b %H:%M} as the pain after "
         f"dose {dose} (entry {entry.id})")


def register(cli) -> None:
    """Add this module's commands to the group (painboard.cli imports it on first use)."""
    for command in (remind, relief):
        cli.add_command(command)
