"""Driving the real CLI for the importer tests: import a file, read the entries back as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from .conftest import REPO

EXAMPLES = REPO / "examples" / "data"


def run(db: Path, *args: str):
    from painboard.cli import cli

    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def import_ok(db: Path, path: Path, *args: str) -> str:
    r = run(db, "import", str(path), *args)
    assert r.exit_code == 0, r.output + r.stderr
    return r.output


def entries(db: Path) -> list[dict]:
    r = run(db, "entries", "--json")
    assert r.exit_code == 0, r.output + r.stderr
    return json.loads(r.stdout) if r.stdout.strip() else []
