"""One home for each clinical figure: the arithmetic lives in painboard.figures only, and the
Today panel, `painboard metrics --json` and the visit summary agree on the same day."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

import painboard
from painboard.demo import load_demo
from painboard.figures.severity import half_up
from painboard.store import repository as repo

SRC = Path(painboard.__file__).resolve().parent

# A figure's arithmetic written out: the morphine factor multiplied, the rescue marker or a
# severity band compared, the rescue caps added up.
ARITHMETIC = [
    re.compile(r"mme_factor\W{0,3}\s*\*|\*\s*[\w.\[\]\"'()]*mme_factor"),
    re.compile(r"[<>]=?\s*(RESCUE_DOSES_MARKER|SEVERE_MIN|CONTROLLED_MAX)\b"),
    re.compile(r"\b(RESCUE_DOSES_MARKER|SEVERE_MIN|CONTROLLED_MAX)\s*[<>]=?"),
    re.compile(r"sum\([^)]*max_per_day"),
]


def arithmetic_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()
            if not line.lstrip().startswith("#") and any(p.search(line) for p in ARITHMETIC)]


def test_the_probe_finds_figure_arithmetic():
    assert arithmetic_lines('mg = (e["amount"] or it["dose"]) * it["mme_factor"]')
    assert arithmetic_lines("total = amount * item.mme_factor")
    assert arithmetic_lines("if n > RESCUE_DOSES_MARKER:")
    assert arithmetic_lines("caps = sum(i.max_per_day for i in items)")
    assert not arithmetic_lines("mme_factor: float | None = None")


def test_figure_arithmetic_lives_only_in_figures():
    home = SRC / "figures"
    offenders = [f"{p.relative_to(SRC)}: {line}" for p in sorted(SRC.rglob("*.py"))
                 if home not in p.parents for line in arithmetic_lines(p.read_text())]
    assert offenders == []
    assert any(arithmetic_lines(p.read_text()) for p in home.glob("*.py"))  # the home itself is found


def test_figures_import_nothing_heavy(subproc):
    r = subproc("import sys, json, pkgutil, importlib, painboard.figures as f; "
                "[importlib.import_module('painboard.figures.' + m.name) for m in pkgutil.iter_modules(f.__path__)]; "
                "import painboard.readmodel; "
                "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
                "('duckdb', 'pydantic', 'textual', 'pluggy', 'click'))))")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == []


@pytest.fixture
def demo(db_path, make_pb, built_once):
    """30 demo days: built once, copied for each test."""
    built_once("demo-30-5", db_path, lambda path: load_demo(make_pb(path), days=30, seed=5))
    return make_pb(db_path)


def test_today_metrics_and_visit_summary_agree(demo, cli_run, tmp_path):
    # The day with the most rescue doses in the last week, so the figures are not all zero.
    with demo.db.unit_of_work() as con:
        items = {i["id"]: i for i in repo.plan_items(con)}
        lo = demo.day_bounds(demo.today() - timedelta(days=6))[0]
        evs = [e for e in repo.events(con, lo, None) if e["status"] == "taken"]
    rescue = [e for e in evs if items[e["item_id"]]["kind"] == "as_needed"
              and items[e["item_id"]]["mme_factor"] is not None]
    assert rescue, "the demo data should hold rescue doses"
    per_day: dict = {}
    for e in rescue:
        d = demo.local(e["done_at"]).date()
        per_day[d] = per_day.get(d, 0) + 1
    day = max(per_day, key=lambda d: (per_day[d], d))

    today = demo.snapshot(7, day=day).today
    since, until = day.isoformat(), (day + timedelta(days=1)).isoformat()
    r = cli_run("metrics", "--since", since, "--until", until, "--json")
    assert r.exit_code == 0, r.stderr
    metrics = {m["name"]: m for m in json.loads(r.stdout)}
    out = tmp_path / "visit.md"
    r = cli_run("export", "markdown", "-o", str(out), "--since", since, "--until", until)
    assert r.exit_code == 0, r.stderr
    summary = out.read_text()

    # Worked by hand from the rows: the day's rescue doses and oral morphine equivalents.
    day_evs = [e for e in evs if demo.local(e["done_at"]).date() == day]
    n_rescue = sum(1 for e in rescue if demo.local(e["done_at"]).date() == day)
    omed = sum((e["amount"] if e["amount"] is not None else items[e["item_id"]]["dose"])
               * items[e["item_id"]]["mme_factor"] for e in day_evs
               if items[e["item_id"]]["mme_factor"] is not None)
    assert today.rescue_doses == metrics["rescue-doses-today"]["value"] == n_rescue
    assert f"Rescue doses taken: {n_rescue} " in summary
    assert today.mme == half_up(omed, 1)
    shown = f"{half_up(omed, 1):g}"  # one day: mean = min = max, half up to 0.1 mg
    assert f"mean {shown} mg a day on 1 of 1 day (range {shown} to {shown})" in summary
    on = "today" if day == demo.today() else f"on {day.isoformat()}"  # "today" only for today
    per_item = "; ".join(f"{r['item']} {r['n']}" + (f" of {r['cap']}" if r["cap"] else "") for r in today.rescue_items)
    assert metrics["rescue-doses-today"]["text"].startswith(f"{per_item} {on}")
    assert today.worst == metrics["worst-pain"]["value"]
    assert today.average == metrics["average-pain"]["value"]
    assert f"average {today.average:.1f}, worst {today.worst}," in summary


def test_no_figure_function_is_defined_twice():
    """A second ``def`` of the same name silently replaces the first (it happened once)."""
    import ast
    from collections import Counter

    for path in sorted((SRC / "figures").glob("*.py")):
        tree = ast.parse(path.read_text())
        names = Counter(n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)))
        assert [n for n, c in names.items() if c > 1] == [], path.name
