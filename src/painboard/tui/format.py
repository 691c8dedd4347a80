"""Small formatting helpers shared by the widgets: words and symbols, never colour alone."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from painboard.clock import utcnow  # noqa: F401  (the widgets' clock, re-exported)


# Chart ranges: key, label, days (None = all). Digits are taken by quick log.
RANGES: list[tuple[str, str, int | None]] = [
    ("w", "7d", 7), ("m", "30d", 30), ("t", "90d", 90), ("y", "1y", 365), ("a", "all", None),
]
START_RANGE = "30d"  # when the settings file names none, or one no longer offered
RECENT_SHOWN = 8  # entries in the recent list
NARROW = 80  # columns under which the footer and the forms show their short words


def start_range(label: str | None) -> str:
    """The range the dashboard opens on: the one last chosen (config.toml), if offered."""
    return label if any(label == known for _, known, _ in RANGES) else START_RANGE


def range_days(label: str) -> int | None:
    """Days shown by a range label (None: all)."""
    return next((days for _, known, days in RANGES if known == label), 30)


def start_range_days(label: str | None) -> int | None:
    return range_days(start_range(label))


RANGE_WORDS = {"7d": "7 days", "30d": "30 days", "90d": "90 days", "1y": "1 year", "all": "all time"}
# The same ranges as periods in words for the export dialog and the command palette.
RANGE_PERIODS: list[tuple[str, str, int | None]] = [
    (label, RANGE_WORDS[label] if days else "all", days) for _, label, days in RANGES]

# Plan events on the chart's time axis: a letter each, so 16 colours still tell them apart.
MARKER_LETTERS = {"radiation": "R", "bone_strengthening": "I", "procedure": "P"}
MARKER_WORDS = {"radiation": "radiation", "bone_strengthening": "infusion", "procedure": "procedure"}

# Checklist boxes by state.
BOXES = {"done": "[x]", "due": "[ ]", "overdue": "[!]", "skipped": "[-]", "missed": "[-]", "upcoming": "( )",
         "as_needed": "[+]", "error": "[?]"}  # error: a stored schedule that cannot be read


def num(v: float | int | None, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.{digits}f}"
    return f"{int(v)}" if isinstance(v, (int, float)) else str(v)


def minutes(v: float | None) -> str:
    if v is None:
        return "–"
    m = round(v)
    return f"{m}m" if m < 60 else f"{m // 60}h{m % 60:02d}"


def hhmm(dt: datetime | None, tz: tzinfo) -> str:
    return dt.astimezone(tz).strftime("%H:%M") if dt else "–"


def when(dt: datetime | None, tz: tzinfo) -> str:
    """'14:05' today, 'yesterday 22:40', else 'Thu 26 Nov 14:05'."""
    if dt is None:
        return "–"
    local = dt.astimezone(tz)
    today = utcnow().astimezone(tz).date()
    days = (today - local.date()).days
    if days == 0:
        return local.strftime("%H:%M")
    if days == 1:
        return local.strftime("yesterday %H:%M")
    return local.strftime("%a %-d %b %H:%M")


# Marks beside a metric by level; the legend says what they mean (help, metrics view, CLI).
LEVEL_MARKS = {"watch": "▲ ", "alert": "▲▲ "}
LEVEL_LEGEND = "▲ worth a look  ▲▲ worth raising with your care team"
# OMED is not a word a patient knows: every legend that can show it says what it is.
OMED_WORDS = "OMED: oral morphine equivalent, the opioids taken in a day as mg of oral morphine"


def metric_text(m: Any) -> str:
    """A metric's figure in a few words: its number and unit, else its text (a plugin's text
    is cleaned of terminal controls)."""
    from painboard.terminal_text import clean

    value, unit = attr_or_key(m, "value"), clean(attr_or_key(m, "unit") or "")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{num(value)}{unit}" if unit.startswith("/") else f"{num(value)} {unit}".strip()
    return clean(attr_or_key(m, "text") or "–")


def on_dashboard(metric: Any) -> bool:
    """Whether a metric result is shown among the dashboard's metrics (its ``shown``)."""
    shown = attr_or_key(metric, "shown")
    return shown is None or "dashboard" in shown


def attr_or_key(obj: Any, name: str, default: Any = None) -> Any:
    """Metric results may be objects or dicts (plugins); read either."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def short_when(dt: datetime | None, tz: tzinfo) -> str:
    """'13:10' today, 'Fri 22:05' this week, else '21 Nov'."""
    if dt is None:
        return "–"
    local = dt.astimezone(tz)
    days = (utcnow().astimezone(tz).date() - local.date()).days
    if days == 0:
        return local.strftime("%H:%M")
    if days < 7:
        return local.strftime("%a %H:%M")
    return local.strftime("%-d %b")
