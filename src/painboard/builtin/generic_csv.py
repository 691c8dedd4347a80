"""Any spreadsheet's CSV of pain scores, with its columns named by header or by a mapping.

Columns are found by their header (any case): when ``datetime``, ``timestamp``, ``date time``
or ``when``; or ``date`` (or ``day``) with an optional ``time``; the score ``pain``, ``level``,
``score``, ``intensity``, ``pain level`` or ``pain score``; ``location``, ``site`` or ``sites``;
``quality``; ``notes``, ``note``, ``comment`` or ``comments``. Other columns are ignored.

Other names are mapped with one option per field, ``-O FIELD=COLUMN`` (FIELD one of datetime,
date, time, intensity, sites, qualities, note), for example ``-O intensity="Pain (0-10)"
-O date=Tag``; or with ``-O mapping=FILE``, a small text file of the same ``FIELD=COLUMN``
lines. The delimiter is the one of comma, semicolon and tab that splits the first lines into
rows of one width.

Dates: ISO 8601 (with or without an offset; without one, your time zone), or day-first and
month-first dates (14/3/2024, 3/14/24, 14.3.24) with the order found from the whole file, or
``--date-order``; a date without a time is taken as 12:00. Scores are whole numbers 0-10; a decimal comma (``4,5``) is refused.
painboard's own CSV (``occurred_at`` and ``intensity`` columns) is left to the ``csv`` importer.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, time
from typing import Iterator

from painboard.builtin._importing import (Keys, check_width, csv_rows, date_order_option, detect_order, inert,
                                          parse_clock, parse_numeric_date, zone)
from painboard.errors import BadInput
from painboard.hookspecs import hookimpl
from painboard.plugins import Columns, ImportSource, Importer

FIELDS = ("datetime", "date", "time", "intensity", "sites", "qualities", "note")
KNOWN = {
    "datetime": ("datetime", "timestamp", "date time", "date/time", "when"),
    "date": ("date", "day"),
    "time": ("time",),
    "intensity": ("pain", "level", "score", "intensity", "pain level", "pain score"),
    "sites": ("location", "site", "sites", "body part"),
    "qualities": ("quality", "qualities"),
    "note": ("notes", "note", "comment", "comments"),
}
DELIMITERS = ",;\t"
BATCH = 20_000
SNIFF_LINES = 20  # the delimiter is told from the first lines of the file
DAY_TIME = time(12)  # a row with a date and no time: midday, as for the Pain Diary


def _delimiter(text: str) -> str:
    """The delimiter among comma, semicolon and tab that splits the first lines into the most
    rows of the header's width (then the most columns). Linear in the text: csv.Sniffer's
    patterns backtrack on crafted text."""
    lines = text.splitlines(keepends=True)[:SNIFF_LINES]
    best, best_score = ",", (0, 0)
    for d in DELIMITERS:
        rows: list[list[str]] = []
        reader = csv.reader(lines, delimiter=d)
        try:
            rows.extend(reader)
        except csv.Error:  # the sample may end inside a quoted cell
            pass
        width = len(rows[0]) if rows else 0
        if width < 2:
            continue
        score = (sum(1 for r in rows if len(r) == width), width)
        if score > best_score:
            best, best_score = d, score
    return best


def _find(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """Field -> column index, from the mapping first, then the known names."""
    cols: dict[str, int] = {}
    for f, name in mapping.items():
        try:
            cols[f] = header.index(name.strip().lower())
        except ValueError:
            raise BadInput(f"names column {name!r}, which the header does not have "
                           f"({', '.join(header)})", field=f, line=1) from None
    for f, names in KNOWN.items():
        if f not in cols:
            at = next((header.index(n) for n in names if n in header), None)
            if at is not None and at not in cols.values():
                cols[f] = at
    return cols


def sniff(head: bytes, filename: str) -> bool:
    text = head.decode("utf-8-sig", "replace")
    lines = text.splitlines()
    if not lines:
        return False
    header = [c.strip().lower() for c in next(csv.reader([lines[0]], delimiter=_delimiter(text[:8192])))]
    if {"occurred_at", "intensity"} <= set(header):
        return False  # painboard's own CSV
    cols = _find(header, {})
    return "intensity" in cols and ("datetime" in cols or "date" in cols)


def _mapping(source: ImportSource) -> dict[str, str]:
    pairs = {k: v for k, v in source.options.items() if k in FIELDS}
    path = source.options.get("mapping")
    if path:
        try:
            with open(path, encoding="utf-8-sig") as fh:
                lines = fh.read().splitlines()
        except OSError as exc:
            raise BadInput(f"cannot read {path}: {exc.strerror}", field="mapping") from None
        for n, raw in enumerate(lines, 1):
            raw = raw.strip()
            if not raw or raw.startswith("#"):
                continue
            f, sep, col = raw.partition("=")
            f = f.strip().lower()
            if not sep or f not in FIELDS:
                raise BadInput(f"{path} line {n}: expected FIELD=COLUMN with FIELD one of {', '.join(FIELDS)}",
                               field="mapping")
            pairs.setdefault(f, col.strip())
    return pairs


def read(source: ImportSource) -> Iterator[Columns]:
    with open(source.path, "rb") as fh:
        delim = _delimiter(fh.read(65536).decode("utf-8-sig", "replace")[:8192])
    mapping = _mapping(source)
    rows = csv_rows(source, delim)
    header, cols = _header(rows, mapping)
    order = _date_order(source, delim, header, cols)
    when = _When(header, cols, order, zone(source))
    yield from _entries(rows, header, cols, when, Keys("csv"), f"csv:{source.name}")


def _date_order(source: ImportSource, delim: str, header: list[str], cols: dict[str, int]) -> str | None:
    """The order of numeric dates: the option, or from a first pass over the date column alone."""
    order = date_order_option(source)
    if order is None:
        day_col, width = cols.get("datetime", cols.get("date")), len(header)
        first = csv_rows(source, delim, counted=False)
        next(first, None)
        order = detect_order(((ln, c[day_col].split()[0] if c[day_col].split() else "")
                              for ln, c in first if len(c) == width), header[day_col])
    return order


class _When:
    """A row's time as ISO 8601 text, from its datetime column or its date and time columns
    (each distinct date and clock text is read once)."""

    def __init__(self, header: list[str], cols: dict[str, int], order: str | None, tz):
        self.header, self.cols, self.order, self.tz = header, cols, order, tz
        self.at_f, self.time_i = cols.get("datetime"), cols.get("time")
        self.day_col = cols.get("datetime", cols.get("date"))
        self.days: dict[str, date] = {}
        self.clocks: dict[str, time | None] = {}

    def __call__(self, cells: list[str], line: int) -> str:
        at_f, time_i, tz = self.at_f, self.time_i, self.tz
        if at_f is not None:
            text = cells[at_f].strip()
            try:
                dt = datetime.fromisoformat(text)
                return (dt if dt.tzinfo else dt.replace(tzinfo=tz)).isoformat()
            except ValueError:
                day_text, _, clock_text = text.partition(" ")
        else:
            day_text = cells[self.cols["date"]].strip()
            clock_text = cells[time_i].strip() if time_i is not None else ""
        day = self.days.get(day_text)
        if day is None:
            try:
                day = self.days[day_text] = (date.fromisoformat(day_text) if len(day_text) == 10 and day_text[4] == "-"
                                             else parse_numeric_date(day_text, self.order))
            except (ValueError, IndexError) as exc:
                raise BadInput(str(exc) if str(exc) else f"{day_text!r} is not a date", field=self.header[self.day_col],
                               line=line) from None
        clock = self.clocks.get(clock_text, False)
        if clock is False:
            clock = self.clocks[clock_text] = DAY_TIME if not clock_text else parse_clock(clock_text)
        if clock is None:
            raise BadInput(f"{clock_text!r} is not a time of day", field=self.header[time_i if time_i is not None
                                                                                     else self.day_col], line=line)
        return datetime.combine(day, clock, tz).isoformat()


def _entries(rows, header: list[str], cols: dict[str, int], when: _When, keys: Keys,
             source_name: str) -> Iterator[Columns]:
    """The rows as pain entries, in batches of BATCH."""
    width = len(header)
    int_i, site_i, qual_i, note_i = cols["intensity"], cols.get("sites"), cols.get("qualities"), cols.get("note")
    batch: dict[str, list] = {f: [] for f in ("occurred_at", "intensity", "sites", "qualities", "note",
                                               "source", "key")}
    lines: list[int] = []
    for line, cells in rows:
        if not check_width(cells, width, line):
            continue
        score = cells[int_i].strip()
        if "," in score:
            raise BadInput(f"{score!r} has a decimal comma: scores are whole numbers from 0 to 10",
                           field=header[int_i], line=line)
        at = when(cells, line)
        sites = inert(cells[site_i]) if site_i is not None else ""
        quals = inert(cells[qual_i]) if qual_i is not None else ""
        note = inert(cells[note_i]) if note_i is not None else ""
        batch["occurred_at"].append(at)
        batch["intensity"].append(score)
        batch["sites"].append(sites)
        batch["qualities"].append(quals)
        batch["note"].append(note)
        batch["source"].append(source_name)
        batch["key"].append(keys(at, score, sites, quals, note))
        lines.append(line)
        if len(lines) == BATCH:
            yield Columns("pain_entry", batch, lines)
            batch = {f: [] for f in batch}
            lines = []
    if lines:
        yield Columns("pain_entry", batch, lines)


def _header(rows, mapping: dict[str, str]) -> tuple[list[str], dict[str, int]]:
    first = next(rows, None)
    if first is None or not any(c.strip() for c in first[1]):
        raise BadInput("is empty: expected a header naming the columns", field="header", line=1)
    header = [c.strip().lower() for c in first[1]]
    cols = _find(header, mapping)
    if "intensity" not in cols:
        raise BadInput("has no pain score column (pain, level, score or intensity); name it with "
                       "-O intensity=COLUMN", field="header", line=1)
    if "datetime" not in cols and "date" not in cols:
        raise BadInput("has no date column (date, datetime or timestamp); name it with -O date=COLUMN",
                       field="header", line=1)
    return header, cols


@hookimpl
def register_importers(register):
    register(Importer(name="generic-csv", label="CSV of pain scores (any columns)", extensions=(".csv", ".tsv"),
                      sniff=sniff, read=read,
                      description="Columns found by header or -O FIELD=COLUMN / -O mapping=FILE; "
                      "options: date_order=dmy|mdy|ymd."))
