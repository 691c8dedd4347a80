"""painboard's own CSV: one row per pain entry (the log a spreadsheet or another tool reads).

Episodes, plan and reviews travel in the JSON format; CSV keeps to one table so it opens
anywhere. Lists are comma-joined inside their cell ("left hip, lower back"), times are ISO 8601
in local time with their offset, and ``key`` is kept so a round trip de-duplicates.
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO, Iterator

from painboard.builtin._common import local_iso
from painboard.builtin._importing import ENCODING, csv_rows, refuse_repeated
from painboard.errors import BadInput
from painboard.hookspecs import hookimpl
from painboard.plugin_api import Columns, Exporter, ImportSource, Importer, PeriodView

COLUMNS = ["key", "occurred_at", "recorded_at", "intensity", "sites", "qualities", "pattern",
           "activity", "worse", "better", "duration_min", "note", "source", "derived",
           "original_level"]
LISTS = {"sites", "qualities", "worse", "better"}
REQUIRED = {"occurred_at", "intensity"}


# A cell a spreadsheet would run as a formula (OWASP, "CSV Injection"): written with a leading
# apostrophe, which the importer below takes off again, so the file still round-trips.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = ("sites", "qualities", "pattern", "activity", "worse", "better", "note", "source")


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def write_csv(view: PeriodView, out: BinaryIO) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    w = csv.writer(text)
    w.writerow(COLUMNS)
    n = 0
    tz = view.tz
    for e in view.iter_entries():
        w.writerow([
            e["key"], local_iso(e["occurred_at"], tz), local_iso(e["recorded_at"], tz), e["intensity"],
            _cell(", ".join(e["sites"] or [])), _cell(", ".join(e["qualities"] or [])), e["pattern"] or "",
            _cell(e["activity"] or ""), _cell(", ".join(e["worse"] or [])), _cell(", ".join(e["better"] or [])),
            "" if e["duration_min"] is None else e["duration_min"], _cell(e["note"] or ""), _cell(e["source"]),
            "true" if e["derived"] else "false", e["original_level"] or ""])
        n += 1
    text.flush()
    text.detach()  # leave the file open for painboard to finish
    return n


def sniff_csv(head: bytes, filename: str) -> bool:
    first = head.decode("utf-8-sig", "replace").splitlines()[:1]
    if not first:
        return False
    cols = {c.strip().lower() for c in first[0].split(",")}
    return REQUIRED <= cols


BATCH = 20_000  # records per Columns batch


def read_csv(source: ImportSource) -> Iterator[Columns]:
    """The file's rows as Columns batches (one Row object per line would cost more than the rest).

    Read through the importers' shared CSV reader: bad bytes, NULs, a cut-off quote, a cell
    over 128 KiB or a line over 4 MiB are refused naming the line."""
    rows = csv_rows(source)
    first = next(rows, None)
    if first is None or not any(c.strip() for c in first[1]):
        raise BadInput("is empty", field="header", line=1)
    header = [h.strip().lower() for h in first[1]]
    refuse_repeated(header)
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise BadInput(f"unknown column {unknown[0][:40]!r} (painboard's CSV has {', '.join(COLUMNS)})",
                       field=unknown[0][:40], line=1)
    missing = REQUIRED - set(header)
    if missing:
        raise BadInput("is missing from the header", field=sorted(missing)[0], line=1)
    width = len(header)
    batch: list[list[str]] = []
    lines: list[int] = []
    for line, cells in rows:
        if len(cells) != width:
            if not cells:
                continue  # a blank line
            raise BadInput(f"has {len(cells)} cells where the header has {width}", field="row", line=line)
        batch.append(cells)
        lines.append(line)
        if len(batch) == BATCH:
            yield _columns(header, batch, lines)
            batch, lines = [], []
    if batch:
        yield _columns(header, batch, lines)


def _columns(header: list[str], rows: list[list[str]], lines: list[int]) -> Columns:
    # an empty cell means "not given": painboard applies the model's default
    data = dict(zip(header, map(list, zip(*rows))))
    for c in TEXT_COLUMNS:
        if c in data:
            data[c] = [_uncell(v) for v in data[c]]
    return Columns("pain_entry", data, lines)


@hookimpl
def register_importers(register):
    register(Importer(name="csv", label="painboard CSV (pain entries)", extensions=(".csv",),
                      sniff=sniff_csv, read=read_csv, settings=(ENCODING,),
                      description="The CSV painboard exports: one pain entry per row."))


@hookimpl
def register_exporters(register):
    register(Exporter(name="csv", extension=".csv", label="CSV (pain entries)", write=write_csv,
                      description="One pain entry per row; imports back with 'painboard import'."))
