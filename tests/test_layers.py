"""Layering: services and the CLI never pull in Textual; only painboard.store imports duckdb."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import painboard

from .conftest import heavy_loaded, parsed

pytestmark = pytest.mark.usefixtures("fixed_env")

SRC = Path(painboard.__file__).resolve().parent


def tree_of(path: Path) -> ast.Module:
    return parsed(path.read_text())  # once per file: the checks below walk the same files


def imports_of(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(tree_of(path)):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def test_services_and_cli_do_not_import_textual(subproc):
    code = ("import sys, json; import painboard.services, painboard.cli, painboard.models; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'textual_plotext'))))")
    r = subproc(code)
    assert r.returncode == 0, r.stderr
    loaded = json.loads(r.stdout)
    assert [m for m in loaded if m.startswith("textual")] == []


def test_the_probe_can_see_textual_when_it_is_imported(subproc):
    r = subproc("import sys, painboard.tui.app; print(any(m.startswith('textual') for m in sys.modules))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "True"  # so the test above is not vacuous


def test_the_launcher_forks_before_anything_heavy_is_loaded(fixed_env):
    # first_read.py forks while the process is small and has one thread: the launcher and the
    # reader load no Textual, DuckDB or pydantic of their own.
    assert heavy_loaded("import painboard.tui.launch, painboard.first_read") == []


def test_only_the_store_imports_duckdb():
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                 if any(m == "duckdb" or m.startswith("duckdb.") for m in imports_of(p))
                 and p.relative_to(SRC).parts[0] != "store"]
    assert offenders == []
    assert any("duckdb" in imports_of(p) for p in (SRC / "store").glob("*.py"))


def test_models_and_config_sit_at_the_bottom():
    for name in ("models.py", "models_base.py", "models_pain.py", "models_plan.py", "models_when.py",
                 "config.py", "errors.py"):
        mods = imports_of(SRC / name)
        upward = [m for m in mods if m.startswith("painboard.") and
                  m.split(".")[1] in ("services", "cli", "tui", "store", "plugins", "demo")]
        assert upward == [], (name, upward)


def test_store_does_not_reach_up():
    for p in (SRC / "store").glob("*.py"):
        mods = imports_of(p)
        assert not [m for m in mods if m.startswith(("painboard.services", "painboard.cli", "painboard.tui",
                                                     "textual"))], p


def test_no_sql_in_the_faces():
    text = (SRC / "cli.py").read_text()
    for word in ("SELECT ", "INSERT ", "UPDATE ", "DELETE FROM"):
        assert word not in text
    assert "import duckdb" not in (SRC / "services.py").read_text()


def test_sql_runs_only_in_the_store():
    """Every .execute() call lives under store/; other layers call repository functions."""
    offenders = []
    for p in SRC.rglob("*.py"):
        if p.relative_to(SRC).parts[0] == "store":
            continue
        for node in ast.walk(tree_of(p)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    node.func.attr in ("execute", "executemany", "sql"):
                offenders.append(f"{p.relative_to(SRC)}:{node.lineno}")
    assert offenders == []
