"""What the importers of other apps' exports share: reading CSV text safely, dates written in a
locale's order, levels mapped to scores, stable keys, and the count of rows left out.

A level from another app (mild, moderate, severe, unbearable) becomes a 0-10 score at the
middle of the matching band of the usual cancer pain cut points (1-4 mild, 5-6 moderate,
7-10 severe: Serlin et al., Pain 1995), the top of the scale for "unbearable":

    not present 0, mild 3, moderate 5, severe 8, unbearable 10

The score is marked ``derived`` and the app's own word is kept as ``original_level``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import zipfile
from collections import Counter
from datetime import date, datetime, time, tzinfo
from typing import IO, Any, Callable, Iterable, Iterator

from painboard.config import local_zone
from painboard.errors import BadInput
from painboard.plugins import ImportSource, Setting

LEVEL_SCORE = {"not present": 0, "none": 0, "mild": 3, "moderate": 5, "severe": 8, "unbearable": 10}
# Every cell of a file is bounded: one longer than CELL_LIMIT characters is refused, naming
# its line and column, before any pattern reads it (each parser here is linear besides).
CELL_LIMIT = 128 * 1024
FIELD_LIMIT = CELL_LIMIT  # the name older code used
_CSV_HARD_LIMIT = 4 * 1024 * 1024  # the csv module's own stop, far above CELL_LIMIT
LINE_LIMIT = 4 * 1024 * 1024  # one line of a file (a row of a million empty cells is refused)

# C0 and C1 control characters except tab and newline: a terminal would act on them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def inert(text: Any) -> Any:
    """Text with terminal control characters (ESC and the like) replaced by U+FFFD.

    Markup such as ``[bold]`` or ``<b>`` is kept as typed: the faces show text literally.
    """
    if isinstance(text, str) and "\r" in text:  # a CRLF file's line breaks inside a quoted cell
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(text, str) and _CONTROL.search(text):
        return _CONTROL.sub("\ufffd", text)
    return text


def skip(source: ImportSource, what: str, n: int = 1) -> None:
    """Count rows of the file left out on purpose (painboard reports them after the import)."""
    counter = getattr(source, "skipped", None)
    if counter is None:
        counter = source.skipped = Counter()  # type: ignore[attr-defined]
    counter[what] += n


def zone(source: ImportSource) -> tzinfo:
    """The zone for times written without an offset: the user's (PAINBOARD_TZ or the system's)."""
    return local_zone()


class Keys:
    """Stable de-duplication keys from a row's content (never the file name), so the same file
    imported again, or renamed, adds nothing; identical rows in one file stay apart by their
    occurrence number."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.once: set[int] = set()
        self.repeats: dict[int, int] = {}

    def __call__(self, *parts: Any) -> str:
        h = hashlib.sha1(self.prefix.encode())
        for p in parts:
            h.update(b"\x1f")
            h.update(str(p).encode())
        raw = h.digest()
        # remembered by the digest's first 8 bytes as a number, in a set (a count only for
        # repeats): a million rows hold ~60 MB here, not ~130 MB of hex strings in a Counter
        seen = int.from_bytes(raw[:8], "big")
        if seen in self.once:
            n = self.repeats[seen] = self.repeats.get(seen, 1) + 1
        else:
            self.once.add(seen)
            n = 1
        return f"{self.prefix}-{raw[:16].hex()}" + (f"-{n}" if n > 1 else "")


# -- CSV text ------------------------------------------------------------------------------
ENCODING = Setting("encoding", "NAME", "the file's text encoding when not UTF-8, e.g. latin-1")


def encoding(source: ImportSource) -> str:
    """UTF-8 (a byte-order mark is dropped), or ``-O encoding=latin-1`` for older exports."""
    name = source.options.get("encoding", "utf-8-sig").strip() or "utf-8-sig"
    if name.lower().replace("_", "-") in ("utf-8", "utf8"):
        name = "utf-8-sig"
    try:
        "".encode(name)
    except LookupError:
        raise BadInput(f"unknown text encoding {name!r}", field="encoding") from None
    return name


def csv_rows(source: ImportSource, delimiter: str = ",", counted: bool = True) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of a CSV file; bad bytes, NULs and overlong cells as BadInput naming the line
    (and, for a cell over CELL_LIMIT, its column by the header's name)."""
    enc = encoding(source)
    fh = source.open_text(enc) if counted else open(source.path, encoding=enc, newline="")
    csv.field_size_limit(_CSV_HARD_LIMIT)
    names: list[str] | None = None
    with fh:
        reader = csv.reader(bounded_lines(fh), delimiter=delimiter, strict=True)  # a cut-off quote is an error
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                line, byte = first_bad_utf8(source.path) or (reader.line_num + 1, exc.object[exc.start])
                raise BadInput(f"is not UTF-8 text (byte 0x{byte:02x}); save the file as "
                               f"UTF-8, or import it with -O encoding=latin-1", field="encoding",
                               line=line) from None
            except csv.Error as exc:
                msg = str(exc)
                if "NUL" in msg:
                    msg = "holds NUL bytes: this is not a text CSV file"
                elif "field larger" in msg:
                    msg = f"holds a cell longer than {CELL_LIMIT // 1024} KiB"
                elif "EOF" in msg or "end of data" in msg:
                    msg = "ends inside a quoted cell: the file looks cut short"
                raise BadInput(msg, field="row", line=reader.line_num or 1) from None
            _check_cells(cells, names, reader.line_num)
            if names is None:
                names = cells
            yield reader.line_num, cells


def bounded_lines(fh) -> Iterator[str]:
    """The lines of a text file, each read with a bound: a line over LINE_LIMIT is refused."""
    line = 0
    while True:
        text = fh.readline(LINE_LIMIT + 1)
        if not text:
            return
        line += 1
        if len(text) > LINE_LIMIT:
            raise BadInput(f"is longer than {LINE_LIMIT // (1024 * 1024)} MiB: not a CSV file painboard reads",
                           field="row", line=line)
        yield text


def _check_cells(cells: list[str], names: list[str] | None, line: int) -> None:
    """A cell over CELL_LIMIT is refused, named by its column's header (or 'header')."""
    for i, cell in enumerate(cells):
        if len(cell) > CELL_LIMIT:
            if names is None:
                field = "header"
            else:
                field = clean_name(names[i])[:40] if i < len(names) and names[i].strip() else f"column {i + 1}"
            raise BadInput(f"holds a cell longer than {CELL_LIMIT // 1024} KiB ({len(cell):,} characters)",
                           field=field, line=line)


def first_bad_utf8(path) -> tuple[int, int] | None:
    """(line, byte) of the first byte that is not UTF-8 (the text reader decodes whole chunks)."""
    dec = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            try:
                dec.decode(chunk)
            except UnicodeDecodeError as exc:
                at = max(exc.start - len(exc.object) + len(chunk), 0)
                return line + chunk[:at].count(b"\n"), chunk[at]
            line += chunk.count(b"\n")
    return None


def header_of(rows: Iterator[tuple[int, list[str]]], what: str) -> list[str]:
    first = next(rows, None)
    if first is None or not any(c.strip() for c in first[1]):
        raise BadInput(f"is empty: expected a {what} header", field="header", line=1)
    return [c.strip().lower() for c in first[1]]


def clean_name(cell: str) -> str:
    """A header cell as a lookup key: trimmed, lower case, stray quotes and a BOM dropped."""
    return " ".join(cell.replace("\ufeff", "").replace('"', "").strip().lower().split())


def first_record(head: bytes) -> list[str]:
    """The first CSV record of a file's first bytes (quoted or not), as lookup keys; [] if none."""
    text = head.decode("utf-8-sig", "replace")
    try:
        cells = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    except csv.Error:
        return []
    return [clean_name(c) for c in cells]


def refuse_repeated(names: list[str], line: int = 1) -> None:
    """A header naming a column twice is refused: which of the two was meant cannot be told."""
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise BadInput(f"the header names column {n!r} twice", field="header", line=line)
        seen.add(n)


def column_map(header: list[str], wanted: dict[str, tuple[str, ...]], optional: tuple[str, ...],
               what: str, layout: str) -> dict[str, int]:
    """Where each wanted column is, by name (any order, extra columns ignored).

    ``wanted`` maps our name to the names a writer may use for it; names in ``optional`` may be
    missing. A missing required column is refused, naming it and the expected layout.
    """
    found: dict[str, int] = {}
    names = [clean_name(h) for h in header]
    used = {alias for aliases in wanted.values() for alias in aliases}
    refuse_repeated([n for n in names if n in used])
    for key, aliases in wanted.items():
        for alias in aliases:
            if alias in names:
                found[key] = names.index(alias)
                break
    missing = [wanted[k][0] for k in wanted if k not in found and k not in optional]
    if missing:
        raise BadInput(f"is not {what}'s header: no {', '.join(repr(m) for m in missing)} column "
                       f"(expected {layout})", field="header", line=1)
    return found


def check_width(cells: list[str], width: int, line: int) -> bool:
    """False for a blank line (skipped); BadInput for a row of the wrong width (a cut-off file)."""
    if not cells or (len(cells) == 1 and not cells[0].strip()):
        return False
    if len(cells) != width:
        raise BadInput(f"has {len(cells)} cells where the header has {width} (is the file cut short?)",
                       field="row", line=line)
    return True


# -- dates in a locale's order -------------------------------------------------------------
ORDERS = ("dmy", "mdy", "ymd")
DATE_ORDER = Setting("date_order", "dmy|mdy|ymd", "the order of day, month and year in dates like 05/03/24")
_NUMERIC = re.compile(r"\s*(\d{1,4})[./-]\s?(\d{1,2})[./-]\s?(\d{1,4})\.?\s*")


def date_order_option(source: ImportSource) -> str | None:
    order = source.options.get("date_order", "").strip().lower() or None
    if order is not None and order not in ORDERS:
        raise BadInput(f"{order!r} is not one of {', '.join(ORDERS)}", field="date_order")
    return order


def split_numeric(text: str) -> tuple[int, int, int] | None:
    m = _NUMERIC.fullmatch(text)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def _year_first(text: str) -> bool:
    m = _NUMERIC.fullmatch(text)
    return bool(m) and (len(m.group(1)) >= 3 or int(m.group(1)) > 31)


def detect_order(dates: Iterable[tuple[int, str]], what: str) -> str | None:
    """The order (dmy, mdy, ymd) the numeric dates of a file are written in, from all of them.

    A four-digit first part is year first. Otherwise a first part above 12 means day first, a
    second part above 12 month first; a file with neither is ambiguous and is refused, asking
    for --date-order. None when the file holds no numeric date (ISO dates need no order).
    """
    day_first_at = month_first_at = None
    numeric = False
    for line, text in dates:
        parts = split_numeric(text)
        if parts is None:
            continue
        numeric = True
        a, b, _ = parts
        if _year_first(text):
            return "ymd"
        if a > 12 and day_first_at is None:
            day_first_at = line
        if b > 12 and month_first_at is None:
            month_first_at = line
    if not numeric:
        return None
    if day_first_at and month_first_at:
        raise BadInput(f"dates are written both day first (line {day_first_at}) and month first "
                       f"(line {month_first_at}); one file should use one order", field=what)
    if day_first_at:
        return "dmy"
    if month_first_at:
        return "mdy"
    raise BadInput("every date could be day first or month first (no day above 12); say which "
                   "with --date-order dmy or --date-order mdy", field=what, line=None)


def parse_numeric_date(text: str, order: str | None) -> date:
    """A date like 5/3/24, 05.03.2024 or 2024-03-05 in the given order; ValueError if not."""
    parts = split_numeric(text)
    if parts is None:
        raise ValueError(f"{text.strip()!r} is not a date")
    a, b, c = parts
    if _year_first(text):
        order = "ymd"
    if order == "ymd":
        y, m, d = a, b, c
    elif order == "mdy":
        m, d, y = a, b, c
    elif order == "dmy":
        d, m, y = a, b, c
    else:
        raise ValueError(f"{text.strip()!r}: the date order is unknown")
    if y < 100:
        y += 2000  # phones write two-digit years of this century
    try:
        return date(y, m, d)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a date in {order} order") from None


# Read from stripped text: no two quantifiers here can take the same characters (linear time).
_CLOCK = re.compile(r"(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?(?:\s*([ap]\.?m\.?))?", re.I)


def parse_clock(text: str) -> time | None:
    """A clock time like 14:30, 2:30 PM or 9 am; None if the text is not one."""
    m = _CLOCK.fullmatch(text.strip())
    if not m or (m.group(2) is None and m.group(4) is None):
        return None
    h, mi, s = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    ampm = (m.group(4) or "").lower().replace(".", "")
    if ampm:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ampm == "pm" else 0)
    if h > 23 or mi > 59 or s > 59:
        return None
    return time(h, mi, s)


def local_iso(day: date, at: time, tz: tzinfo) -> str:
    return datetime.combine(day, at, tz).isoformat()


# -- archives ------------------------------------------------------------------------------
# One rule for every zip an importer reads, checked from the zip's directory before any of it
# is unpacked: a member may expand to at most ARCHIVE_MAX_BYTES and at most ARCHIVE_MAX_RATIO
# times its compressed size (Apple's export.xml compresses about 20 times; a file of repeated
# whitespace about 1,000 times), and the zip may hold at most ARCHIVE_MAX_MEMBERS files.
# zipfile stops at the declared size and checks the CRC, so the directory cannot lie about it.
ARCHIVE_MAX_BYTES = 8 * 1024 ** 3
ARCHIVE_MAX_RATIO = 100
ARCHIVE_MAX_MEMBERS = 100_000


def archive_member(path, choose: Callable[[list[str]], str | None], what: str) -> tuple[IO[bytes], zipfile.ZipInfo]:
    """(stream, directory entry) of the member ``choose`` picks from the zip's names, after the
    checks above; BadInput naming the member when the zip breaks one, or ``what`` is missing."""
    try:
        with open(path, "rb") as fh:
            end = zipfile._EndRecData(fh)  # the directory's own count, before zipfile reads it all
        if end and end[zipfile._ECD_ENTRIES_TOTAL] > ARCHIVE_MAX_MEMBERS:
            raise BadInput(f"holds {end[zipfile._ECD_ENTRIES_TOTAL]:,} files; painboard reads a zip of at most "
                           f"{ARCHIVE_MAX_MEMBERS:,}", field="file")
        zf = zipfile.ZipFile(path)
        name = choose(zf.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise BadInput(f"is not a readable zip file ({exc})", field="file") from None
    if name is None:
        raise BadInput(f"holds no {what}", field="file")
    info = zf.getinfo(name)
    size, packed = info.file_size, max(info.compress_size, 1)
    if size > ARCHIVE_MAX_BYTES:
        raise BadInput(f"would unpack to {size / 1024 ** 3:.1f} GiB; painboard reads at most "
                       f"{ARCHIVE_MAX_BYTES // 1024 ** 3} GiB", field=name[:200])
    if size > 1024 * 1024 and size / packed > ARCHIVE_MAX_RATIO:
        raise BadInput(f"would unpack {size / packed:,.0f} times its size ({packed:,} bytes to {size:,}); "
                       f"an export compresses at most {ARCHIVE_MAX_RATIO} times: not an export painboard reads",
                       field=name[:200])
    try:
        return zf.open(name), info
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
        raise BadInput(f"cannot be unpacked ({exc})", field=name[:200]) from None
