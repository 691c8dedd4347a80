"""`painboard remind` against real servers on 127.0.0.1: an HTTP server taking Apprise's ntfy
and JSON posts, and an SMTP server (aiosmtpd). The clock is stepped over a simulated day."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from painboard import models
from painboard.cli import cli
from tests.conftest import free_port

UTC = timezone.utc


class Inbox:
    """What the local servers received: (channel, frozen time at receipt, message)."""

    def __init__(self):
        self.got: list[tuple[str, datetime, str]] = []
        self.lock = threading.Lock()

    def add(self, channel: str, text: str) -> None:
        with self.lock:
            self.got.append((channel, models.utcnow(), text))

    def of(self, channel: str) -> list[tuple[str, str]]:
        return [(f"{at:%d %H:%M}", text) for ch, at, text in self.got if ch == channel]


@pytest.fixture
def inbox():
    box = Inbox()

    class Http(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            box.add("ntfy" if "topic" in body else "json", body["message"])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"id": "1"}')

        def log_message(self, *args):
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Http)
    # shutdown() waits for the serving loop's next look at its flag: every 10 ms, not every 0.5 s
    threading.Thread(target=http.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    from aiosmtpd.controller import Controller

    class Mail:
        async def handle_DATA(self, server, session, envelope):
            import email

            msg = email.message_from_bytes(envelope.content)
            part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
            box.add("mail", part.get_payload(decode=True).decode().strip())
            return "250 OK"

    smtp = Controller(Mail(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    box.http_port, box.smtp_port = http.server_address[1], smtp.port
    yield box
    http.shutdown()
    smtp.stop()


@pytest.fixture
def env(tmp_path, monkeypatch, inbox):
    """A database, a settings file with three channels (the JSON one with details on), quiet
    hours 22:30-07:00 in London."""
    conf = tmp_path / "config.toml"
    conf.write_text(f"""tz = "Europe/London"
[remind]
quiet_start = "22:30"
quiet_end = "07:00"
[[remind.channel]]
name = "phone"
url = "ntfy://127.0.0.1:{inbox.http_port}/pain"
[[remind.channel]]
name = "mail"
url = "mailto://127.0.0.1:{inbox.smtp_port}?from=pb@example.org&to=me@example.org&mode=insecure"
[[remind.channel]]
name = "hook"
url = "json://127.0.0.1:{inbox.http_port}/hook"
details = true
""")
    conf.chmod(0o600)
    db = tmp_path / "p.db"
    monkeypatch.setenv("PAINBOARD_CONFIG", str(conf))
    monkeypatch.setenv("PAINBOARD_DB", str(db))
    monkeypatch.setenv("PAINBOARD_TZ", "Europe/London")
    monkeypatch.setenv("PAINBOARD_LOAD_PLUGINS", "")
    monkeypatch.delenv("PAINBOARD_NOW", raising=False)
    yield tmp_path
    models.freeze_clock(None)


def run(at: datetime, *args: str, code: int = 0):
    """The real CLI in this process with the clock at ``at``."""
    models.freeze_clock(at)
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    return r


def _plan(start: datetime) -> None:
    run(start, "plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--times", "08:00,20:00")
    run(start, "plan", "add", "Oxycodone IR", "--dose", "5", "--unit", "mg", "--as-needed", "--max-per-day", "4")
    run(start, "plan", "add", "Gabapentin", "--dose", "300", "--unit", "mg", "--times", "12:00")


def _sent_rows(tmp_path) -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(tmp_path / "p.db"), read_only=True)
    try:
        return con.execute("SELECT key, channel, result, attempts FROM reminder_sent WHERE kind <> 'start' "
                           "ORDER BY key, channel").fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_a_day_across_the_october_clock_change(env, inbox):
    # Sunday 25 October 2026: London goes back from BST to GMT at 02:00 local (01:00 UTC), so
    # the 08:00 dose is 08:00 UTC that day (07:00 UTC the day before).
    start = datetime(2026, 10, 20, 12, tzinfo=UTC)
    _plan(start)
    run(start, "plan", "stop", "Gabapentin", "--on", "2026-10-21")  # stopped: never reminded
    run(start, "plan", "add", "Radiation 8 Gy left hip", "--category", "radiation", "--on", "2026-10-26")
    t = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # the first run: 00:00 BST, quiet hours
    while t <= datetime(2026, 10, 25, 23, 50, tzinfo=UTC):
        run(t, "remind")
        if t == datetime(2026, 10, 25, 8, 10, tzinfo=UTC):
            run(t, "plan", "done", "Morphine")            # the 08:00 dose ticked: no second call
        if t == datetime(2026, 10, 25, 13, 0, tzinfo=UTC):
            run(t + timedelta(minutes=5), "plan", "done", "Oxycodone")  # a rescue dose, event 2
        t += timedelta(minutes=10)
    assert inbox.of("ntfy") == [
        ("25 08:00", "painboard: a dose is due at 08:00"),
        ("25 14:10", "painboard: how is the pain now? painboard relief 2 SCORE"),
        ("25 18:00", "painboard: a planned treatment is due tomorrow, Mon 26 Oct"),
        ("25 20:00", "painboard: a dose is due at 20:00"),
        ("25 20:00", "painboard: time for today's review"),
        ("25 20:30", "painboard: the 20:00 dose is not ticked yet"),
    ]
    assert inbox.of("mail") == inbox.of("ntfy")
    assert [text for _, text in inbox.of("json")] == [
        "painboard: Morphine SR 30 mg is due at 08:00",
        "painboard: how is the pain now after the Oxycodone IR 5 mg at 13:05? painboard relief 2 SCORE",
        "painboard: Radiation 8 Gy left hip is due tomorrow, Mon 26 Oct",
        "painboard: Morphine SR 30 mg is due at 20:00",
        "painboard: time for today's review",
        "painboard: the 20:00 dose of Morphine SR 30 mg is not ticked yet",
    ]
    rows = _sent_rows(env)
    assert len(rows) == 18 and {r[2] for r in rows} == {"sent"} and {r[3] for r in rows} == {1}


def test_after_a_ten_hour_gap_one_summary(env, inbox):
    start = datetime(2026, 11, 28, 7, 5, tzinfo=UTC)
    _plan(start - timedelta(days=2))
    run(start - timedelta(days=2), "plan", "stop", "Gabapentin", "--on", "2026-11-26")
    run(start, "remind")                                   # reminders set up; then the machine is off
    run(start + timedelta(hours=2), "plan", "done", "Oxycodone")  # 09:05, logged on the phone's CLI
    back = start + timedelta(hours=10)                     # 17:05
    out = run(back, "remind", "--json").stdout
    summary = ("painboard: missed while you were away (2): a dose due Sat 28 Nov 08:00, not ticked; "
               "how is the pain now? painboard relief 1 SCORE")
    assert inbox.of("ntfy") == [("28 17:05", summary)]
    assert [s["kind"] for s in json.loads(out)] == ["summary"] * 3
    run(back + timedelta(minutes=10), "remind")
    assert len(inbox.of("ntfy")) == 1 and len(inbox.of("mail")) == 1


def test_quiet_hours_hold_until_they_end(env, inbox):
    start = datetime(2026, 11, 27, 13, tzinfo=UTC)
    _plan(start)
    run(start, "remind")
    for hm in ("20:00", "22:40", "23:50"):
        run(datetime.fromisoformat(f"2026-11-27T{hm}:00+00:00"), "remind")
    assert [hm for hm, _ in inbox.of("ntfy")] == ["27 20:00", "27 20:00"]   # the dose and the review
    run(datetime(2026, 11, 28, 6, 50, tzinfo=UTC), "remind")                 # still quiet
    assert len(inbox.of("ntfy")) == 2
    run(datetime(2026, 11, 28, 7, 0, tzinfo=UTC), "remind")                  # quiet ends: one summary
    assert inbox.of("ntfy")[2:] == [("28 07:00", "painboard: missed while you were away (1): "
                                                  "a dose due Fri 27 Nov 20:00, not ticked")]


def test_a_failing_channel_is_retried_recorded_and_reported(env, inbox, monkeypatch):
    from painboard import reminders_run

    waits: list[float] = []  # the pauses between tries, asked for but not waited (1.2 s a run)
    monkeypatch.setattr(reminders_run, "_time", SimpleNamespace(sleep=waits.append))
    dead = free_port()  # nothing listens: the connection is refused
    start = datetime(2026, 11, 28, 7, 55, tzinfo=UTC)
    _plan(start - timedelta(days=1))
    run(start, "remind")
    at = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    r = run(at, "remind", "--channel", f"ntfy://127.0.0.1:{dead}/pain",
            "--channel", f"json://127.0.0.1:{inbox.http_port}/hook", code=1)
    assert "FAILED" in r.stdout and "after 3 tries" in r.stdout and str(dead) not in r.stdout
    assert waits == [0.2, 1.0]  # two pauses between three tries of the dead channel, none for the live one
    assert [text for _, text in inbox.of("json")] == ["painboard: a dose is due at 08:00"]
    rows = _sent_rows(env)
    assert sorted((r[2], r[3]) for r in rows) == [("failed", 3), ("sent", 1)]
    st = run(at + timedelta(minutes=1), "remind", "--status", code=1).stdout
    assert "FAILING" in st and "3 tries" in st and str(dead) not in st
    assert all(f"127.0.0.1:{dead}" not in str(r) for r in rows)  # the URL is never stored


def test_a_read_only_session_never_sends(env, inbox):
    start = datetime(2026, 11, 28, 7, 55, tzinfo=UTC)
    _plan(start - timedelta(days=1))
    run(start, "remind")
    models.freeze_clock(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    r = CliRunner().invoke(cli, ["--read-only", "remind"])
    assert r.exit_code == 1 and "read-only session: sending reminders is not allowed" in r.stderr
    r = CliRunner().invoke(cli, ["--read-only", "remind", "--test"])
    assert r.exit_code == 1 and "read-only" in r.stderr
    assert inbox.got == [] and _sent_rows(env) == []
    assert "due now, not sent yet: painboard: a dose is due at 08:00" in \
        CliRunner().invoke(cli, ["--read-only", "remind", "--status"]).stdout


def test_test_sends_one_message_per_channel(env, inbox):
    run(datetime(2026, 11, 28, 12, tzinfo=UTC), "remind", "--test")
    assert sorted(ch for ch, _, _ in inbox.got) == ["json", "mail", "ntfy"]


@pytest.mark.system
def test_two_overlapping_runs_send_once(env, inbox):
    start = datetime(2026, 11, 28, 7, 55, tzinfo=UTC)
    _plan(start - timedelta(days=1))
    run(start, "remind")
    models.freeze_clock(None)
    import os

    child = {**os.environ, "PAINBOARD_NOW": "2026-11-28T08:00:00+00:00"}
    cmd = [sys.executable, "-m", "painboard", "remind", "--channel", f"ntfy://127.0.0.1:{inbox.http_port}/pain"]
    procs = [subprocess.Popen(cmd, env=child, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert [text for _, _, text in inbox.got] == ["painboard: a dose is due at 08:00"]
    assert sorted(o[0].startswith("sent") for o in outs) == [False, True]


def test_the_rescue_answer_is_the_relief_in_insights_and_the_visit_report(env, inbox):
    start = datetime(2026, 11, 20, 9, tzinfo=UTC)
    _plan(start)
    for day in (21, 22, 23):
        at = datetime(2026, 11, day, 13, tzinfo=UTC)
        run(at - timedelta(minutes=10), "log", "7")
        run(at, "plan", "done", "Oxycodone")
        run(at + timedelta(minutes=65), "relief", str(day - 20), "3")  # events 1, 2, 3
    late = datetime(2026, 11, 24, 13, tzinfo=UTC)                       # answered the next morning:
    run(late - timedelta(minutes=10), "log", "8")
    run(late, "plan", "done", "Oxycodone")
    r = run(late + timedelta(hours=20), "relief", "4", "4").stdout     # kept one hour after the dose
    assert "at Tue 24 Nov 14:00 as the pain after dose 4" in r
    run(late + timedelta(hours=20), "relief", "99", "4", code=2)         # no such dose: refused
    m = json.loads(run(late + timedelta(hours=21), "metrics", "--json", "--since", "2026-11-20").stdout)
    ins = next(x for x in m if x["name"] == "insights")
    assert ins["details"]["rescue"] == {"doses": 4, "n": 4, "before": 7.25, "after": 3.25,
                                        "mean_drop": 4.0, "enough": True}
    md = run(late + timedelta(hours=21), "export", "markdown", "-o", "-", "--since", "2026-11-20").stdout
    assert "pain scores around a rescue dose: 7.3 before, 3.3 after (n=4 of 4 doses)" in md


def test_print_timer_gives_a_systemd_timer_and_a_crontab_line(env):
    out = run(datetime(2026, 11, 28, 12, tzinfo=UTC), "remind", "--print-timer").stdout
    assert "[Timer]\nOnCalendar=*:0/5" in out and "ExecStart=" in out and " remind\n" in out
    assert [ln for ln in out.splitlines() if ln.startswith("*/5 * * * * ")][0].endswith(" remind >/dev/null 2>&1")


def test_unreported_warning_signs_go_at_once_even_in_quiet_hours(env, inbox):
    # The seam for issue 20: Reminders.run(warnings=[(id, name, at)]).
    from painboard.config import Settings
    from painboard.reminders_run import Reminders, remind_settings
    from painboard.services import Painboard

    night = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)
    models.freeze_clock(night)
    pb = Painboard(Settings.load())
    rem = Reminders(pb, remind_settings())
    sign = [(7, "new weakness in the legs", night - timedelta(minutes=5))]
    assert [s.result for s in rem.run(night, warnings=sign)] == ["sent"] * 3
    assert rem.run(night + timedelta(minutes=5), warnings=sign) == []           # once
    assert [t for _, t in inbox.of("ntfy")] == ["painboard: a warning sign is not reported to your care team yet"]
    assert [t for _, t in inbox.of("json")] == [
        "painboard: a warning sign is not reported to your care team yet: new weakness in the legs"]


@pytest.mark.system
def test_a_slow_channel_never_holds_the_database(env, inbox, tmp_path):
    import os

    got, release = threading.Event(), threading.Event()

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            got.set()
            release.wait(60)  # the channel hangs until the write below is done
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    slow = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=slow.serve_forever, daemon=True).start()
    start = datetime(2026, 11, 28, 7, 55, tzinfo=UTC)
    _plan(start - timedelta(days=1))
    run(start, "remind")
    models.freeze_clock(None)
    child = {**os.environ, "PAINBOARD_NOW": "2026-11-28T08:00:00+00:00"}
    sender = subprocess.Popen([sys.executable, "-m", "painboard", "remind", "--channel",
                               f"json://127.0.0.1:{slow.server_address[1]}/slow"], env=child,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert got.wait(60), sender.communicate(timeout=5)
        log = subprocess.run([sys.executable, "-m", "painboard", "log", "5"], env=child, capture_output=True,
                             text=True, timeout=60)
        assert log.returncode == 0 and "logged 5/10" in log.stdout, log.stderr
    finally:
        release.set()
        out = sender.communicate(timeout=60)
        slow.shutdown()
    assert sender.returncode == 0 and out[0].startswith("sent"), out
