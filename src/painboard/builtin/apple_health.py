"""Apple Health's export: export.zip (holding apple_health_export/export.xml) or export.xml.

Symptom records (``HKCategoryTypeIdentifier...`` such as LowerBackPain, Headache,
GeneralizedBodyAche) with a severity become pain entries with a derived score: not present 0,
mild 3, moderate 5, severe 8 (painboard.builtin._importing), the severity word kept as
``original_level``. A pain symptom logged as "unspecified" carries no level and is skipped.
Apple's other symptoms (Nausea, Constipation, Fatigue, Dizziness ...; OTHER_SYMPTOMS) become
symptom records, the severity kept (not present: none; unspecified: none said), a side effect
when painboard knows the name (warning_signs.SIDE_EFFECTS), else in the person's own words,
never a warning sign. Every other record (steps, heart rate ...) is counted and reported.

The file is often hundreds of MB: it is read as a stream with expat, keeping nothing but the
attributes of the element being read (no text, no children, no tree), so memory stays flat
whatever the size; one tag or comment is at most TOKEN_LIMIT bytes. A zip is checked before it
is read (painboard.builtin._importing.archive_member: uncompressed size, expansion ratio, number
of files). Progress counts bytes read.
``startDate`` keeps its offset (``2021-12-08 09:00:00 +0100``).
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import BinaryIO, Iterator
from xml.parsers import expat

from painboard.builtin._importing import LEVEL_SCORE, Keys, archive_member, inert, skip
from painboard.errors import BadInput
from painboard.hookspecs import hookimpl
from painboard.plugins import ImportSource, Importer, Row

PREFIX = "HKCategoryTypeIdentifier"
# Apple's pain symptoms and the site each names (None: no one site).
PAIN_TYPES = {
    "LowerBackPain": "lower back", "Headache": "head", "GeneralizedBodyAche": None,
    "ChestTightnessOrPain": "chest", "PelvicPain": "pelvis", "BreastPain": "breast",
    "AbdominalCramps": "abdomen",
}
# Apple's symptoms that are not pain (HKCategoryTypeIdentifier..., severity values), by name.
OTHER_SYMPTOMS = {
    "Constipation": "constipation", "Nausea": "nausea", "Fatigue": "fatigue", "Dizziness": "dizziness",
    "Vomiting": "vomiting", "Diarrhea": "diarrhoea", "Fever": "fever", "Chills": "chills",
    "ShortnessOfBreath": "shortness of breath", "Coughing": "coughing", "Fainting": "fainting",
    "Bloating": "bloating", "NightSweats": "night sweats", "HotFlashes": "hot flushes",
    "MemoryLapse": "memory lapse", "BladderIncontinence": "bladder incontinence", "SoreThroat": "sore throat",
    "LossOfSmell": "loss of smell", "LossOfTaste": "loss of taste", "DrySkin": "dry skin", "HairLoss": "hair loss",
    "Wheezing": "wheezing", "RapidPoundingOrFlutteringHeartbeat": "rapid, pounding or fluttering heartbeat",
    "SkippedHeartbeat": "skipped heartbeat", "Acne": "acne", "RunnyNose": "runny nose",
    "SinusCongestion": "sinus congestion", "VaginalDryness": "vaginal dryness",
}
SEVERITY = {"NotPresent": "not present", "Mild": "mild", "Moderate": "moderate", "Severe": "severe"}
MEMBER = "apple_health_export/export.xml"
CHUNK = 64 * 1024  # bytes fed to the parser at a time
TOKEN_LIMIT = 4 * 1024 * 1024  # one tag, comment or declaration; expat holds it whole while reading


def sniff(head: bytes, filename: str) -> bool:
    if head.startswith(b"PK\x03\x04"):
        return b"apple_health_export/" in head
    text = head[:4096]
    return b"<HealthData" in text or b"HealthKit Export" in text


def _stream(source: ImportSource) -> tuple[BinaryIO, str]:
    with open(source.path, "rb") as fh:
        is_zip = fh.read(4) == b"PK\x03\x04"
    if not is_zip:
        return source.open(), source.name
    stream, info = archive_member(source.path, _export_member, MEMBER)
    cb = getattr(source, "_on_progress", None)
    # progress as the share of the XML read, in the zip's own bytes
    return _Progress(stream, info.file_size, source.size, cb), info.filename


def _export_member(names: list[str]) -> str | None:
    return next((n for n in names if n == MEMBER or n.endswith("/export.xml") or n == "export.xml"), None)


class _Progress(io.RawIOBase):
    def __init__(self, raw, total: int, scale: int, cb):
        self._raw, self._total, self._scale, self._cb, self._done = raw, max(total, 1), scale, cb, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        data = self._raw.read(len(b))
        n = len(data)
        b[:n] = data
        self._done += n
        if self._cb and n:
            self._cb(self._done * self._scale // self._total)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Records:
    """expat's handlers: the attributes of each Record, and a check of the root's name."""

    def __init__(self, source: ImportSource, name: str):
        self.source, self.name, self.keys = source, name, Keys("applehealth")
        self.rows: list[Row] = []
        self.root: str | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.root is None:
            self.root = tag
            if tag != "HealthData":
                raise BadInput(f"is not an Apple Health export (its root is <{tag[:40]}>)", field="HealthData",
                               line=1)
        elif tag == "Record":
            row = _record(attrs, self.source, self.keys)
            if row is not None:
                self.rows.append(row)


def read(source: ImportSource) -> Iterator[Row]:
    stream, name = _stream(source)
    records = _Records(source, name)
    parser = expat.ParserCreate()
    parser.StartElementHandler = records.start  # no text or end handlers: nothing else is kept

    def outside(*_) -> int:  # an external entity: another file is never read
        raise BadInput("refers to another file (an external entity): not an Apple Health export", field=name,
                       line=parser.CurrentLineNumber)

    parser.ExternalEntityRefHandler = outside
    fed = 0
    try:
        with stream:
            while True:
                chunk = stream.read(CHUNK)
                parser.Parse(chunk, not chunk)
                fed += len(chunk)
                if fed - parser.CurrentByteIndex > TOKEN_LIMIT:  # expat holds an unfinished tag whole
                    raise BadInput(f"holds a tag or comment longer than {TOKEN_LIMIT >> 20} MiB: not an Apple "
                                   "Health export", field=name, line=parser.CurrentLineNumber)
                yield from records.rows
                records.rows.clear()
                if not chunk:
                    break
    except expat.ExpatError as exc:
        msg = expat.ErrorString(exc.code) if exc.code else str(exc).split(":")[0]
        cut = "; is the file cut short?" if "no element found" in msg or "unclosed" in msg else ""
        raise BadInput(f"is not well-formed XML ({msg}){cut}", field=name, line=exc.lineno) from None
    except (zipfile.BadZipFile, EOFError, OSError) as exc:  # a zip whose data does not match its directory
        raise BadInput(f"is not a readable zip file ({exc})", field="file") from None
    if records.root is None:
        raise BadInput("is empty", field=name)


def _record(el: dict[str, str], source: ImportSource, keys: Keys) -> Row | None:
    kind = el.get("type", "")
    short = kind[len(PREFIX):] if kind.startswith(PREFIX) else None
    if short in OTHER_SYMPTOMS:
        return _other_symptom(el, short, source, keys)
    if short not in PAIN_TYPES:
        skip(source, "other Health records")
        return None
    value = el.get("value", "")
    level = SEVERITY.get(value.rsplit("Severity", 1)[-1]) if "Severity" in value else None
    if level is None:
        skip(source, "symptoms without a severity")
        return None
    start = el.get("startDate", "")
    at = _start(start)
    site = PAIN_TYPES[short]
    made_by = inert(el.get("sourceName") or "")
    return Row("pain_entry", {
        "occurred_at": at.isoformat(), "intensity": LEVEL_SCORE[level], "sites": [site] if site else [],
        "derived": True, "original_level": level,
        "note": inert(f"Apple Health: {short} ({level})" + (f", from {made_by}" if made_by else "")),
        "source": f"applehealth:{source.name}",
        "key": keys(short, start, level, el.get("endDate", ""), made_by)})


def _start(start: str) -> datetime:
    try:
        return datetime.strptime(start, "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        raise BadInput(f"{start!r} is not a time like 2021-12-08 09:00:00 +0100", field="startDate") from None


def _other_symptom(el: dict[str, str], short: str, source: ImportSource, keys: Keys) -> Row:
    """A symptom that is not pain as a symptom record (issue 20)."""
    from painboard.warning_signs import SIDE_EFFECTS

    value = el.get("value", "")
    level = SEVERITY.get(value.rsplit("Severity", 1)[-1]) if "Severity" in value else None
    severity = "none" if level == "not present" else level
    start = el.get("startDate", "")
    name = OTHER_SYMPTOMS[short]
    made_by = inert(el.get("sourceName") or "")
    return Row("symptom", {
        "name": name, "kind": "side_effect" if name in SIDE_EFFECTS else "own_words",
        "occurred_at": _start(start).isoformat(), "severity": severity,
        "note": inert(f"Apple Health: {short}" + (f", from {made_by}" if made_by else "")),
        "source": f"applehealth:{source.name}", "key": keys(short, start, level, el.get("endDate", ""), made_by)})


@hookimpl
def register_importers(register):
    register(Importer(name="applehealth", label="Apple Health export (export.zip or export.xml)",
                      extensions=(".zip", ".xml"), sniff=sniff, read=read,
                      description="Pain symptom records with a severity become derived scores; "
                      "streamed, so a file of hundreds of MB needs little memory."))
