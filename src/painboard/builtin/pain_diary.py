"""Privacy Friendly Pain Diary's CSV export (SecUSo): one row per day.

Checked against the app's own writer (helpers/CsvHelper.java in SecUSo/privacy-friendly-pain-diary,
written with opencsv's CSVWriter): every cell is quoted (``"Date","Conditions",...``), quotes
inside a cell are doubled, lines end in LF, the text is UTF-8 without a byte-order mark. The
header is English in every language of the app (it is not a string resource). Two versions of
the writer exist: ``Conditions`` with dates in the phone's short date format, and an earlier
``Condition`` with dates always ``dd.MM.yyyy``.

- A day's row becomes one pain entry at 12:00 local time (the app records a day, not a time);
  the note says "(one entry for the day; times of pain: morning, evening)".
- Dates in the phone's locale (M/d/yy, dd/MM/yyyy, dd.MM.yy, yyyy-MM-dd ...): the order is found
  from the whole file (a first part above 12 somewhere means day first, a second part above 12
  month first). A file where every date fits both is refused, asking for ``--date-order
  dmy|mdy|ymd`` (``-O date_order=...``); the ``Condition`` version is always day first.
- Condition is the app's name for how the day felt (VERY_BAD ... VERY_GOOD), kept in the note
  as "condition: very bad".
- Body regions are written ``[THIGH_LEFT, NECK_BACK]`` (the app's names; ``_BACK`` is the back
  view of the body figure) and become sites: left thigh, back of neck; the back of the abdomen
  is the lower back, of the chest the upper back, of the groin the buttock.
- Pain nature (``[stabbing, dull]``) becomes qualities; times of pain (``[morning, at night]``)
  go in the note.
- Drug intakes are written ``[[drug:[name:Ibuprofen,dose400 mg],quantityMorning:1,
  quantityNoon:0,quantityEvening:1,quantityNight:0],]`` and are kept in the note as
  "drug intakes: Ibuprofen 400 mg (morning 1, evening 1)"; painboard makes no plan events of
  them.
- A day without a pain level (the app leaves it empty when no pain was described) is counted
  as skipped.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Iterator

from painboard.builtin._importing import (Keys, check_width, column_map, csv_rows, date_order_option,
                                          detect_order, first_record, header_of, inert, local_iso,
                                          parse_numeric_date, zone)
from painboard.builtin._importing import skip as skip_row
from painboard.builtin._importing import DATE_ORDER, ENCODING  # its -O settings
from painboard.errors import BadInput
from painboard.hookspecs import hookimpl
from painboard.plugins import ImportSource, Importer, Row

LAYOUT = "Date,Conditions,Pain Level (0-10),Body Regions,Pain nature,Times of pain,Drug Intakes,Comment"
COLUMNS = {"date": ("date",), "condition": ("conditions", "condition"), "level": ("pain level (0-10)",),
           "regions": ("body regions",), "nature": ("pain nature",), "times": ("times of pain",),
           "drugs": ("drug intakes",), "comment": ("comment",)}
DAY_TIME = time(12)
SIDES = {"left", "right"}
# the back view of the app's body figure: what the front region's back is called
BACK_OF = {"abdomen": "lower back", "chest": "upper back", "groin": "buttock"}
APP_REGIONS = {"abdomen", "groin", "thigh", "knee", "lower leg", "foot", "chest", "neck", "head", "upper arm",
               "lower arm", "hand"}
# The drug intake list is read with string methods, left to right, each character once: the
# pattern it replaced backtracked (a 19 KB cell took 75 s).
_DRUG = "[drug:[name:"
_QUANTITIES = (("morning", "quantityMorning:"), ("noon", "quantityNoon:"), ("evening", "quantityEvening:"),
               ("night", "quantityNight:"))
_BETWEEN = frozenset(",[] \t\r\n")  # what may stand between two intakes
_VALUE = re.compile(r"[^,\]]*")  # a quantity: up to the next comma or bracket


def sniff(head: bytes, filename: str) -> bool:
    names = set(first_record(head))
    return all(any(a in names for a in aliases) for aliases in COLUMNS.values())


def items(text: str) -> list[str]:
    """``[stabbing, dull]`` (or a bare ``stabbing, dull``) as a list."""
    t = text.strip()
    if t.startswith("[") and t.endswith("]"):
        t = t[1:-1]
    return [p.strip() for p in t.split(",") if p.strip()]


def region_site(name: str) -> str:
    """THIGH_LEFT -> left thigh, UPPER_ARM_RIGHT -> right upper arm, NECK_BACK -> back of neck,
    ABDOMEN_LEFT_BACK -> left lower back, LOWER_BACK -> lower back."""
    words = [w for w in name.strip().lower().replace("-", "_").split("_") if w]
    back = len(words) > 1 and words[-1] == "back" and " ".join(
        w for w in words[:-1] if w not in SIDES) in APP_REGIONS
    if back:
        words = words[:-1]
    side = words.pop() if len(words) > 1 and words[-1] in SIDES else None
    part = " ".join(words)
    if back:
        part = BACK_OF.get(part, f"back of {side + ' ' if side else ''}{part}")
        if part.startswith("back of "):
            return part
    return f"{side} {part}" if side else part


def condition_text(text: str) -> str:
    """VERY_BAD -> very bad (older files of ours held ``[good]``)."""
    return ", ".join(c.replace("_", " ").lower() for c in items(text))


def _quantity(text: str) -> str:
    t = text.strip()
    return t[:-2] if t.endswith(".0") else t


class _NotIntakes(Exception):
    """The drug intake list does not have the app's shape."""


def _only_between(text: str) -> bool:
    return set(text) <= _BETWEEN


def _intake_head(head: str) -> tuple[str, str]:
    """(name, dose) from what precedes ``quantityMorning:``: ``[`` or ``[drug:[name:N,doseD],``."""
    if head.endswith("],"):
        at = head.find(_DRUG)
        if at < 0 or not _only_between(head[:at]):
            raise _NotIntakes
        body = head[at + len(_DRUG):-2]
        cut = body.find(",dose")
        if cut < 0:
            raise _NotIntakes
        return body[:cut], body[cut + len(",dose"):]
    if not head.endswith("[") or not _only_between(head[:-1]):
        raise _NotIntakes
    return "", ""


def _intake_quantities(t: str, i: int) -> tuple[dict[str, str], int]:
    """The four quantities from ``quantityMorning:1,...,quantityNight:0]`` at i; and the end."""
    found: dict[str, str] = {}
    for n, (part, key) in enumerate(_QUANTITIES):
        if not t.startswith(key, i):
            raise _NotIntakes
        m = _VALUE.match(t, i + len(key))
        found[part], i = m.group(), m.end()
        if t[i:i + 1] != ("]" if n == len(_QUANTITIES) - 1 else ","):
            raise _NotIntakes
        i += 1
    return found, i


def _intakes(t: str) -> list[tuple[str, str, dict[str, str]]]:
    """(name, dose, quantities) of each intake in the app's list, in order."""
    out, i = [], 0
    while True:
        at = t.find(_QUANTITIES[0][1], i)
        if at < 0:
            break
        name, dose = _intake_head(t[i:at])
        quantities, i = _intake_quantities(t, at)
        out.append((name, dose, quantities))
    if not out or not _only_between(t[i:]):
        raise _NotIntakes
    return out


def drug_intakes(text: str, line: int) -> list[str]:
    """The app's drug intake list as readable parts: "Ibuprofen 400 mg (morning 1, evening 1)"."""
    t = text.strip()
    if "quantityMorning:" not in t:  # a plain list, e.g. typed by hand
        return items(t)
    try:
        found = _intakes(t)
    except _NotIntakes:
        raise BadInput(f"{t[:80]!r} is not the app's drug intake list "
                       "([[drug:[name:...,dose...],quantityMorning:1,...],])", field="Drug Intakes", line=line) from None
    out = []
    for name, dose, quantities in found:
        name, dose = name.strip(), dose.strip()
        label = " ".join(p for p in (name, dose) if p and p != "null") or "a drug without a name"
        when = [f"{part} {_quantity(q)}" for part, q in quantities.items() if _quantity(q) not in ("", "0", "null")]
        out.append(f"{label} ({', '.join(when)})" if when else label)
    return out


def read(source: ImportSource) -> Iterator[Row]:
    order = date_order_option(source)
    if order is None:  # a first pass over the dates alone (not counted as progress)
        first = csv_rows(source, counted=False)
        cols, header = _columns(first)
        if "condition" in header:  # the earlier writer: always dd.MM.yyyy
            order = "dmy"
        else:
            at = cols["date"]
            order = detect_order(((ln, c[at]) for ln, c in first if len(c) > at and c[at].strip()), "Date")
    rows = csv_rows(source)
    cols, header = _columns(rows)
    tz = zone(source)
    keys = Keys("paindiary")
    for line, cells in rows:
        if not check_width(cells, len(header), line):
            continue
        get = {k: cells[i] for k, i in cols.items()}
        try:
            day = parse_numeric_date(get["date"], order)
        except ValueError as exc:
            raise BadInput(str(exc), field="Date", line=line) from None
        level = get["level"].strip()
        if not level:
            skip_row(source, "days without a pain level")
            continue
        extra = [f"{label}: {v}" for label, v in
                 (("condition", condition_text(get["condition"])), ("times of pain", ", ".join(items(get["times"]))),
                  ("drug intakes", ", ".join(drug_intakes(get["drugs"], line)))) if v]
        comment = get["comment"].strip()
        note = " ".join(p for p in [comment, f"(one entry for the day; {'; '.join(extra)})"
                                    if extra else "(one entry for the day)"] if p)
        sites = [inert(region_site(r)) for r in items(get["regions"])]
        qualities = [inert(q.lower()) for q in items(get["nature"])]
        yield Row("pain_entry", {
            "occurred_at": local_iso(day, DAY_TIME, tz), "intensity": level, "sites": sites,
            "qualities": qualities, "note": inert(note), "source": f"paindiary:{source.name}:{line}",
            "key": keys(day.isoformat(), level, get["regions"], get["nature"], get["times"], get["drugs"],
                        get["comment"], get["condition"])},
            line)


def _columns(rows) -> tuple[dict[str, int], list[str]]:
    header = header_of(rows, "Pain Diary")
    return column_map(header, COLUMNS, (), "Privacy Friendly Pain Diary", LAYOUT), header


@hookimpl
def register_importers(register):
    register(Importer(name="paindiary", label="Privacy Friendly Pain Diary CSV", extensions=(".csv",),
                      sniff=sniff, read=read, settings=(DATE_ORDER, ENCODING),
                      description="One entry per day at 12:00."))
