"""painboard-fhir: pain scores as a FHIR R4 Bundle (type collection) of Observations.

Each pain entry becomes an Observation coded LOINC 72514-3 (Pain severity - 0-10 verbal
numeric rating [Score] - Reported) with valueInteger, effectiveDateTime, the first site as
bodySite text, and the entry's key as identifier so a receiving system can de-duplicate.
A score derived from a level is marked with a note. Streams: one entry at a time.
"""

from __future__ import annotations

import io
import json
import uuid
from typing import BinaryIO

from painboard.hookspecs import hookimpl
from painboard.models import utcnow
from painboard.plugins import Exporter, PeriodView

__version__ = "0.1.0"

LOINC = "http://loinc.org"
PAIN_CODE = "72514-3"
PAIN_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
KEY_SYSTEM = "urn:painboard:entry-key"
_NS = uuid.UUID("6f1d3a52-8f0e-4c59-9a59-2c1b7e0d8a10")


def observation(e: dict) -> dict:
    obs = {
        "resourceType": "Observation",
        "identifier": [{"system": KEY_SYSTEM, "value": e["key"]}],
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "survey", "display": "Survey"}]}],
        "code": {"coding": [{"system": LOINC, "code": PAIN_CODE, "display": PAIN_DISPLAY}],
                 "text": "Pain severity 0-10"},
        "effectiveDateTime": e["occurred_at"].isoformat(),
        "issued": e["recorded_at"].isoformat(),
        # valueInteger as clinical.md says; the LOINC answer codes (LA6111-4 ...) would need
        # valueCodeableConcept instead, and an Observation carries one value only.
        "valueInteger": int(e["intensity"]),
    }
    if e.get("sites"):
        obs["bodySite"] = {"text": e["sites"][0]}
    notes = []
    if e.get("note"):
        notes.append({"text": e["note"]})
    if e.get("derived"):
        notes.append({"text": f"score derived from the level {e.get('original_level')!r}, not rated 0-10"})
    if notes:
        obs["note"] = notes
    return obs


def write_bundle(view: PeriodView, out: BinaryIO) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
    text.write('{"resourceType": "Bundle", "type": "collection", '
               f'"timestamp": {json.dumps(utcnow().isoformat())}, "entry": [')
    n = 0
    for e in view.iter_entries():
        full_url = f"urn:uuid:{uuid.uuid5(_NS, e['key'])}"
        text.write(("," if n else "") + "\n" + json.dumps({"fullUrl": full_url, "resource": observation(e)},
                                                         ensure_ascii=False))
        n += 1
    text.write("\n]}\n")
    text.flush()
    text.detach()
    return n


@hookimpl
def register_exporters(register):
    register(Exporter(name="fhir", extension=".fhir.json", label="FHIR R4 Bundle (pain scores)",
                      write=write_bundle,
                      description="Pain entries as FHIR R4 Observations, LOINC 72514-3, in a collection Bundle."))
