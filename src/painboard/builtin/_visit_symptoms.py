"""The visit reports' symptom sections, worded once for the Markdown and the HTML (issue 20).

Warning signs come first: what was logged, when, and when and to whom it was reported. Side
effects as a per-week table. Plain text here; each report escapes every cell and line with
its one rule (_visit.md_text, _visit.html_text). Never what a symptom means, never advice."""

from __future__ import annotations

from typing import Any

from painboard.figures.period import figures_of
from painboard.plugin_api import PeriodView

SIGNS_TITLE = "Warning signs the care team asked to be told about"
SIDE_EFFECTS_TITLE = "Side effects, per week"


def _when(view: PeriodView, t) -> str:
    return f"{t.astimezone(view.tz):%a %-d %b %Y %H:%M}"


def warning_sign_lines(view: PeriodView) -> list[str]:
    """One line per warning sign of the period, oldest first."""
    out = []
    for r in figures_of(view).warning_signs:
        bits = [r["severity"]] if r.get("severity") else []
        if r.get("note"):
            bits.append(f"note: {r['note']}")
        extra = f" ({'; '.join(bits)})" if bits else ""
        told = (f"Reported {_when(view, r['reported_at'])} to {r['reported_to']}." if r.get("reported_at")
                else "Not marked as reported.")
        out.append(f"{_when(view, r['occurred_at'])}: {r['name']}{extra}. {told}")
    return out


def _cell(c: dict[str, Any]) -> str:
    if not c["days"]:
        return "-"
    days = f"{c['days']} day{'s' if c['days'] != 1 else ''}"
    return f"{days}, worst {c['worst']}" if c["worst"] else days


def side_effect_table(view: PeriodView) -> tuple[list[str], list[list[str]]] | None:
    """(header, rows) of the per-week side-effect table; None when none was logged."""
    weekly = figures_of(view).side_effects_weekly
    if not weekly["names"]:
        return None
    header = ["Week"] + weekly["names"]
    rows = [[f"{w['start']:%-d %b} to {w['end']:%-d %b}"] + [_cell(w["cells"][n]) for n in weekly["names"]]
            for w in weekly["weeks"]]
    return header, rows


def omed_beside_lines(view: PeriodView) -> list[str]:
    """Mean OMED on days with and without constipation or drowsiness, side by side (never a
    cause); only when the period has opioid doses and a day with the side effect."""
    from painboard.figures.severity import fixed

    f = figures_of(view)
    if f.omed_stats is None:
        return []
    out = []
    for r in f.omed_beside_side_effects:
        w, wo = r["with"], r["without"]
        if not w["days"]:
            continue

        def mean(g: dict[str, Any]) -> str:
            return f"{fixed(g['mean_omed'], 1)} mg" if g["mean_omed"] is not None else "too few days for a mean"

        out.append(f"Oral morphine equivalents on the {w['days']} days with {r['name']}: {mean(w)}; "
                   f"on the {wo['days']} days without: {mean(wo)} (shown side by side, not as a cause).")
    return out
