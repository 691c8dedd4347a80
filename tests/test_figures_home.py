"""No figure is computed outside src/painboard/figures/: an AST probe over every module of
painboard and of the plugins in this repository finds arithmetic on figure-like names, sums,
maxima and minima over them, and statistics calls (median, mean, ...). Faces word results.

The probe is tested on planted violations, so a probe that finds nothing is not vacuous."""

from __future__ import annotations

import ast
from pathlib import Path

import painboard

from .conftest import parsed

SRC = Path(painboard.__file__).resolve().parent
REPO = SRC.parent.parent
HOME = SRC / "figures"

# Names (variables, attributes, row keys) that hold a figure or what a figure is made of.
FIGURE_NAMES = {"intensity", "peak", "worst", "least", "average", "mme", "omed", "mme_factor", "factor",
                "duration_min", "relief_min", "max_per_day", "dose", "amount", "per_day", "median", "mean",
                "worst_peak", "rescue", "rescue_doses"}
STATISTICS = {"median", "mean", "fmean", "median_low", "median_high", "quantiles", "stdev", "pstdev", "mode"}
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv)

# Computations outside figures/ that are not figures, each with why.
ALLOWED = {
    "demo.py": "makes up demo data (a peak, a background below it); shows no figure",
    "models.py": "checks that a plan rule has at most so many due times a day (validation)",
}


def _is_text(node: ast.AST) -> bool:
    """Words being put together ("worst " + ...), not numbers."""
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _figure_names(node: ast.AST) -> set[str]:
    """The figure-like names a piece of code reads: names, attributes and row keys (r["peak"])."""
    out = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
        elif isinstance(n, ast.Attribute):
            out.add(n.attr)
        elif isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Constant) and isinstance(n.slice.value, str):
            out.add(n.slice.value)
    return out & FIGURE_NAMES


def figure_arithmetic(source: str) -> list[str]:
    """Each place in ``source`` that computes a figure: 'line N: why'."""
    hits = []
    for n in ast.walk(parsed(source)):
        if isinstance(n, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ""]
            if "statistics" in mods:
                hits.append(f"line {n.lineno}: imports statistics")
        elif isinstance(n, ast.Call):
            f = n.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "statistics":
                hits.append(f"line {n.lineno}: statistics.{f.attr}()")
            elif isinstance(f, ast.Name) and f.id in ("sum", "max", "min") and n.args:
                used = set().union(*(_figure_names(a) for a in n.args))
                if used:
                    hits.append(f"line {n.lineno}: {f.id}() over {', '.join(sorted(used))}")
        elif isinstance(n, ast.BinOp) and isinstance(n.op, ARITHMETIC) and not _is_text(n):
            used = _figure_names(n.left) | _figure_names(n.right)
            if used:
                hits.append(f"line {n.lineno}: {type(n.op).__name__.lower()} on {', '.join(sorted(used))}")
        elif isinstance(n, ast.Assign) and isinstance(n.value, ast.BinOp) and not _is_text(n.value):
            used = set().union(*(_figure_names(x) for x in n.targets))
            if used and isinstance(n.value.op, ARITHMETIC):
                hits.append(f"line {n.lineno}: {', '.join(sorted(used))} computed")
        elif isinstance(n, ast.AugAssign) and isinstance(n.op, ARITHMETIC) and not _is_text(n.value):
            used = _figure_names(n.target) | _figure_names(n.value)
            if used:
                hits.append(f"line {n.lineno}: {type(n.op).__name__.lower()}= on {', '.join(sorted(used))}")
    return hits


def offenders(roots: list[Path], home: Path) -> list[str]:
    """Every figure computed in a module under ``roots`` outside ``home`` (and not ALLOWED)."""
    out = []
    for root in roots:
        for p in sorted(root.rglob("*.py")):
            if home in p.parents or p.name in ALLOWED and p.parent == SRC:
                continue
            out += [f"{p.relative_to(root.parent)}: {h}" for h in figure_arithmetic(p.read_text())]
    return out


def test_the_probe_finds_figures_computed_by_hand():
    assert figure_arithmetic("import statistics")
    assert figure_arithmetic("m = statistics.median(vals)")
    assert figure_arithmetic('worst = max(e["peak"] for e in eps)')
    assert figure_arithmetic('total = sum(e["amount"] * it.mme_factor for e in evs)')
    assert figure_arithmetic("mg = dose * factor")
    assert figure_arithmetic("per_day = total / len(days)")
    assert figure_arithmetic("x += e['intensity']")
    # text and counting are not figures
    assert not figure_arithmetic('line = "worst " + str(worst)')
    assert not figure_arithmetic('t = f"{worst}/10" + " today"')
    assert not figure_arithmetic("n = len(rows) + 1")
    assert not figure_arithmetic("pad = timedelta(days=1) * 2")


def test_no_figure_is_computed_outside_figures():
    roots = [SRC] + sorted(REPO.glob("plugins/*/src"))
    assert offenders(roots, HOME) == []
    home_hits = [h for p in HOME.glob("*.py") for h in figure_arithmetic(p.read_text())]
    assert len(home_hits) > 20  # the home itself is found: the probe is not blind


def test_a_planted_figure_outside_figures_fails(tmp_path):
    pkg = tmp_path / "painboard"
    (pkg / "figures").mkdir(parents=True)
    (pkg / "figures" / "omed.py").write_text("def omed(evs):\n    return sum(e['amount'] * e['factor'] for e in evs)\n")
    (pkg / "builtin").mkdir()
    (pkg / "builtin" / "report.py").write_text("def words(eps):\n    return f'worst {max(e[\"peak\"] for e in eps)}'\n")
    found = offenders([pkg], pkg / "figures")
    assert found == ["painboard/builtin/report.py: line 2: max() over peak"]


BOTTOM = ("painboard.view_protocol", "painboard.recurrence")  # the view's protocol; the one rule parser


def test_the_figures_sit_at_the_bottom():
    """figures/ imports the standard library, itself, the period view's protocol and the rule
    parser (bottom layer; dateutil only once a rule is built) only, so every layer (the store,
    the read model, the plugins, the faces) may use it."""
    import sys

    upward = []
    for p in sorted(HOME.glob("*.py")):
        for n in ast.walk(parsed(p.read_text())):
            mods = [a.name for a in n.names] if isinstance(n, ast.Import) else \
                [n.module or ""] if isinstance(n, ast.ImportFrom) and n.level == 0 else []
            for m in mods:
                top = m.split(".")[0]
                if top == "painboard":
                    if not (m.startswith("painboard.figures") or m in BOTTOM):
                        upward.append(f"{p.name}: {m}")
                elif top not in sys.stdlib_module_names and top != "__future__":
                    upward.append(f"{p.name}: {m}")
    assert upward == []
