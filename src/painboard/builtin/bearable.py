"""Bearable's CSV export: one row per reading, in long format.

Header ``date,weekday,time of day,category,rating/amount,detail,notes``. Only ``Symptom`` rows
whose detail names a pain (pain, ache, migraine, cramp, sore) become pain entries; every other
row (Mood, Sleep, Factors, Medication, symptoms that are not pain ...) is counted and reported
as skipped, never turned into a pain entry.

- The level (Mild, Moderate, Severe, Unbearable; held as 1-4 in ``rating/amount``) becomes a
  derived 0-10 score: mild 3, moderate 5, severe 8, unbearable 10 (the middle of each band of
  the usual cut points, see painboard.builtin._importing); the word is kept as
  ``original_level``.
- Times of day become representative local times, each the middle of its part of the day:
  pre (00:00-06:00) 03:00, am (06:00-12:00) 09:00, mid (12:00-18:00) 15:00,
  pm (18:00-24:00) 21:00. Such an entry's note ends with "(approximate time: am)". Newer
  files that hold clock times (14:30, 2:30 PM) keep them as they are.
- The site comes from the symptom's name: "Neck pain" is neck, "Lower back pain" lower back;
  any other name is kept as the site ("Headache" is headache).
- Dates like ``8th Dec 2021`` (or ISO 2021-12-08) in the user's time zone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Iterator

from painboard.builtin._importing import (LEVEL_SCORE, Keys, check_width, csv_rows, header_of, inert,
                                          local_iso, parse_clock, skip, zone)
from painboard.errors import BadInput
from painboard.hookspecs import hookimpl
from painboard.plugins import ImportSource, Importer, Row

HEADER = ["date", "weekday", "time of day", "category", "rating/amount", "detail", "notes"]
PARTS_OF_DAY = {"pre": time(3), "am": time(9), "mid": time(15), "pm": time(21)}
LEVELS = ["mild", "moderate", "severe", "unbearable"]  # 1-4 in rating/amount
PAIN_WORDS = re.compile(r"pain|ache|migraine|cramp|sore", re.I)
_DETAIL = re.compile(r"\s*(.*?)\s*(?:\(\s*([A-Za-z ]+?)\s*\))?\s*")
_DATE = re.compile(r"\s*(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\s*")
MONTHS = {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
                                          "sep", "oct", "nov", "dec"])}


def sniff(head: bytes, filename: str) -> bool:
    first = head.decode("utf-8-sig", "replace").splitlines()[:1]
    return bool(first) and [c.strip().lower() for c in first[0].split(",")] == HEADER


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


def site_of(symptom: str) -> str:
    name = " ".join(symptom.lower().split())
    for suffix in (" pains", " pain"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def level_of(amount: str, word: str | None, line: int) -> tuple[int, str]:
    """(score, original level) from the 1-4 amount, or the word in the detail if no amount."""
    amount = amount.strip()
    if amount:
        if not amount.isdigit() or not 0 <= int(amount) <= 4:
            raise BadInput(f"{amount!r} is not a symptom level 1-4", field="rating/amount", line=line)
        n = int(amount)
        level = "none" if n == 0 else LEVELS[n - 1]
        if word and word.lower() in LEVEL_SCORE and word.lower() != level:
            raise BadInput(f"level {n} ({level}) disagrees with the detail's {word!r}", field="rating/amount",
                           line=line)
        return LEVEL_SCORE[level], (word or level.title())
    if word and word.lower() in LEVEL_SCORE:
        return LEVEL_SCORE[word.lower()], word
    raise BadInput("a pain symptom without a level (Mild, Moderate, Severe or Unbearable)",
                   field="rating/amount", line=line)


def read(source: ImportSource) -> Iterator[Row]:
    rows = csv_rows(source)
    header = header_of(rows, "Bearable")
    if header != HEADER:
        raise BadInput(f"is not Bearable's header ({','.join(HEADER)})", field="header", line=1)
    tz = zone(source)
    keys = Keys("bearable")
    for line, cells in rows:
        if not check_width(cells, len(HEADER), line):
            continue
        day_text, _, when, category, amount, detail, notes = (c.strip() for c in cells)
        cat = category.lower()
        m = _DETAIL.fullmatch(detail)
        symptom, word = (m.group(1), m.group(2)) if m else (detail, None)
        if cat != "symptom" or not PAIN_WORDS.search(symptom):
            skip(source, (category or "no category") if cat != "symptom" else "other symptoms")
            continue
        day = parse_date(day_text) if day_text else None
        if day is None:
            raise BadInput("is empty", field="date", line=line)
        score, original = level_of(amount, word, line)
        part = when.lower()
        note = inert(notes) or ""
        if part in PARTS_OF_DAY:
            at = PARTS_OF_DAY[part]
            note = (f"{note} " if note else "") + f"(approximate time: {part})"
        else:
            at = parse_clock(when)
            if at is None:
                raise BadInput(f"{when!r} is not pre, am, mid, pm or a clock time", field="time of day",
                               line=line)
        occurred = local_iso(day, at, tz)
        site = inert(site_of(symptom))
        yield Row("pain_entry", {
            "occurred_at": occurred, "intensity": score, "sites": [site], "note": note or None,
            "derived": True, "original_level": original, "source": f"bearable:{source.name}:{line}",
            "key": keys(day.isoformat(), part, symptom.lower(), score, notes)}, line)


@hookimpl
def register_importers(register):
    register(Importer(name="bearable", label="Bearable CSV export", extensions=(".csv",), sniff=sniff,
                      read=read, description="Bearable's export: pain symptoms become entries with "
                      "derived scores; other categories are counted and skipped."))
