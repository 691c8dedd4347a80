"""Bearable's CSV export: one row per reading, in long format.

Checked against real exports published with open-source Bearable tools (see docs/importers.md):
the header is ``date,weekday,time of day,category,rating/amount,detail,notes`` and newer
exports add ``date formatted`` (ISO ``2023-05-01``) after ``date``; data cells are quoted.
Columns are found by name, so their order and any further columns do not matter.

``Symptom`` rows whose detail names a pain (pain, ache, migraine, cramp, sore) become pain
entries; other symptoms (Nausea, Constipation, Fatigue ...) become symptom records with the
level as severity (none, mild, moderate, severe; unbearable is severe), a side effect when the
name is one painboard knows (warning_signs.SIDE_EFFECTS), else in the person's own words (never
a warning sign: an old row must not raise the dashboard's banner). Every other row (Mood,
Energy, Sleep, Factors, Meds/Supplements, Food Diary, Health measurements ...) is counted and
reported as skipped.

- The level (Mild, Moderate, Severe, Unbearable; held as 1-4 in ``rating/amount``, 0 for none)
  becomes a derived 0-10 score: mild 3, moderate 5, severe 8, unbearable 10 (the middle of each
  band of the usual cut points, see painboard.builtin._importing); the word is kept as
  ``original_level``. "Extreme" is read as the fourth level, as other readers of real files do.
- Times of day become representative local times, each the middle of its part of the day:
  pre (00:00-06:00) 03:00, am (06:00-12:00) 09:00, mid (12:00-18:00) 15:00,
  pm (18:00-24:00) 21:00, "all day" (or none given) 12:00. Such an entry's note ends with
  "(approximate time: am)". Clock times (21:29, 2:30 PM) are kept as they are.
- The site comes from the symptom's name: "Neck pain" is neck, "Back (lower) pain" lower back;
  any other name is kept as the site ("Headache" is headache).
- Dates like ``8th Dec 2021`` (or ISO 2021-12-08) in the user's time zone.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Iterator

from painboard.builtin._importing import (LEVEL_SCORE, Keys, check_width, column_map, csv_rows, first_record,
                                          header_of, inert, local_iso, parse_clock, skip, zone)
from painboard.builtin._importing import ENCODING  # its one -O setting
from painboard.errors import BadInput
from painboard.hookspecs import hookimpl
from painboard.plugins import ImportSource, Importer, Row

LAYOUT = "date,weekday,time of day,category,rating/amount,detail,notes"
COLUMNS = {"date": ("date",), "date formatted": ("date formatted",), "weekday": ("weekday",),
           "time of day": ("time of day",), "category": ("category",), "amount": ("rating/amount",),
           "detail": ("detail",), "notes": ("notes", "note")}
OPTIONAL = ("date", "date formatted", "weekday", "notes")  # one of the two dates is needed
PARTS_OF_DAY = {"pre": time(3), "am": time(9), "mid": time(15), "pm": time(21), "all day": time(12)}
LEVELS = ["mild", "moderate", "severe", "unbearable"]  # 1-4 in rating/amount
WORDS = {"extreme": "unbearable"}  # another name for the fourth level seen in readers of real files
SYMPTOM = {"symptom", "symptoms"}
PAIN_WORDS = re.compile(r"pain|ache|migraine|cramp|sore", re.I)
# Linear: anchored, and no two neighbouring quantifiers can take the same characters. The detail
# and the symptom's qualifier are split with string methods (patterns for them backtracked).
_DATE = re.compile(r"\s*(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\s*")
MONTHS = {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                          "sep", "oct", "nov", "dec"])}


def sniff(head: bytes, filename: str) -> bool:
    names = set(first_record(head))
    return {"time of day", "category", "rating/amount", "detail"} <= names and bool(
        names & {"date", "date formatted"})


def parse_date(text: str) -> date:
    m = _DATE.fullmatch(text)
    if m:
        month = MONTHS.get(m.group(2)[:3].lower())
        if month:
            try:
                return date(int(m.group(3)), month, int(m.group(1)))
            except ValueError:
                pass
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(f"{text.strip()!r} is not a date like '8th Dec 2021'", field="date") from None


_LEVEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .")


def _last_bracket(text: str) -> tuple[str, str] | None:
    """("Back (lower) pain", "Moderate") from "Back (lower) pain (Moderate)": the text before a
    last bracket that ends it, and what the bracket holds; None without one."""
    if not text.endswith(")"):
        return None
    at = text.rfind("(")
    if at < 0 or ")" in text[at + 1:-1]:
        return None
    return text[:at].strip(), text[at + 1:-1]


def split_detail(detail: str) -> tuple[str, str | None]:
    """The symptom and the level word of a detail: "Neck pain (Mild)" -> ("Neck pain", "Mild")."""
    text = detail.strip()
    parts = _last_bracket(text)
    if parts is None or not parts[1] or not set(parts[1]) <= _LEVEL_CHARS:
        return text, None
    return parts[0], parts[1].strip() or None


def site_of(symptom: str) -> str:
    name = " ".join(symptom.lower().split())
    for suffix in (" pains", " pain"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    parts = _last_bracket(name)  # "back (lower)" -> lower back
    if parts is None or not parts[0] or not parts[1].strip():
        return name
    return f"{parts[1].strip()} {parts[0]}"


def level_of(amount: str, word: str | None, line: int) -> tuple[int, str]:
    """(score, original level) from the 0-4 amount, or the word in the detail if no amount."""
    amount = amount.strip()
    named = WORDS.get(word.lower(), word.lower()) if word else None
    if amount:
        n = None
        try:
            f = float(amount)
            n = int(f) if f.is_integer() else None
        except ValueError:
            pass
        if n is None or not 0 <= n <= 4:
            raise BadInput(f"{amount!r} is not a symptom level 0-4", field="rating/amount", line=line)
        level = "none" if n == 0 else LEVELS[n - 1]
        if named and named in LEVEL_SCORE and named != level:
            raise BadInput(f"level {n} ({level}) disagrees with the detail's {word!r}", field="rating/amount",
                           line=line)
        return LEVEL_SCORE[level], (word or level.title())
    if named and named in LEVEL_SCORE:
        return LEVEL_SCORE[named], word
    raise BadInput("a pain symptom without a level (Mild, Moderate, Severe or Unbearable)",
                   field="rating/amount", line=line)


def read(source: ImportSource) -> Iterator[Row]:
    rows = csv_rows(source)
    header = header_of(rows, "Bearable")
    cols = column_map(header, COLUMNS, OPTIONAL, "Bearable", LAYOUT)
    if "date" not in cols and "date formatted" not in cols:
        raise BadInput(f"is not Bearable's header: no 'date' column (expected {LAYOUT})", field="header", line=1)
    tz = zone(source)
    keys = Keys("bearable")
    for line, cells in rows:
        if not check_width(cells, len(header), line):
            continue
        get = {k: cells[i].strip() for k, i in cols.items()}
        category, detail = get["category"], get["detail"]
        cat = category.lower()
        symptom, word = split_detail(detail)
        if cat not in SYMPTOM:
            skip(source, category or "no category")
            continue
        if not PAIN_WORDS.search(symptom):
            yield _other_symptom(get, symptom, word, line, tz, keys, source)
            continue
        day = _day(get, line)
        score, original = level_of(get["amount"], word, line)
        when = get["time of day"]
        part = when.lower() or "all day"
        notes = get.get("notes", "")
        note = inert(notes) or ""
        if part in PARTS_OF_DAY:
            at = PARTS_OF_DAY[part]
            note = (f"{note} " if note else "") + f"(approximate time: {part})"
        else:
            at = parse_clock(when)
            if at is None:
                raise BadInput(f"{when!r} is not pre, am, mid, pm, all day or a clock time", field="time of day",
                               line=line)
        occurred = local_iso(day, at, tz)
        site = inert(site_of(symptom))
        yield Row("pain_entry", {
            "occurred_at": occurred, "intensity": score, "sites": [site], "note": note or None,
            "derived": True, "original_level": original, "source": f"bearable:{source.name}:{line}",
            "key": keys(day.isoformat(), part, symptom.lower(), score, notes)}, line)


def _when(get: dict[str, str], line: int, tz) -> tuple[str, str, str]:
    """(occurred_at ISO, part of day, note suffix) of a row."""
    when = get["time of day"]
    part = when.lower() or "all day"
    if part in PARTS_OF_DAY:
        return local_iso(_day(get, line), PARTS_OF_DAY[part], tz), part, f"(approximate time: {part})"
    at = parse_clock(when)
    if at is None:
        raise BadInput(f"{when!r} is not pre, am, mid, pm, all day or a clock time", field="time of day", line=line)
    return local_iso(_day(get, line), at, tz), part, ""


def _other_symptom(get: dict[str, str], symptom: str, word: str | None, line: int, tz, keys, source) -> Row:
    """A symptom that is not pain as a symptom record (issue 20)."""
    from painboard.warning_signs import SIDE_EFFECTS

    name = inert(" ".join(symptom.split())).lower()
    named = WORDS.get(word.lower(), word.lower()) if word else None
    severity = None
    if get["amount"].strip():
        level_of(get["amount"], word, line)  # the checks a pain row's level has (0-4, agrees with the word)
        severity = ("none", *LEVELS[:3], "severe")[int(float(get["amount"]))]  # unbearable: severe
    elif named in LEVELS:
        severity = "severe" if named == "unbearable" else named
    occurred, part, approx = _when(get, line, tz)
    notes = get.get("notes", "")
    note = " ".join(x for x in (inert(notes) or "", approx) if x) or None
    return Row("symptom", {
        "name": name, "kind": "side_effect" if name in SIDE_EFFECTS else "own_words", "occurred_at": occurred,
        "severity": severity, "note": note, "source": f"bearable:{source.name}:{line}",
        "key": keys(_day(get, line).isoformat(), part, name, severity, notes)}, line)


def _day(get: dict[str, str], line: int) -> date:
    """The row's day: ``date formatted`` (ISO) when the file has it, else ``date``."""
    for name in ("date formatted", "date"):
        text = get.get(name, "")
        if text:
            try:
                return parse_date(text)
            except BadInput as exc:
                raise BadInput(exc.message, field=name, line=line) from None
    raise BadInput("is empty", field="date", line=line)


@hookimpl
def register_importers(register):
    register(Importer(name="bearable", label="Bearable CSV export", extensions=(".csv",), sniff=sniff,
                      read=read, settings=(ENCODING,), description="Bearable's export: pain symptoms become entries with "
                      "derived scores; other categories are counted and skipped."))
