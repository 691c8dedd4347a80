"""Every command works as a person types it (issue 19, "Commands and the README")."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("fixed_env")


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
