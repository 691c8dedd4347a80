"""Symptom figures (issue 20): side effects over a period (days with each, the worst severity),
per week, the warning signs in order, and OMED on days with and without a side effect (counts
and means, never a cause). Standard library only; rows come from the period view."""

from __future__ import annotations

from datetime import date, timedelta, tzinfo
from functools import cached_property
from typing import Any, Iterable

from painboard.figures.insights import INSIGHT_MIN_N
from painboard.figures.severity import half_up

RANK = {None: 0, "none": 0, "mild": 1, "moderate": 2, "severe": 3}
# The side effects whose days are set beside OMED in the insights.
OMED_RELATED = ("constipation", "drowsiness")


def _worse(a: str | None, b: str | None) -> str | None:
    return b if RANK[b] > RANK[a] or a is None else a


def side_effect_days(rows: Iterable[dict[str, Any]], tz: tzinfo) -> dict[str, dict[date, str | None]]:
    """name -> {local day: worst severity that day} for side effects logged as present
    ('none' answers are not days with it)."""
    out: dict[str, dict[date, str | None]] = {}
    for r in rows:
        if r["kind"] != "side_effect" or r.get("severity") == "none":
            continue
        day = r["occurred_at"].astimezone(tz).date()
        days = out.setdefault(r["name"], {})
        days[day] = _worse(days.get(day), r.get("severity")) if day in days else r.get("severity")
    return out


def side_effects_over(rows: Iterable[dict[str, Any]], tz: tzinfo) -> list[dict[str, Any]]:
    """Each side effect of the period: days with it and the worst severity said (None: none
    was said), most days first."""
    out = []
    for name, days in side_effect_days(rows, tz).items():
        worst = None
        for sev in days.values():
            worst = _worse(worst, sev)
        out.append({"name": name, "days": len(days), "worst": worst})
    out.sort(key=lambda r: (-r["days"], r["name"]))
    return out


def week_starts(start: date, end: date) -> list[date]:
    """The period cut into weeks of 7 days from its first day (the last may be shorter)."""
    return [start + timedelta(days=7 * i) for i in range(-(-(end - start).days // 7))]


def side_effects_weekly(rows: Iterable[dict[str, Any]], tz: tzinfo, start: date, end: date) -> dict[str, Any]:
    """The per-week table: names (columns, most days first) and per week its first and last
    day and, for each name, days with it and the worst severity that week."""
    per = side_effect_days(rows, tz)
    names = [r["name"] for r in side_effects_over(rows, tz)]
    weeks = []
    for w in week_starts(start, end):
        last = min(w + timedelta(days=6), end - timedelta(days=1))
        cells = {}
        for name in names:
            sevs = [s for d, s in per[name].items() if w <= d <= last]
            worst = None
            for s in sevs:
                worst = _worse(worst, s)
            cells[name] = {"days": len(sevs), "worst": worst}
        weeks.append({"start": w, "end": last, "cells": cells})
    return {"names": names, "weeks": weeks}


def omed_beside(rows: Iterable[dict[str, Any]], tz: tzinfo, omed_per_day: dict[date, float],
                days: list[date], names: tuple[str, ...] = OMED_RELATED) -> list[dict[str, Any]]:
    """For each name: the days with it and without it among ``days`` (the period up to today),
    with the mean OMED of each group (a day with no opioid dose counts 0 mg). A mean needs
    INSIGHT_MIN_N days in the group. Said side by side, never as a cause."""
    per = side_effect_days(rows, tz)
    out = []
    for name in names:
        with_days = [d for d in days if d in per.get(name, {})]
        without = [d for d in days if d not in per.get(name, {})]
        out.append({"name": name, "with": _group(with_days, omed_per_day), "without": _group(without, omed_per_day)})
    return out


def _group(days: list[date], per_day: dict[date, float]) -> dict[str, Any]:
    n = len(days)
    mean = half_up(sum(per_day.get(d, 0.0) for d in days) / n, 1) if n >= INSIGHT_MIN_N else None
    return {"days": n, "mean_omed": mean}


def warning_signs(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The warning signs of the period, oldest first, with when and to whom reported."""
    return [r for r in rows if r["kind"] == "warning_sign"]


class SymptomFigures:
    """The symptom figures of a period (a part of figures.period.PeriodFigures)."""

    view: Any

    @cached_property
    def symptom_rows(self) -> list[dict[str, Any]]:
        return self.view.symptoms()

    @cached_property
    def side_effects(self) -> list[dict[str, Any]]:
        return side_effects_over(self.symptom_rows, self.view.tz)

    @cached_property
    def side_effects_weekly(self) -> dict[str, Any]:
        v = self.view
        return side_effects_weekly(self.symptom_rows, v.tz, v.start, v.end)

    @cached_property
    def warning_signs(self) -> list[dict[str, Any]]:
        return warning_signs(self.symptom_rows)

    @cached_property
    def omed_beside_side_effects(self) -> list[dict[str, Any]]:
        v = self.view
        days = [d for d in v.days() if d <= v.today]
        return omed_beside(self.symptom_rows, v.tz, self.period_omed.per_day, days)  # type: ignore[attr-defined]
