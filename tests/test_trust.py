"""Issue 10: nothing typed, imported or installed destroys data, hangs the database or reaches
the terminal. One test (or more) per finding; each fails on the code before its fix."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import ok, refused

pytestmark = pytest.mark.usefixtures("fixed_env", "imports_in_process")  # imports: see /conftest.py

ESC_TITLE = "\x1b]0;PWNED\x07\x1b[41m"
OSC52 = "\x1b]52;c;aGVsbG8=\x07"
CONTROL = set(chr(c) for c in [*range(0, 9), *range(11, 32), *range(0x7f, 0xa0)])


def revision(db_path) -> int | None:
    if not Path(db_path).exists():
        return None
    from painboard.config import Settings
    from painboard.services import Painboard

    return Painboard(Settings.load(db=db_path)).revision()


def oxycodone_as_needed(cli):
    cli("plan", "add", "Oxycodone", "--dose", "5", "--as-needed")


def no_control(text: str) -> bool:
    return not (set(text) & CONTROL)


# -- 4: terminal escapes never reach the terminal ------------------------------------------------
def test_escapes_in_entries_and_plan_list_are_shown_as_marks(cli_run):
    ok(cli_run("log", "5", "--site", ESC_TITLE, "--note", "a\nb" + OSC52))
    ok(cli_run("plan", "add", "Morph" + ESC_TITLE, "--as-needed"))
    for args in (("entries",), ("plan", "list"), ("entries", "--json"), ("plan", "list", "--json")):
        r = ok(cli_run(*args))
        assert no_control(r.stdout.replace("\n", "")), (args, r.stdout)
    shown = ok(cli_run("plan", "list")).stdout
    assert "Morph\ufffd" in shown
    data = json.loads(ok(cli_run("entries", "--json")).stdout)
    assert data[0]["note"] == "a\nb" + OSC52  # the JSON keeps the text exactly, escaped
    r = cli_run("log", ESC_TITLE)
    refused(r, 2, "intensity")
    assert no_control(r.stderr.replace("\n", ""))


def test_a_usage_error_quoting_an_escape_is_cleaned(cli_run):
    r = cli_run("entries", "--bogus" + ESC_TITLE)
    assert r.exit_code == 2
    assert no_control((r.stderr + r.stdout).replace("\n", ""))


# -- 7: NaN and infinity ------------------------------------------------------------------------
@pytest.mark.parametrize("args, field", [
    (("plan", "add", "Morphine", "--dose", "nan", "--as-needed"), "dose"),
    (("plan", "add", "Morphine", "--dose", "inf", "--as-needed"), "dose"),
    (("plan", "add", "Morphine", "--dose", "5", "--mme-factor", "nan", "--as-needed"), "mme_factor"),
    (("log", "5", "--duration", "nan"), "must be a number of minutes"),
    (("episode", "7", "--duration", "inf"), "must be a number of minutes"),
])
def test_nan_and_infinity_are_refused(cli_run, db_path, cli_story, args, field):
    cli_story(oxycodone_as_needed)
    before = revision(db_path)
    r = refused(cli_run(*args), 2, field)
    assert "convert" not in r.stderr
    assert revision(db_path) == before


def test_a_nan_amount_is_refused_and_json_has_no_nan(cli_run, db_path):
    ok(cli_run("plan", "add", "Oxycodone", "--dose", "5", "--as-needed"))
    refused(cli_run("plan", "done", "1", "--amount", "nan"), 2, "amount")
    from painboard.terminal_text import json_text

    with pytest.raises(ValueError):
        json_text([float("nan")])  # the JSON writer never emits NaN ...
    from painboard.services import jsonable

    assert json.loads(json_text(jsonable({"dose": float("inf")}))) == {"dose": None}  # ... old values become null


# -- 8: the plausibility window for times; deleting an entry --------------------------------------
@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris", "Asia/Tokyo", "Pacific/Kiritimati"])
@pytest.mark.parametrize("args, field", [
    (("log", "5", "--at", "0001-01-01T00:00"), "at"),
    (("log", "5", "--at", "1899-12-31T23:59+00:00"), "at"),
    (("log", "5", "--at", "9999-12-31T23:59"), "at"),
    (("entries", "--until", "9999-12-31"), "until"),
    (("entries", "--since", "99999999d"), "since"),
    (("metrics", "--since", "0001-01-01"), "since"),
    (("review", "--day", "9999-12-31", "--yes"), "day"),
    (("review", "--day", "0001-01-01", "--yes"), "day"),
    (("plan", "stop", "1", "--on", "0001-01-01"), "on"),
    (("export", "json", "-o", "-", "--until", "9999-12-31"), "until"),
])
def test_far_dates_are_refused_with_a_message(cli_run, db_path, cli_story, monkeypatch, tz, args, field):
    cli_story(oxycodone_as_needed)
    monkeypatch.setenv("PAINBOARD_TZ", tz)
    before = revision(db_path)
    r = refused(cli_run(*args), 2, f"{field}:")
    assert "plausible" in r.stderr or "in the future" in r.stderr
    assert revision(db_path) == before


def test_an_import_with_a_far_date_is_refused(cli_run, db_path, tmp_path):
    f = tmp_path / "old.csv"
    f.write_text("occurred_at,intensity\n2026-11-01T10:00:00+00:00,4\n0001-01-01T00:00:00+01:00,5\n")
    ok(cli_run("log", "1"))
    before = revision(db_path)
    refused(cli_run("import", str(f)), 2, "line 3", "occurred_at")
    assert revision(db_path) == before


def test_delete_entry_asks_then_deletes(cli_run, db_path):
    ok(cli_run("log", "3", "--at", "09:00"))
    ok(cli_run("log", "8", "--at", "10:00"))
    r = cli_run("delete", "entry", "2", input="n\n")
    assert r.exit_code == 1 and len(json.loads(ok(cli_run("entries", "--json")).stdout)) == 2
    r = ok(cli_run("delete", "entry", "2", input="y\n"))
    assert "deleted entry 2: 8/10" in r.stdout
    assert [e["intensity"] for e in json.loads(ok(cli_run("entries", "--json")).stdout)] == [3]
    ok(cli_run("delete", "entry", "1", "--yes"))
    assert json.loads(ok(cli_run("entries", "--json")).stdout) == []
    before = revision(db_path)
    refused(cli_run("delete", "entry", "1", "--yes"), 1, "no entry 1")
    refused(cli_run("delete", "entry", "x1", "--yes"), 2, "entry")
    assert revision(db_path) == before


# -- 9: time zones ---------------------------------------------------------------------------------
def test_an_unknown_painboard_tz_is_an_error(cli_run, monkeypatch):
    monkeypatch.setenv("PAINBOARD_TZ", "Mars/Olympus_Mons")
    refused(cli_run("entries"), 2, "PAINBOARD_TZ", "Mars/Olympus_Mons")


@pytest.mark.parametrize("name, expected", [("posix/Europe/London", "Europe/London"),
                                            ("right/Asia/Tokyo", "Asia/Tokyo"), (":Europe/Paris", "Europe/Paris")])
def test_zones_duckdb_does_not_know_are_mapped(cli_run, monkeypatch, name, expected):
    from painboard.config import local_zone

    monkeypatch.setenv("PAINBOARD_TZ", name)
    assert local_zone().key == expected
    ok(cli_run("log", "4", "--at", "09:00"))
    r = ok(cli_run("metrics", "--json"))
    assert not [m for m in json.loads(r.stdout) if m["error"]]


def test_localtime_is_the_systems_zone(monkeypatch):
    from painboard.config import local_zone

    link = os.path.realpath("/etc/localtime")
    if "zoneinfo/" not in link:
        pytest.skip("no /etc/localtime link here")
    monkeypatch.setenv("PAINBOARD_TZ", "localtime")
    assert local_zone().key == link.split("zoneinfo/", 1)[1].removeprefix("posix/")


@pytest.mark.parametrize("at, words", [
    ("2026-03-29T01:30", ["did not exist", "02:30"]),  # London springs forward at 01:00
    ("2026-10-25T01:30", ["happened twice", "+01:00", "+00:00"]),  # and falls back at 02:00
])
def test_a_time_in_a_dst_gap_or_overlap_is_refused(cli_run, db_path, monkeypatch, at, words):
    monkeypatch.setenv("PAINBOARD_TZ", "Europe/London")
    ok(cli_run("log", "1", "--at", "2026-03-01T10:00"))
    before = revision(db_path)
    refused(cli_run("log", "5", "--at", at), 2, "at:", *words)
    assert revision(db_path) == before
    ok(cli_run("log", "5", "--at", at + "+00:00"))  # with its offset it is one moment


def test_painboard_now_garbage_is_a_message(cli_run, monkeypatch):
    monkeypatch.setenv("PAINBOARD_NOW", "garbage")
    refused(cli_run("entries"), 2, "PAINBOARD_NOW")


# -- 2: recurrence rules and the time plugin code may hold the database ----------------------------
@pytest.mark.parametrize("rule, words", [
    ("FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=31;BYHOUR=8", "FREQ=MINUTELY"),
    ("FREQ=SECONDLY", "FREQ=SECONDLY"),
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "never occurs"),
    ("FREQ=YEARLY;INTERVAL=3;BYMONTH=2;BYMONTHDAY=29", "never occurs"),  # 2028 is a leap year, 2029 is not
    ("FREQ=HOURLY;BYMINUTE=0,30", "48 times a day"),
])
def test_rules_that_never_occur_or_too_often_are_refused(cli_run, db_path, rule, words):
    import time

    ok(cli_run("log", "1"))
    before = revision(db_path)
    t0 = time.monotonic()
    refused(cli_run("plan", "add", "X", "--rrule", rule, "--start", "2026-03-01"), 2, "rrule:", words)
    assert time.monotonic() - t0 < 5
    assert revision(db_path) == before


def test_plausible_rules_are_kept(cli_run):
    for rule in ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "FREQ=HOURLY;INTERVAL=4", "FREQ=WEEKLY;INTERVAL=4;BYDAY=TU"):
        ok(cli_run("plan", "add", "X", "--rrule", rule))


def test_an_import_with_an_impossible_rule_is_refused(cli_run, db_path, tmp_path):
    f = tmp_path / "plan.json"
    f.write_text(json.dumps({"format": "painboard", "version": 1, "plan_items": [
        {"ref": "1", "category": "medication", "name": "X", "kind": "scheduled",
         "rrule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "start_date": "2026-01-01"}]}))
    ok(cli_run("log", "1"))
    before = revision(db_path)
    refused(cli_run("import", str(f)), 2, "rrule", "never occurs")
    assert revision(db_path) == before


def test_a_stored_impossible_rule_gives_no_due_times_quickly(pb):
    """A rule stored before the guard (written straight to the store) must not hang a refresh."""
    import time

    from painboard.models import PlanItem

    item = PlanItem.model_construct(id=1, category="medication", name="X", kind="scheduled",
                                    rrule="FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", start_date=pb.today(),
                                    end_date=None, on_date=None, sessions=None)
    t0 = time.monotonic()
    lo, hi = pb.day_bounds(pb.today())
    assert item.occurrences(lo, hi, pb.tz) == [] and item.next_due(lo, pb.tz) is None
    assert time.monotonic() - t0 < 3


@pytest.mark.system
def test_a_slow_metric_is_reported_and_lets_go_of_the_file(cli_run, db_path, tmp_path, monkeypatch):
    import subprocess
    import sys
    import time

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "slow.py").write_text(
        "import time\n"
        "from painboard.plugin_api import Metric, MetricValue, hookimpl\n"
        "def compute(view):\n    time.sleep(30)\n    return MetricValue(value=1, text='1')\n"
        "@hookimpl\ndef register_metrics(register):\n"
        "    register(Metric(name='slow', label='Slow metric', compute=compute))\n")
    ok(cli_run("log", "3"))
    env = {**os.environ, "PAINBOARD_DB": str(db_path), "PAINBOARD_PLUGINS_DIR": str(plugins),
           "PAINBOARD_LOAD_PLUGINS": "slow", "PAINBOARD_METRIC_SECONDS": "2"}
    t0 = time.monotonic()
    metrics = subprocess.Popen([sys.executable, "-m", "painboard.cli", "metrics", "--json"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    log = subprocess.run([sys.executable, "-m", "painboard.cli", "log", "4"], env=env,
                         capture_output=True, text=True, timeout=60)
    out, err = metrics.communicate(timeout=60)
    assert log.returncode == 0, log.stderr  # the other session's write was not lost
    assert time.monotonic() - t0 < 20  # nobody waited for the 30 s sleep
    slow = next(m for m in json.loads(out) if m["name"] == "slow")
    assert "took too long" in slow["text"] and "still running" in slow["error"]


# -- 11: files ---------------------------------------------------------------------------------------
def test_a_database_of_another_user_is_refused_even_through_a_symlink(cli_run, db_path, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to give a file to another user")
    ok(cli_run("log", "3"))
    other = tmp_path / "other.db"
    other.write_bytes(db_path.read_bytes())
    os.chown(other, 65534, 65534)
    other.chmod(0o666)
    link = tmp_path / "link.db"
    link.symlink_to(other)
    before = other.read_bytes()
    r = refused(cli_run("log", "5", db=link), 1, "another user")
    assert other.read_bytes() == before and oct(other.stat().st_mode & 0o777) == "0o666"


def test_a_database_others_can_read_is_made_private(cli_run, db_path):
    ok(cli_run("log", "3"))
    db_path.chmod(0o666)
    ok(cli_run("entries"))
    assert db_path.stat().st_mode & 0o777 == 0o600


@pytest.mark.system
def test_files_are_private_under_umask_000(tmp_path):
    import subprocess
    import sys

    db = tmp_path / "u.db"
    csv = tmp_path / "many.csv"
    csv.write_text("occurred_at,intensity\n" + "".join(f"2026-0{1 + i % 9}-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00,{i % 11}\n"
                                                     for i in range(3000)))
    code = (f"import os; os.umask(0)\n"
            f"from painboard.cli import main\nimport sys; sys.argv=['painboard','--db',{str(db)!r},'import',{str(csv)!r}]\n"
            f"main()")
    watcher = (f"import os, time\nseen = set()\nend = time.time() + 20\n"
               f"while time.time() < end and not os.path.exists({str(tmp_path / 'done')!r}):\n"
               f"    for n in os.listdir({str(tmp_path)!r}):\n"
               f"        if n.startswith('u.db'):\n"
               f"            try: seen.add((n, oct(os.stat(os.path.join({str(tmp_path)!r}, n)).st_mode & 0o777)))\n"
               f"            except OSError: pass\n"
               f"print(sorted(seen))\n")
    w = subprocess.Popen([sys.executable, "-c", watcher], stdout=subprocess.PIPE, text=True)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PAINBOARD_LOAD_PLUGINS": ""})
    (tmp_path / "done").touch()
    seen = eval(w.communicate(timeout=60)[0])
    assert r.returncode == 0, r.stderr
    assert seen and all(mode == "0o600" for _, mode in seen), seen


def test_backup_into_a_folder_it_cannot_write_is_a_message(cli_run, tmp_path):
    ok(cli_run("log", "3"))
    r = refused(cli_run("backup", "/proc/painboard-backup.db"), 1)
    assert "backup" in r.stderr or "cannot write" in r.stderr


def test_check_on_a_damaged_file_says_so(cli_run, tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(os.urandom(5000))
    r = refused(cli_run("check", db=bad), 1, "damaged")
    assert "schema None" not in r.stdout + r.stderr


# -- 6: imports ---------------------------------------------------------------------------------------
def test_the_same_file_renamed_or_as_json_adds_nothing(cli_run, db_path, tmp_path):
    body = "occurred_at,intensity,sites,note\n2026-11-20T10:00:00+00:00,4,left hip,a\n2026-11-21T11:00:00+00:00,6,ribs,b\n"
    (tmp_path / "good.csv").write_text(body)
    (tmp_path / "good (1).csv").write_text(body)
    ok(cli_run("import", str(tmp_path / "good.csv")))
    before = revision(db_path)
    r = ok(cli_run("import", str(tmp_path / "good (1).csv")))
    assert "0 of 2 pain entries" in r.stdout
    as_json = {"format": "painboard", "version": 1, "pain_entries": [
        {"occurred_at": "2026-11-20T10:00:00+00:00", "intensity": 4, "sites": ["left hip"], "note": "a"},
        {"occurred_at": "2026-11-21T11:00:00+00:00", "intensity": 6, "sites": ["ribs"], "note": "b"}]}
    (tmp_path / "good.json").write_text(json.dumps(as_json))
    assert "0 of 2 pain entries" in ok(cli_run("import", str(tmp_path / "good.json"))).stdout
    assert len(json.loads(ok(cli_run("entries", "--json")).stdout)) == 2
    assert revision(db_path) == before + 2  # two imports that wrote nothing new


def test_a_repeated_column_is_refused(cli_run, db_path, tmp_path):
    f = tmp_path / "twice.csv"
    f.write_text("occurred_at,intensity,intensity\n2026-11-20T10:00:00+00:00,4,9\n")
    ok(cli_run("log", "1"))
    before = revision(db_path)
    refused(cli_run("import", str(f)), 2, "line 1", "'intensity' twice")
    assert revision(db_path) == before


def test_a_plan_event_for_a_missing_plan_item_is_refused(cli_run, db_path, tmp_path):
    f = tmp_path / "events.json"
    f.write_text(json.dumps({"format": "painboard", "version": 1, "plan_items": [], "plan_events": [
        {"item_id": 42, "done_at": "2026-11-20T10:00:00+00:00", "status": "taken"}]}, indent=1))
    ok(cli_run("log", "1"))
    before = revision(db_path)
    refused(cli_run("import", str(f)), 2, str(f), "line", "item_ref")
    assert revision(db_path) == before
    assert ok(cli_run("check")).exit_code == 0


# -- 12: the quieter ones -------------------------------------------------------------------------------
def test_a_negative_intensity_is_an_intensity_error(cli_run):
    refused(cli_run("log", "-1"), 2, "intensity", "0 to 10")
    refused(cli_run("episode", "-3"), 2, "peak")


def test_interference_without_a_score_is_refused(cli_run, db_path):
    ok(cli_run("log", "4"))
    before = revision(db_path)
    refused(cli_run("review", "--yes", "--interference", "walking"), 2, "interference", "DOMAIN=N")
    assert revision(db_path) == before


def test_entries_since_after_until_is_refused(cli_run):
    refused(cli_run("entries", "--since", "2026-11-20", "--until", "2026-11-10"), 2, "since")


def test_a_huge_note_is_refused_and_says_the_limit(cli_run, db_path):
    ok(cli_run("log", "4"))
    before = revision(db_path)
    refused(cli_run("log", "5", "--note", "x" * (128 * 1024)), 2, "note", "10,000")
    assert revision(db_path) == before
    ok(cli_run("log", "5", "--note", "x" * 10_000))


def test_entries_limit_must_be_positive(cli_run):
    r = cli_run("entries", "--limit", "-1")
    assert r.exit_code == 2 and "Traceback" not in r.stdout + r.stderr and "limit" in r.stderr


def test_plugins_does_not_claim_a_command_the_builtin_wins(cli_run, tmp_path, monkeypatch):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "shadow.py").write_text(
        "import click\nfrom painboard.plugin_api import hookimpl\n"
        "@hookimpl\ndef register_commands(cli):\n"
        "    @cli.command('log')\n    def log():\n        click.echo('plugin log')\n"
        "    @cli.command('boom')\n    def boom():\n        raise RuntimeError('kaput')\n")
    monkeypatch.setenv("PAINBOARD_PLUGINS_DIR", str(plugins))
    monkeypatch.setenv("PAINBOARD_LOAD_PLUGINS", "shadow")
    out = ok(cli_run("--plugins-dir", str(plugins), "plugins")).stdout
    assert "adds commands: log" not in out and "commands: boom" in out
    assert "command log is built in" in out
    r = cli_run("--plugins-dir", str(plugins), "boom")
    refused(r, 1, "plugin command 'boom' failed", "kaput")


# -- 5: exports a viewer or a spreadsheet would run -------------------------------------------------
def test_markdown_summary_escapes_html_in_notes(cli_run):
    ok(cli_run("log", "4", "--note", "<img src=x onerror=alert(1)> **b**"))
    formats = ok(cli_run("plugins", "--json")).stdout
    name = next(n for n in ("markdown", "summary", "md") if f'"{n}"' in formats)
    out = ok(cli_run("export", name, "-o", "-")).stdout
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out


def test_csv_formula_cells_are_inert_and_round_trip(cli_run, db_path, tmp_path, make_pb):
    ok(cli_run("log", "4", "--note", "=HYPERLINK(\"http://x\")", "--activity", "+1 walk", "--at", "09:00"))
    out = tmp_path / "e.csv"
    ok(cli_run("export", "csv", "-o", str(out)))
    text = out.read_text()
    assert "'=HYPERLINK" in text and "'+1 walk" in text
    other = tmp_path / "other.db"
    ok(cli_run("import", str(out), db=other))
    row = make_pb(other).entries()[0]
    assert row["note"] == "=HYPERLINK(\"http://x\")" and row["activity"] == "+1 walk"
