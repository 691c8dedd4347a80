"""Every command works as a person types it (issue 19, "Commands and the README")."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import sub_env

pytestmark = pytest.mark.usefixtures("fixed_env")

REPO = Path(__file__).resolve().parents[1]


# -- item 1: a group without its subcommand shows its help, lines as lines ----------------------
@pytest.mark.parametrize("group, command", [("plan", "done"), ("delete", "entry")])
def test_group_alone_shows_help_on_lines(cli_run, group, command):
    r = cli_run(group)
    out = r.stdout + r.stderr
    assert "\u21b5" not in out
    lines = out.splitlines()
    assert lines[0].endswith(f" {group} [OPTIONS] COMMAND [ARGS]...")
    assert "Commands:" in lines
    assert any(line.split()[:1] == [command] for line in lines)


def test_a_typed_escape_in_a_usage_error_is_still_cleaned(cli_run):
    r = cli_run("plan", "\x1b]0;owned\x07")
    assert r.exit_code == 2
    assert "\x1b" not in r.stdout + r.stderr and "\x07" not in r.stdout + r.stderr


# -- item 4: a database being created is said, with where ----------------------------------------
def _painboard(*args: str, cwd, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "painboard.cli", *args], cwd=cwd, env=sub_env(**env),
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_a_relative_database_from_another_folder_is_said_to_be_new(tmp_path):
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    home.mkdir(), elsewhere.mkdir()
    made = _painboard("demo", "--days", "7", cwd=home, PAINBOARD_DB="demo.db")
    assert made.returncode == 0, made.stderr
    assert "created a new database" not in made.stderr  # demo's own line says where
    assert f"demo story written to {home / 'demo.db'}" in made.stdout

    r = _painboard("export", "csv", "-o", "-", cwd=elsewhere, PAINBOARD_DB="demo.db")
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [f"painboard: created a new database at {elsewhere / 'demo.db'} (there was none)"]
    again = _painboard("entries", cwd=elsewhere, PAINBOARD_DB="demo.db")
    assert "created" not in again.stderr and "no entries" in again.stderr
    written = made.stdout.split(": ", 1)[1].split(",")[0]  # "23 entries"
    assert _painboard("entries", cwd=home, PAINBOARD_DB="demo.db").stderr.strip() == written


# -- item 5: a reader that closed the pipe ends the command quietly ----------------------------
@pytest.fixture(scope="module")
def story_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("story") / "demo.db"
    r = _painboard("--db", str(path), "demo", "--days", "30", cwd=path.parent)
    assert r.returncode == 0, r.stderr
    return path


@pytest.mark.slow
@pytest.mark.parametrize("args", [["entries"], ["entries", "--json"], ["metrics"], ["plan", "list"],
                                  ["plugins"], ["check"], ["export", "csv", "-o", "-"]])
def test_a_closed_pipe_ends_quietly(story_db, args):
    """As `painboard entries | head -1` once the reader has gone: the pipe's reading end is
    closed before the command writes a byte, so every write meets EPIPE."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        r = subprocess.run([sys.executable, "-m", "painboard.cli", "--db", str(story_db), *args],
                           stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
                           env=sub_env(), cwd=story_db.parent)
    finally:
        os.close(write_end)
    assert (r.returncode, r.stderr) == (0, "" if args != ["entries"] else r.stderr)
    assert "pipe" not in r.stderr.lower() and "Traceback" not in r.stderr


# -- item 6: a refused plugins folder is said wherever plugins load, once -------------------------
@pytest.fixture
def group_writable_plugins(tmp_path):
    folder = tmp_path / "plugins"
    folder.mkdir()
    shutil.copy(REPO / "examples" / "plugins" / "good_days.py", folder)
    folder.chmod(0o775)  # as made under umask 002
    return folder


def test_metrics_says_the_plugins_folder_was_refused(cli_run, group_writable_plugins, monkeypatch):
    monkeypatch.delenv("PAINBOARD_LOAD_PLUGINS", raising=False)
    r = cli_run("--plugins-dir", str(group_writable_plugins), "metrics")
    assert r.exit_code == 0, r.stderr
    warned = [line for line in r.stderr.splitlines() if "refused" in line]
    assert warned == [f"painboard: warning: plugins folder refused: {group_writable_plugins} can be changed by "
                      f"its group (mode 0775); run 'chmod go-w {group_writable_plugins}' to use it; "
                      f"none of its plugins loaded"]
    assert "Days with worst pain" not in r.stdout


# -- item 7: counts in words, help that says what a newcomer needs -------------------------------
def test_check_and_export_count_in_words(cli_run, tmp_path):
    assert cli_run("log", "4", "--at", "09:00").exit_code == 0
    r = cli_run("check")
    assert ", 1 pain entry, 0 breakthrough episodes, 0 daily reviews, 0 plan items, 0 plan events" in r.stdout
    out = tmp_path / "one.csv"
    r = cli_run("export", "csv", "-o", str(out))
    assert r.stderr.strip() == f"wrote 1 record to {out} (csv)"


def test_a_one_day_period_is_one_day(cli_run):
    assert cli_run("episode", "7", "--at", "09:00", "--duration", "20").exit_code == 0
    r = cli_run("metrics", "--since", "today")
    assert "1 days" not in r.stdout and "1 episodes" not in r.stdout
    assert "1 in 1 day)" in r.stdout and "1 episode in 1 day (1 a day)" in r.stdout


def test_a_plan_item_one_day_away_is_one_day(cli_run):
    assert cli_run("plan", "add", "Denosumab", "--category", "bone_strengthening", "--dose", "120",
                   "--unit", "mg", "--every-weeks", "4", "--start", "2026-11-01").exit_code == 0
    # given 1 Nov, every 4 weeks: next due 29 Nov, one day after the fixed clock's 28 Nov
    assert cli_run("plan", "done", "Denosumab", "--at", "2026-11-01 10:00").exit_code == 0
    r = cli_run("metrics", "--json")
    texts = " ".join(m["text"] or "" for m in json.loads(r.stdout))
    assert "Denosumab 120 mg: due in 1 day (" in texts and "1 days" not in texts


def test_help_says_the_dashboard_and_cuts_no_description(cli_run):
    top = cli_run("--help").stdout
    assert "`painboard` alone, with no command, opens the dashboard" in " ".join(top.split())
    for args in (["--help"], ["plan", "--help"], ["delete", "--help"]):
        listed = cli_run(*args).stdout.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
        assert "..." not in listed, listed


def test_minutes_and_the_amounts_unit_in_help(cli_run):
    assert "--duration MIN" in cli_run("log", "--help").stdout
    assert "--duration MIN" in cli_run("episode", "--help").stdout
    done = " ".join(cli_run("plan", "done", "--help").stdout.split())
    assert "--amount AMOUNT Amount taken, in the item's unit (mg, ml, tablets: as 'plan list' shows it)" in done


def test_plan_done_with_an_amount_says_its_unit(cli_run):
    assert cli_run("plan", "add", "Oramorph", "--dose", "5", "--unit", "ml", "--as-needed").exit_code == 0
    r = cli_run("plan", "done", "oramorph", "--amount", "2.5", "--at", "13:00")
    assert r.stdout.startswith("recorded: item 1 2.5 ml taken at 13:00"), r.stdout


# -- item 8: metrics wrapped to the terminal, labels padded to the longest -----------------------
@pytest.mark.parametrize("columns", [60, 80, 120])
def test_metrics_wrap_under_their_own_column(cli_run, monkeypatch, columns):
    assert cli_run("demo", "--days", "30").exit_code == 0
    monkeypatch.setenv("COLUMNS", str(columns))
    lines = cli_run("metrics").stdout.splitlines()[:-1]  # the legend is its own line
    assert max(len(line) for line in lines) <= columns
    longest = "Oral morphine equivalents"  # 25 characters: the longest label of the built-ins
    text_at = 3 + len(longest) + 2
    assert any(line.startswith(f"   {longest}  ") for line in lines)
    firsts = [line for line in lines if not line.startswith(" " * text_at)]
    assert all(line[text_at - 2:text_at] == "  " and line[text_at] != " " for line in firsts), firsts
    assert len(lines) > len(firsts)  # some figure needed more than one line
    # Read back, the wrapped text is the figure's whole text.
    at = next(i for i, line in enumerate(lines) if line[3:].startswith("Breakthrough profile "))
    whole = [lines[at][text_at:]]
    for line in lines[at + 1:]:
        if not line.startswith(" " * text_at):
            break
        whole.append(line[text_at:])
    text = " ".join(whole)
    assert text.startswith("9 episodes in 7 days (1.3 a day); median duration 24 min (of 9 with an end); ")
    assert text.endswith("episodes by onset day; definition after Davies et al. 2009.")
