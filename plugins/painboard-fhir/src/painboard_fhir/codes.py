"""Code systems, identifier systems and the small helpers both directions share.

SNOMED CT codes are given only where we checked them against published use (the hip,
pelvis, lower back, neck and spine body structures; the four pain qualities that
the SNOMED CT browser lists as findings). Every other site or quality goes as text only.
"""

from __future__ import annotations

import uuid
from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

PAIN_CODE = "72514-3"
PAIN_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"

# painboard's own systems: identifiers that let a receiver (and our importer) de-duplicate,
# component codes for what LOINC has no code we are sure of, extensions for bookkeeping.
ENTRY_KEY = "urn:painboard:entry-key"
EPISODE_KEY = "urn:painboard:episode-key"
EVENT_KEY = "urn:painboard:event-key"
REVIEW_DAY = "urn:painboard:review-day"
SYMPTOM_KEY = "urn:painboard:symptom-key"
PLAN_ITEM = "urn:painboard:plan-item"
PATIENT_ID = "urn:painboard:patient"
CODE = "urn:painboard:fhir:code"
EXT = "urn:painboard:fhir:extension:"

# Body structures (SNOMED CT, "... structure (body structure)").
SITE_SNOMED = {
    "left hip": ("287679003", "Left hip region structure"),
    "right hip": ("287579007", "Right hip region structure"),
    "pelvis": ("12921003", "Pelvic structure"),
    "lower back": ("37822005", "Lower back structure"),
    "neck": ("45048000", "Neck structure"),
    "spine": ("421060004", "Structure of vertebral column"),
}
# Pain qualities (SNOMED CT findings).
QUALITY_SNOMED = {
    "aching": ("27635008", "Aching pain"),
    "burning": ("36349006", "Burning pain"),
    "stabbing": ("55145008", "Stabbing pain"),
    "throbbing": ("29695002", "Throbbing pain"),
}
SITE_BY_CODE = {code: name for name, (code, _) in SITE_SNOMED.items()}
QUALITY_BY_CODE = {code: name for name, (code, _) in QUALITY_SNOMED.items()}

# Units we can give a UCUM code for; any other unit goes as text only.
UCUM_UNITS = {"mg": "mg", "g": "g", "mcg": "ug", "ug": "ug", "ml": "mL", "gy": "Gy", "%": "%",
              "min": "min", "mcg/h": "ug/h"}

_NS = uuid.UUID("6f1d3a52-8f0e-4c59-9a59-2c1b7e0d8a10")


def full_url(kind: str, key: str) -> str:
    """A stable urn:uuid for a record: the same record gives the same fullUrl in every export."""
    return f"urn:uuid:{uuid.uuid5(_NS, f'{kind}:{key}')}"


def code(c: str, text: str) -> dict:
    return {"coding": [{"system": CODE, "code": c}], "text": text}


def concept(term: str | None, table: dict[str, tuple[str, str]]) -> dict | None:
    """A CodeableConcept: the SNOMED CT coding where we have one, the user's words always."""
    if not term:
        return None
    cc: dict[str, Any] = {"text": term}
    if term in table:
        c, display = table[term]
        cc["coding"] = [{"system": SNOMED, "code": c, "display": display}]
    return cc


def term_of(cc: Any, by_code: dict[str, str]) -> str | None:
    """Back from a CodeableConcept to painboard's term: text first, else a SNOMED code we know."""
    if not isinstance(cc, dict):
        return None
    if isinstance(cc.get("text"), str) and cc["text"].strip():
        return cc["text"]
    for c in cc.get("coding") or []:
        if isinstance(c, dict) and c.get("system") == SNOMED and c.get("code") in by_code:
            return by_code[c["code"]]
        if isinstance(c, dict) and isinstance(c.get("display"), str):
            return c["display"]
    return None


def quantity(value: float | int | None, unit: str | None) -> dict | None:
    if value is None:
        return None
    q: dict[str, Any] = {"value": value}
    if unit:
        q["unit"] = unit
        ucum = UCUM_UNITS.get(unit.strip().lower())
        if ucum:
            q["system"], q["code"] = UCUM, ucum
    return q


def ext(name: str, **value: Any) -> dict | None:
    """One painboard extension, or None when its value is missing."""
    (kind, v), = value.items()
    if v is None or v == "" or v == []:
        return None
    return {"url": EXT + name, kind: v}


def clean(obj: Any) -> Any:
    """Drop None, empty text, empty lists and empty objects, recursively (FHIR allows none)."""
    if isinstance(obj, dict):
        out = {k: clean(v) for k, v in obj.items()}
        return {k: v for k, v in out.items() if v is not None and v != "" and v != [] and v != {}}
    if isinstance(obj, list):
        out = [clean(v) for v in obj]
        return [v for v in out if v is not None and v != "" and v != [] and v != {}]
    return obj
