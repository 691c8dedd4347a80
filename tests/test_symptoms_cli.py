"""Issue 20: the symptom commands, run as a person would (CliRunner and one real subprocess)."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import VENV_BIN, ok, refused, sub_env
from tests.wording import check_wording

pytestmark = pytest.mark.usefixtures("fixed_env")


@pytest.fixture
def conf(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("PAINBOARD_CONFIG", str(path))
    return path


def test_logging_a_warning_sign_prints_the_teams_words_and_number(cli_run, conf):
    ok(cli_run("symptom", "team", "--phone", "0161 496 0000"))
    r = ok(cli_run("symptom", "New weakness in an arm or leg", "--severity", "severe", "--note", "left leg",
                   "--at", "13:30"))
    assert r.stdout.splitlines() == [
        "logged warning sign: new weakness in an arm or leg, severe at Sat 28 Nov 13:30 (symptom 1)",
        "Your care team asked you to report this today: 0161 496 0000",
        "Once your team knows: painboard symptom reported 1 --to WHO",
    ]
    check_wording(r.stdout)


def test_the_teams_own_words_replace_the_default(cli_run, conf):
    ok(cli_run("symptom", "team", "--words", "Ring the acute oncology service", "--phone", "0161"))
    r = ok(cli_run("symptom", "difficulty walking"))
    assert r.stdout.splitlines()[1] == "Ring the acute oncology service: 0161"
    signs = json.loads(ok(cli_run("symptom", "signs", "--json")).stdout)
    assert signs["team_phone"] == "0161" and len(signs["signs"]) == 14
    assert signs["signs"][1] == {"name": "difficulty walking", "shown": "Ring the acute oncology service: 0161"}


def test_side_effects_and_own_words_print_no_message(cli_run, conf):
    r = ok(cli_run("symptom", "constipation", "--severity", "moderate"))
    assert r.stdout == "logged side effect: constipation, moderate at Sat 28 Nov 14:05 (symptom 1)\n"
    r = ok(cli_run("symptom", "hiccups"))
    assert r.stdout == "logged symptom: hiccups at Sat 28 Nov 14:05 (symptom 2)\n"


def test_reported_and_the_list(cli_run, conf):
    ok(cli_run("symptom", "difficulty walking", "--at", "10:00"))
    ok(cli_run("symptom", "nausea", "--severity", "mild", "--at", "11:00"))
    r = ok(cli_run("symptom", "reported", "1", "--to", "oncology nurse", "--at", "12:15"))
    assert r.stdout == "symptom 1 (difficulty walking) marked as reported to oncology nurse at Sat 28 Nov 12:15\n"
    rows = json.loads(ok(cli_run("symptoms", "--json")).stdout)
    assert [(x["name"], x["kind"], x["reported_to"]) for x in rows] == [
        ("difficulty walking", "warning_sign", "oncology nurse"), ("nausea", "side_effect", None)]
    assert rows[0]["reported_at"].startswith("2026-11-28T12:15")
    text = ok(cli_run("symptoms", "--since", "2026-11-28")).stdout
    assert "reported 28 Nov 12:15 to oncology nurse" in text and "(symptom 2)" in text
    assert ok(cli_run("symptoms", "--until", "2026-11-28")).stdout == ""


def test_bad_input_is_refused_with_exit_2(cli_run, conf, db_counts, db_path):
    refused(cli_run("symptom", "nausea", "--severity", "awful"), 2, "severity", "none, mild, moderate, severe")
    refused(cli_run("symptom", "nausea", "--at", "tomorrow 99:00"), 2, "at")
    refused(cli_run("symptom", "reported", "x1", "--to", "nurse"), 2, "not a symptom number")
    refused(cli_run("symptom", "reported", "7", "--to", "nurse"), 1, "no symptom 7")


def test_a_read_only_session_refuses_writes(cli_run, conf, db_path):
    ok(cli_run("symptom", "difficulty walking"))
    refused(cli_run("--read-only", "symptom", "reported", "1", "--to", "x"), 1, "read-only")
    refused(cli_run("--read-only", "symptom", "nausea"), 1, "read-only")
    refused(cli_run("--read-only", "symptom", "team", "--phone", "1"), 1, "read-only")
    assert "NOT YET REPORTED" in ok(cli_run("--read-only", "symptoms")).stdout


def test_the_list_is_edited_from_the_cli(cli_run, conf):
    ok(cli_run("symptom", "add-sign", "Chest pain", "--words", "Call 999"))
    ok(cli_run("symptom", "remove-sign", "difficulty walking"))
    text = ok(cli_run("symptom", "signs")).stdout
    assert "  Chest pain   (Call 999)" in text and "difficulty walking" not in text
    assert ok(cli_run("symptom", "chest pain")).stdout.splitlines()[1] == "Call 999"
    refused(cli_run("symptom", "remove-sign", "nope"), 1, "not on the warning-sign list")


def test_delete_symptom(cli_run, conf):
    ok(cli_run("symptom", "itching"))
    assert ok(cli_run("delete", "symptom", "1", "--yes")).stdout.startswith("deleted symptom 1: itching")
    assert json.loads(ok(cli_run("symptoms", "--json")).stdout) == []


def test_the_real_command(tmp_path):
    env = sub_env(PAINBOARD_CONFIG=str(tmp_path / "c.toml"))
    db = str(tmp_path / "p.db")
    r = subprocess.run([str(VENV_BIN / "painboard"), "--db", db, "symptom", "unable to put weight on a leg"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == "Your care team asked you to report this today"
    assert "painboard symptom team --phone" in r.stderr
