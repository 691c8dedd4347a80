"""Command-line friction a newcomer meets (issue 11, item 5): words not RRULE text, duplicates
refused, one parser for --since/--until spans, legends, plurals, warnings for settings that
name nothing, and help that lists plugin commands and the environment."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from painboard.cli import cli

pytestmark = pytest.mark.usefixtures("fixed_env")

TODAY = date(2026, 11, 28)  # conftest.NOW in Europe/London

HELLO = '''
import click
from painboard.plugin_api import hookimpl


@hookimpl
def register_commands(cli):
    @cli.command()
    def hello():
        """Say hello from a plugin."""
        click.echo("hello")
'''


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "data" / "p.db")


def test_plan_list_in_words(db):
    assert run("--db", db, "plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg",
               "--times", "08:00,20:00").exit_code == 0
    assert run("--db", db, "plan", "add", "Zoledronic acid", "--category", "bone_strengthening", "--dose", "4",
               "--unit", "mg", "--every-weeks", "4").exit_code == 0
    assert run("--db", db, "plan", "add", "Gabapentin", "--dose", "300", "--unit", "mg",
               "--rrule", "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=9;BYMINUTE=30").exit_code == 0
    text = run("--db", db, "plan", "list").output
    assert "daily at 08:00 and 20:00" in text
    assert "every 4 weeks" in text
    assert "weekly on Mon, Wed and Fri at 09:30" in text
    assert "FREQ=" not in text


def test_plan_add_refuses_an_exact_duplicate(db):
    args = ("--db", db, "plan", "add", "Oxycodone IR", "--dose", "5", "--unit", "mg", "--as-needed",
            "--max-per-day", "4")
    assert run(*args).exit_code == 0
    r = run(*args[:3], "add", "oxycodone ir", *args[5:])
    assert r.exit_code == 2 and "plan item 1" in r.output and "already in the plan" in r.output
    assert "Oxycodone" in run("--db", db, "plan", "list").output
    assert len(run("--db", db, "plan", "list").output.splitlines()) == 1
    # A different dose is a different item.
    assert run(*args[:3], "add", "Oxycodone IR", "--dose", "10", "--unit", "mg", "--as-needed").exit_code == 0
    # A stopped item may be added again.
    assert run("--db", db, "plan", "stop", "2").exit_code == 0
    assert run(*args[:3], "add", "Oxycodone IR", "--dose", "10", "--unit", "mg", "--as-needed").exit_code == 0


def _months_back(d: date, n: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 - n, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


@pytest.mark.parametrize("span, first_day", [
    ("7d", TODAY - timedelta(days=6)),
    ("2w", TODAY - timedelta(days=13)),
    ("3m", _months_back(TODAY, 3) + timedelta(days=1)),
    ("1y", date(TODAY.year - 1, TODAY.month, TODAY.day) + timedelta(days=1)),
])
def test_since_spans_are_periods_ending_today(db, span, first_day):
    # One entry on the first day of the period and one the day before it.
    for day in (first_day, first_day - timedelta(days=1)):
        assert run("--db", db, "log", "3", "--at", f"{day.isoformat()}T12:00").exit_code == 0
    rows = run("--db", db, "entries", "--since", span).output.splitlines()
    assert [r[:10] for r in rows if r[:2] == "20"] == [first_day.isoformat()]
    days = (TODAY - first_day).days + 1
    assert f"over {days} days" in run("--db", db, "metrics", "--since", span).output


def test_metrics_default_and_7d_say_the_same_days_and_explain_marks(db):
    run("--db", db, "log", "8")
    default, week = run("--db", db, "metrics").output, run("--db", db, "metrics", "--since", "7d").output
    assert "over 7 days" in default and default == week
    assert "!! worth raising with your care team" in default
    assert "!! worth raising" in run("metrics", "--help").output


def test_bad_span_names_the_forms(db):
    r = run("--db", db, "entries", "--since", "3q")
    assert r.exit_code == 2 and "7d, 2w, 3m, 1y" in r.output


def test_plural_forms(db, tmp_path):
    run("--db", db, "log", "4")
    r = run("--db", db, "backup", str(tmp_path / "b.db"))
    assert "1 entry," in r.output and "0 episodes)" in r.output
    assert run("--db", db, "entries").output.strip().endswith("1 entry")
    r = run("--db", db, "metrics", "--since", "today", "--json")
    import json

    average = {m["name"]: m for m in json.loads(r.stdout)}["average-pain"]
    assert average["text"] == "4.0/10 over 1 day (1 entry)"


def test_missing_plugins_dir_and_unknown_plugin_name_warn(db, tmp_path):
    r = CliRunner().invoke(cli, ["--db", db, "--plugins-dir", str(tmp_path / "nope"), "metrics"])
    assert r.exit_code == 0 and "warning: plugins folder" in r.stderr and "does not exist" in r.stderr
    r = CliRunner().invoke(cli, ["--db", db, "metrics"], env={"PAINBOARD_LOAD_PLUGINS": "good_dayz"})
    assert r.exit_code == 0
    assert "warning: PAINBOARD_LOAD_PLUGINS names no plugin called good_dayz" in r.stderr


def test_command_from_a_refused_folder_says_why(db, tmp_path):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "hello_cmd.py").write_text(HELLO)
    folder.chmod(0o777)
    env = {"PAINBOARD_LOAD_PLUGINS": None}
    r = CliRunner().invoke(cli, ["--db", db, "--plugins-dir", str(folder), "hello"], env=env)
    assert r.exit_code == 2 and "plugin folder refused" in r.output and "chmod go-w" in r.output
    folder.chmod(0o700)
    r = CliRunner().invoke(cli, ["--db", db, "--plugins-dir", str(folder), "hello"], env=env)
    assert r.exit_code == 0 and r.output == "hello\n"
    help_text = CliRunner().invoke(cli, ["--db", db, "--plugins-dir", str(folder), "--help"], env=env).output
    assert "hello" in help_text and "Say hello from a plugin" in help_text


def test_help_lists_environment_and_completion():
    text = run("--help").output
    for var in ("PAINBOARD_DB", "PAINBOARD_TZ", "PAINBOARD_PLUGINS_DIR", "PAINBOARD_LOAD_PLUGINS",
                "PAINBOARD_STRICT_PLUGINS", "PAINBOARD_CONFIG", "NO_COLOR", "_PAINBOARD_COMPLETE"):
        assert var in text, var
