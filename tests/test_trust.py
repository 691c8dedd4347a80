"""Issue 10: nothing typed, imported or installed destroys data, hangs the database or reaches
the terminal. One test (or more) per finding; each fails on the code before its fix."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from painboard.store import repository as repo

pytestmark = pytest.mark.usefixtures("fixed_env")

ESC_TITLE = "\x1b]0;PWNED\x07\x1b[41m"
OSC52 = "\x1b]52;c;aGVsbG8=\x07"
CONTROL = set(chr(c) for c in [*range(0, 9), *range(11, 32), *range(0x7f, 0xa0)])


def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


def refused(result, code: int, *fragments: str):
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.startswith("painboard: "), result.stderr
    for f in fragments:
        assert f in result.stderr, (f, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    return result


def revision(db_path) -> int | None:
    if not Path(db_path).exists():
        return None
    from painboard.config import Settings
    from painboard.services import Painboard

    return Painboard(Settings.load(db=db_path)).revision()


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
