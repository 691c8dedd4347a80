"""Apple Health's export: export.zip (holding apple_health_export/export.xml) or export.xml.

Symptom records (``HKCategoryTypeIdentifier...`` such as LowerBackPain, Headache,
GeneralizedBodyAche) with a severity become pain entries with a derived score: not present 0,
mild 3, moderate 5, severe 8 (painboard.builtin._importing), the severity word kept as
``original_level``. A symptom logged as "unspecified" carries no level and is skipped, as is
every other record (steps, heart rate ...): they are counted and reported.

The file is often hundreds of MB: it is read as a stream (xml.etree.iterparse), each element
cleared once read, so memory stays bounded whatever the size; progress counts bytes read.
``startDate`` keeps its offset (``2021-12-08 09:00:00 +0100``).
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from typing import BinaryIO, Iterator
from xml.etree.ElementTree import ParseError, iterparse

from painboard.builtin._importing import LEVEL_SCORE, Keys, inert, skip
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
SEVERITY = {"NotPresent": "not present", "Mild": "mild", "Moderate": "moderate", "Severe": "severe"}
MEMBER = "apple_health_export/export.xml"


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
    try:
        zf = zipfile.ZipFile(source.path)
        name = next((n for n in zf.namelist() if n == MEMBER or n.endswith("/export.xml")
                     or n == "export.xml"), None)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInput(f"is not a readable zip file ({exc})", field="file") from None
    if name is None:
        raise BadInput(f"holds no {MEMBER}", field="file")
    info = zf.getinfo(name)
    cb = getattr(source, "_on_progress", None)
    # progress as the share of the XML read, in the zip's own bytes
    return _Progress(zf.open(name), info.file_size, source.size, cb), name


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


def read(source: ImportSource) -> Iterator[Row]:
    stream, name = _stream(source)
    keys = Keys("applehealth")
    root = None
    seen_root = False
    try:
        with stream:
            for event, el in iterparse(stream, events=("start", "end")):
                if event == "start":
                    if root is None:
                        root = el
                        if el.tag != "HealthData":
                            raise BadInput(f"is not an Apple Health export (its root is <{el.tag}>)",
                                           field="HealthData", line=1)
                        seen_root = True
                    continue
                if el is root:
                    continue
                row = _record(el, source, keys) if el.tag == "Record" else None
                root.clear()  # read: drop it (and what came before) from the tree, memory stays flat
                if row is not None:
                    yield row
    except ParseError as exc:
        line = exc.position[0] if exc.position else None
        msg = str(exc).split(":")[0]
        cut = "; is the file cut short?" if "no element found" in msg or "unclosed" in msg else ""
        raise BadInput(f"is not well-formed XML ({msg}){cut}", field=name, line=line) from None
    if not seen_root:
        raise BadInput("is empty", field=name)


def _record(el, source: ImportSource, keys: Keys) -> Row | None:
    kind = el.get("type", "")
    short = kind[len(PREFIX):] if kind.startswith(PREFIX) else None
    if short not in PAIN_TYPES:
        skip(source, "other Health records")
        return None
    value = el.get("value", "")
    level = SEVERITY.get(value.rsplit("Severity", 1)[-1]) if "Severity" in value else None
    if level is None:
        skip(source, "symptoms without a severity")
        return None
    start = el.get("startDate", "")
    try:
        at = datetime.strptime(start, "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        raise BadInput(f"{start!r} is not a time like 2021-12-08 09:00:00 +0100", field="startDate") from None
    site = PAIN_TYPES[short]
    made_by = inert(el.get("sourceName") or "")
    return Row("pain_entry", {
        "occurred_at": at.isoformat(), "intensity": LEVEL_SCORE[level], "sites": [site] if site else [],
        "derived": True, "original_level": level,
        "note": inert(f"Apple Health: {short} ({level})" + (f", from {made_by}" if made_by else "")),
        "source": f"applehealth:{source.name}",
        "key": keys(short, start, level, el.get("endDate", ""), made_by)})


@hookimpl
def register_importers(register):
    register(Importer(name="applehealth", label="Apple Health export (export.zip or export.xml)",
                      extensions=(".zip", ".xml"), sniff=sniff, read=read,
                      description="Pain symptom records with a severity become derived scores; "
                      "streamed, so a file of hundreds of MB needs little memory."))
