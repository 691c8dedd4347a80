"""Shared fixtures for the foundation tests (models, store, services, CLI, demo, layers).

Nothing here is autouse: tests/tui and tests/plugins live under this folder too and keep
their own clocks. Foundation modules opt in with ``pytestmark = usefixtures("fixed_env")``.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import socket
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from painboard import models
from painboard.config import Settings
from painboard.services import Painboard

# Saturday 28 November 2026, 14:05 UTC (= 14:05 in London, which is on GMT in November).
NOW = datetime(2026, 11, 28, 14, 5, tzinfo=timezone.utc)
TZ = "Europe/London"
REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"


@pytest.fixture
def fixed_env(monkeypatch):
    """A frozen clock and a fixed zone, and no stray settings from the environment."""
    monkeypatch.setenv("PAINBOARD_TZ", TZ)
    monkeypatch.setenv("PAINBOARD_NOW", NOW.isoformat())
    monkeypatch.setenv("PAINBOARD_LOAD_PLUGINS", "")
    monkeypatch.delenv("PAINBOARD_DB", raising=False)
    monkeypatch.delenv("PAINBOARD_PLUGINS_DIR", raising=False)
    monkeypatch.setenv("PAINBOARD_CONFIG", "/nonexistent/painboard-test-config.toml")  # not the user's
    models.freeze_clock(NOW)
    yield NOW
    models.freeze_clock(None)


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "data" / "painboard.db"


@pytest.fixture
def pb(fixed_env, db_path) -> Painboard:
    return Painboard(Settings.load(db=db_path))


def _make_pb(path, read_only: bool = False) -> Painboard:
    return Painboard(Settings.load(db=path, read_only=read_only))


@pytest.fixture
def make_pb(fixed_env):
    """Another Painboard on a given file (a second session, or a read-only one)."""
    return _make_pb


@pytest.fixture
def cli_run(fixed_env, db_path):
    """Run the CLI against the test database; returns click's Result."""
    from painboard.cli import cli

    runner = CliRunner()

    def run(*args: str, input: str | None = None, db: Path | str | None = None):
        argv = ["--db", str(db or db_path), *args]
        return runner.invoke(cli, argv, input=input, catch_exceptions=False)

    return run


def _counts(path) -> dict:
    p = _make_pb(path)
    c = p.counts()
    c["revision"] = p.db.revision()
    return c


@pytest.fixture
def db_counts(fixed_env):
    """Row counts and the revision of a file, read through a fresh unit of work."""
    return _counts


@pytest.fixture
def subproc(fixed_env):
    """Run python code in a fresh interpreter with the test clock and zone."""
    return run_py


def sub_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.update({"PAINBOARD_TZ": TZ, "PAINBOARD_NOW": NOW.isoformat(), "PAINBOARD_LOAD_PLUGINS": ""})
    env.pop("PAINBOARD_DB", None)
    env.update(extra)
    return env


def run_py(code: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout, env=sub_env(**env), cwd=str(REPO))


HEAVY = ("textual", "rich", "duckdb", "pydantic", "pluggy", "click")


def heavy_loaded(imports: str) -> list[str]:
    """Which of HEAVY a fresh interpreter has loaded after ``imports`` (a module that forks
    must load none of its own, so the child and the parent each load theirs)."""
    r = run_py(f"import sys, json; {imports}; "
               f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


# A process holding the database file (argv: the file, the seconds to hold it), saying "ready".
HOLDER = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
con.execute("SELECT 1").fetchall()
print("ready", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def hold(path, seconds: float) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


@pytest.fixture
def child_env(fixed_env) -> dict:
    """Environment for child processes: the test clock (PAINBOARD_NOW) and zone."""
    return sub_env()


# -- checks on a CliRunner result, shared by the CLI tests ------------------------------------
def ok(result):
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result


@pytest.fixture
def cli_ok(cli_run):
    """cli_run that requires exit 0: for scenarios built through the real CLI."""
    return lambda *a, **kw: ok(cli_run(*a, **kw))


@pytest.fixture
def cli_story(cli_ok, db_path, built_once):
    """``cli_story(build)``: the test's database as ``build(cli)`` leaves it, ``cli`` running the
    real CLI (as cli_ok) on the file being built. Built the first time a test of this worker asks
    for ``build`` and copied after that (see built_once: ``build`` must not depend on the test)."""
    def story(build) -> None:
        built_once(f"{build.__module__}.{build.__qualname__}", db_path,
                   lambda path: build(lambda *a, **kw: cli_ok(*a, db=path, **kw)))

    return story


def free_port() -> int:
    """A local port nothing listens on (bound then let go): a server's port, or a refused connection."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def metrics_of(run, since: str, until: str) -> dict:
    """`painboard metrics --since --until --json` through ``run``, each metric by its name."""
    r = run("metrics", "--since", since, "--until", until, "--json")
    return {m["name"]: m for m in json.loads(r.stdout)}


def refused(result, code: int, *fragments: str):
    """Exit ``code``, a 'painboard: ' message naming each fragment, and no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.startswith("painboard: "), result.stderr
    for f in fragments:
        assert f in result.stderr, (f, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    return result


@functools.cache
def parsed(source: str) -> ast.Module:
    """ast.parse, once per text in a worker: the layer, size and figure checks walk the same
    source files (the trees are only read)."""
    return ast.parse(source)


def examples(full: int) -> int:
    """A property test's number of examples: ``full`` in the whole suite, the quick profile's
    (/conftest.py) in the quick run."""
    from hypothesis import settings

    quick = settings.get_current_profile_name() == "quick"
    return settings.get_profile("quick").max_examples if quick else full
