"""Privacy Friendly Pain Diary's CSV export (SecUSo): one row per day.

Header ``Date,Conditions,Pain Level (0-10),Body Regions,Pain nature,Times of pain,
Drug Intakes,Comment``.

- A day's row becomes one pain entry at 12:00 local time (the app records a day, not a time);
  the note says "(one entry for the day; times of pain: morning, evening)".
- Dates are written in the phone's locale (M/d/yy, d/M/yy, d.M.yy, yyyy-MM-dd ...). The order
  is found from the whole file: a first part above 12 somewhere means day first, a second
  part above 12 month first. A file where every date fits both is refused, asking for
  ``--date-order dmy|mdy|ymd`` (``-O date_order=...``).
- List fields are written like ``[stabbing, dull]``. Body regions are the app's names
  (THIGH_LEFT, LOWER_BACK) and become sites (left thigh, lower back). Pain nature becomes
  qualities. Conditions, times of pain and drug intakes are kept in the note, after the comment.
- A day without a pain level is counted as skipped.
"""

from __future__ import annotations

from datetime import time
from typing import Iterator

from painboard.builtin._importing import (Keys, check_width, csv_rows, date_order_option, detect_order,
                                          header_of, inert, local_iso, parse_numeric_date, zone)
from painboard.builtin._importing import skip as skip_row
from painboard.errors import BadInput
from painboard.hookspecs import hookimpl
from painboard.plugins import ImportSource, Importer, Row

HEADER = ["date", "conditions", "pain level (0-10)", "body regions", "pain nature", "times of pain",
          "drug intakes", "comment"]
DAY_TIME = time(12)
SIDES = {"left", "right"}


def sniff(head: bytes, filename: str) -> bool:
    first = head.decode("utf-8-sig", "replace").splitlines()[:1]
    return bool(first) and [c.strip().lower() for c in first[0].split(",")] == HEADER


def items(text: str) -> list[str]:
    """``[stabbing, dull]`` (or a bare ``stabbing, dull``) as a list."""
    t = text.strip()
    if t.startswith("[") and t.endswith("]"):
        t = t[1:-1]
    return [p.strip() for p in t.split(",") if p.strip()]


def region_site(name: str) -> str:
    """THIGH_LEFT -> left thigh, LOWER_BACK -> lower back, UPPER_ARM_RIGHT -> right upper arm."""
    words = name.strip().lower().replace("-", "_").split("_")
    words = [w for w in words if w]
    if len(words) > 1 and words[-1] in SIDES:
        words = [words[-1]] + words[:-1]
    return " ".join(words)


def read(source: ImportSource) -> Iterator[Row]:
    order = date_order_option(source)
    if order is None:  # a first pass over the dates alone (not counted as progress)
        first = csv_rows(source, counted=False)
        _header(first)
        order = detect_order(((ln, c[0]) for ln, c in first if c and c[0].strip()), "Date")
    rows = csv_rows(source)
    _header(rows)
    tz = zone(source)
    keys = Keys("paindiary")
    for line, cells in rows:
        if not check_width(cells, len(HEADER), line):
            continue
        day_text, conditions, level, regions, nature, times, drugs, comment = cells
        try:
            day = parse_numeric_date(day_text, order)
        except ValueError as exc:
            raise BadInput(str(exc), field="Date", line=line) from None
        if not level.strip():
            skip_row(source, "days without a pain level")
            continue
        extra = [f"{label}: {', '.join(items(v))}" for label, v in
                 (("condition", conditions), ("times of pain", times), ("drug intakes", drugs)) if items(v)]
        note = " ".join(p for p in [comment.strip(), f"(one entry for the day; {'; '.join(extra)})"
                                    if extra else "(one entry for the day)"] if p)
        sites = [inert(region_site(r)) for r in items(regions)]
        qualities = [inert(q) for q in items(nature)]
        yield Row("pain_entry", {
            "occurred_at": local_iso(day, DAY_TIME, tz), "intensity": level.strip(), "sites": sites,
            "qualities": qualities, "note": inert(note), "source": f"paindiary:{source.name}:{line}",
            "key": keys(day.isoformat(), level.strip(), regions, nature, times, drugs, comment, conditions)},
            line)


def _header(rows) -> None:
    header = header_of(rows, "Pain Diary")
    if header != HEADER:
        raise BadInput("is not Privacy Friendly Pain Diary's header (Date,Conditions,Pain Level (0-10),"
                       "Body Regions,Pain nature,Times of pain,Drug Intakes,Comment)", field="header", line=1)


@hookimpl
def register_importers(register):
    register(Importer(name="paindiary", label="Privacy Friendly Pain Diary CSV", extensions=(".csv",),
                      sniff=sniff, read=read,
                      description="One entry per day at 12:00; options: date_order=dmy|mdy|ymd."))
