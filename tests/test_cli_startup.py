"""What `painboard log 5` loads: the recording commands alone, each topic's module on first use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

pytestmark = pytest.mark.usefixtures("fixed_env")

# Loaded by a command that neither lists nor runs another topic's commands: none of these.
OTHER_TOPICS = ("painboard.cli_data", "painboard.cli_plan", "painboard.cli_remind", "painboard.cli_mending",
                "painboard.cli_symptoms", "painboard.plugin_api", "painboard.plugins", "pluggy")


def _modules_after(args: list[str], db) -> tuple[subprocess.CompletedProcess, list[str]]:
    code = ("import atexit, json, sys\n"
            "atexit.register(lambda: sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules))))\n"
            f"sys.argv = ['painboard', '--db', {str(db)!r}, *{args!r}]\n"
            "from painboard.cli import main\nmain()\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    return r, json.loads(r.stderr.rpartition("MODULES ")[2])


@pytest.mark.system
def test_log_loads_no_other_topic(db_path):
    r, loaded = _modules_after(["log", "5"], db_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("logged 5/10 at ")
    assert [m for m in OTHER_TOPICS if m in loaded] == []
    assert "painboard.cli_record" in loaded


def test_help_lists_every_topic(pb):
    from painboard.cli import cli

    out = CliRunner().invoke(cli, ["--help"]).output
    commands = out.split("Commands:")[1].split("Environment:")[0]
    names = [line.split()[0] for line in commands.splitlines() if line.startswith("  ") and line.split()]
    assert names == ["backup", "check", "delete", "demo", "doses", "edit", "entries", "episode", "episodes",
                     "export", "import", "log", "metrics", "plan", "plugins", "relief", "remind", "restore",
                     "review", "reviews", "symptom", "symptoms", "undo"]


def test_delete_has_every_kind_whichever_topic_loaded_first(pb):
    from painboard.cli import cli

    cli.builtin("symptom")  # the symptoms' module adds its kind to cli_record's delete group
    out = CliRunner().invoke(cli, ["--db", str(pb.db.path), "delete", "--help"]).output
    kinds = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
    assert kinds == ["dose", "entry", "episode", "item", "review", "symptom"]


def test_command_functions_stay_importable_from_cli():
    from painboard import cli, cli_data, cli_record

    assert cli.log is cli_record.log and cli.import_ is cli_data.import_
    assert cli._review_check is cli_record._review_check
    with pytest.raises(AttributeError):
        cli.no_such_name


@pytest.mark.system
def test_log_loads_the_recording_use_cases_alone(db_path):
    # log's Painboard is a recording.Recording: the reading, import, mending and symptom
    # use-cases, the read model and the plan's records stay unloaded.
    r, loaded = _modules_after(["log", "5", "--at", "yesterday 10:00"], db_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("logged 5/10 at Fri 27 Nov 10:00 ")
    assert [m for m in ("painboard.services", "painboard.reading", "painboard.readmodel", "painboard.mending",
                        "painboard.symptom_services", "painboard.importing", "painboard.models_plan",
                        "painboard.models_symptom") if m in loaded] == []
    assert "painboard.recording" in loaded
