"""Fixtures for the FHIR plugin's tests: a frozen clock in London (so offsets change across
the October DST change), only this plugin loaded, and the real click CLI on real files."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from painboard import models
from painboard.cli import cli
from painboard.config import Settings
from painboard.services import Painboard

NOW = datetime(2026, 11, 28, 14, 5, tzinfo=timezone.utc)
SINCE, UNTIL = "2026-08-01", "2026-11-29"


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("PAINBOARD_TZ", "Europe/London")
    monkeypatch.setenv("PAINBOARD_NOW", NOW.isoformat())
    monkeypatch.setenv("PAINBOARD_LOAD_PLUGINS", "fhir")
    monkeypatch.setenv("PAINBOARD_PLUGINS_DIR", str(tmp_path / "no-plugins"))
    for name in ("PAINBOARD_DB", "PAINBOARD_FHIR_PATIENT"):
        monkeypatch.delenv(name, raising=False)
    models.freeze_clock(NOW)
    yield tmp_path
    models.freeze_clock(None)


class Cli:
    """`painboard --db DB ...` through the real click command."""

    def __init__(self, db: Path):
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0) -> str:
        r = self.runner.invoke(cli, ["--db", str(self.db), *args], catch_exceptions=False)
        assert r.exit_code == code, r.output
        return r.stdout if code == 0 else r.output  # warnings on stderr stay out of JSON

    def export(self, out: Path, *opts: str, since: str = SINCE, until: str = UNTIL) -> dict:
        self("export", "fhir", "-o", str(out), "--since", since, "--until", until, *opts)
        return json.loads(out.read_text(encoding="utf-8"))

    def pb(self) -> Painboard:
        return Painboard(Settings.load(db=self.db))

    def everything(self, out: Path) -> dict:
        """The whole record as painboard's own JSON export (every field of every record)."""
        self("export", "json", "-o", str(out), "--since", SINCE, "--until", UNTIL)
        return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture
def run(env) -> Cli:
    return Cli(env / "a.db")


@pytest.fixture
def other(env) -> Cli:
    return Cli(env / "b.db")


@pytest.fixture
def demo(run, built_once) -> Cli:
    built_once("fhir-demo-90", run.db, lambda path: Cli(path)("demo", "--days", "90"))  # copied after the first
    return run
