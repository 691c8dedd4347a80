"""The fast path of a painboard CSV import: DuckDB's own CSV reader, accepting only what is
certainly valid. The Python path (csv_format.read_csv, then import_export.validate) stays the
one place that refuses a file and names its line and field; this path never refuses anything.

painboard's CSV read in Python costs about twice DuckDB's whole read of it, so a file of ours
is offered to DuckDB first (store/csv_stage.py reads it into the import's scratch file) and
is accepted only when every question below says "certainly as the Python path would have it":

- the bytes: a plain header of known lower-case names; no NUL, no lone carriage return, no
  space or tab between a quote and a delimiter or line end (DuckDB trims those, Python keeps
  or refuses them);
- DuckDB read it strictly (UTF-8, every row of the header's width) and every cell is within
  the cell limit, every key is given (a keyless row's content key is the Python path's);
- times are plain ISO 8601 with an offset, within the plausible window (the same text is
  stored either way: DuckDB casts it on both paths);
- every other value goes through the PainEntry model itself, once per distinct text (the
  same _by_distinct_value the Python path uses), apostrophe of a formula cell taken off as
  csv_format._uncell does; a note or activity that the model certainly keeps as it is (no
  space to strip, no control character, within the limit) is not asked.

Anything else, or a column with more distinct texts than DISTINCT_CAP: None, and the Python
path reads the file. De-duplication and file order are repo_bulk's, as for every import.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone
from pathlib import Path

from painboard.builtin import _importing, csv_format
from painboard.clock import utcnow
from painboard.import_export import Validated, _by_distinct_value
from painboard.models import EARLIEST, FUTURE_SLACK, MAX_TEXT
from painboard.store import csv_stage
from painboard.store.repo_base import ENTRY_COLUMNS

FAST_ENV = "PAINBOARD_IMPORT_FAST"  # "0": always the Python path (the tests compare the two)
DISTINCT_CAP = 10_000  # distinct texts of one column checked through the model, at most
DISTINCT_BYTES = 16 << 20  # and at most this much text of one column held in Python
_HEADER = re.compile(rb"(?:\xef\xbb\xbf)?([a-z_]+(?:,[a-z_]+)*)\r?\n")
_TOO_LATE = datetime(9999, 1, 1, tzinfo=timezone.utc)  # a recorded time near the end of the calendar
PARTLY = ("activity", "note")  # free text: most of it certainly itself, the rest through the model
MAPPED = tuple(c for c in ENTRY_COLUMNS if c not in ("occurred_at", "recorded_at", "key", *PARTLY))


def applies(importer, source) -> bool:
    """Only painboard's own CSV importer, in UTF-8 (another encoding is Python's to decode)."""
    if importer.read is not csv_format.read_csv or os.environ.get(FAST_ENV, "").strip() == "0":
        return False
    return _importing.encoding(source) == "utf-8-sig"


def stage(source, cur, alias: str, default_source: str):
    """(staged rows with a keep(con), Validated) when the file is certainly valid; else None
    (nothing is left in the scratch file)."""
    header = _header(source.path)
    if header is None or not _plain_bytes(source.path):
        return None
    try:
        with csv_stage.parallel(cur):
            staged = _read(source.path, header, cur, alias, default_source)
    except csv_stage.NotSure:
        staged = None
    if staged is None:
        csv_stage.drop(cur, alias)
        return None
    out = Validated()
    out.read["pain_entry"] = staged.rows
    return staged, out


def _header(path: Path) -> list[str] | None:
    with open(path, "rb") as fh:
        head = fh.read(1024)
    m = _HEADER.match(head)
    if not m:
        return None
    names = m.group(1).decode().split(",")
    if len(set(names)) != len(names) or not set(names) <= set(csv_format.COLUMNS) \
            or not csv_format.REQUIRED <= set(names):
        return None
    return names


# A space or tab between a quote and the delimiter or line end: DuckDB trims it, Python keeps
# the cell's text as written (before an opening quote) or refuses the row (after a closing one).
_QUOTE_SPACE = re.compile(rb'[,\r\n][ \t]+"|"[ \t]+(?:[,\r\n]|\Z)')
_OVERLAP = 256


def _plain_bytes(path: Path) -> bool:
    """No NUL (nor the \\x01 DuckDB is told means NULL), no lone carriage return, no space or
    tab between a quote and a delimiter. Each chunk is read with the end of the one before."""
    prev = b""
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            data = prev + chunk
            if b"\x00" in chunk or b"\x01" in chunk:
                return False
            if b"\r" in data:
                lone = data.count(b"\r") - data.count(b"\r\n")  # the last byte's \n may come next
                if lone > (1 if chunk and data.endswith(b"\r") else 0):
                    return False
            if b'"' in data and _QUOTE_SPACE.search(data):
                return False  # (at a chunk's end, \Z may stand for more to come: not sure is enough)
            if not chunk:
                return True
            prev = data[-_OVERLAP:]
            if not prev.strip(b" \t"):
                return False  # a run of spaces longer than the overlap: not looked into


def _read(path: Path, header: list[str], cur, alias: str, default_source: str):
    rows = csv_stage.read(cur, alias, str(path), header, _importing.LINE_LIMIT + 65536)
    if not rows:
        return None
    s = csv_stage.survey(cur, alias, header)
    now = utcnow()
    if not (s["width"] and s["keys"] and s["longest"] <= _importing.CELL_LIMIT and s["occurred_ok"]
            and s["recorded_ok"] and EARLIEST <= s["occurred_min"] and s["occurred_max"] <= now + FUTURE_SLACK
            and (s["recorded_min"] is None or EARLIEST <= s["recorded_min"] and s["recorded_max"] < _TOO_LATE)):
        return None
    maps: dict[str, dict[str, str]] = {}
    for c in (*MAPPED, *PARTLY):
        where = "TRUE" if c in MAPPED else f"NOT {csv_stage.plain_text(c, MAX_TEXT)}"
        texts = csv_stage.distinct(cur, alias, c, DISTINCT_CAP, DISTINCT_BYTES, where) if c in header else [""]
        pieces = None if texts is None else _model_pieces(c, texts, default_source)
        if pieces is None:
            return None
        csv_stage.add_map(cur, alias, c, pieces)
        maps[c] = pieces
    return csv_stage.CsvStage(cur, alias, header, maps, list(PARTLY), now.isoformat(), s["repeats"], rows)


def _model_pieces(c: str, texts: list[str], default_source: str) -> dict[str, str] | None:
    """Each text of a column as the Python path stores it (packed), or None if the model
    refuses one or one cannot be packed."""
    vals = [csv_format._uncell(v) for v in texts] if c in csv_format.TEXT_COLUMNS else list(texts)
    if c == "source":
        vals = [default_source if v == "" else v for v in vals]
    first: list = []
    _, pieces = _by_distinct_value(c, vals, first, ENTRY_COLUMNS[c])
    if first or pieces is None:
        return None
    return dict(zip(texts, pieces))
