"""A FHIR R4 Bundle back into painboard's records.

What painboard's exporter writes comes back whole (its identifiers are the keys, so a
re-import adds nothing). From other systems, Observations coded LOINC 72514-3 become pain
entries; other resources are skipped. Errors name the file, the line where the entry
starts and the field as ``entry[i].resource...``.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any, Iterator

from painboard.errors import BadInput
from painboard.plugins import ImportSource, Row

from painboard_fhir.codes import (CODE, ENTRY_KEY, EPISODE_KEY, EVENT_KEY, EXT, LOINC, PAIN_CODE,
                                  QUALITY_BY_CODE, REVIEW_DAY, SITE_BY_CODE, term_of)
from painboard_fhir.export import PLAN_EXT

_BUNDLE = re.compile(rb'"resourceType"\s*:\s*"Bundle"')
_INTERFERENCE = "interference-"
_DATE = re.compile(r"\d{4}-\d\d-\d\d")
# A Bundle is read whole (references between entries need every entry): one larger than this
# is refused before it is read, so memory stays bounded.
FILE_LIMIT = 24 * 1024 * 1024  # about 70,000 entries; reading it peaks near 250 MB
_WS = re.compile(r"[ \t\r\n]*")


def sniff(head: bytes, filename: str) -> bool:
    t = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return t.startswith(b"{") and _BUNDLE.search(head) is not None


class _Bad(Exception):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message


class _Scanner:
    """The Bundle's text read forward: a position, and the line of a position (lines are
    counted once, forward: linear time)."""

    def __init__(self, text: str):
        self.text, self.i, self.n = text, 0, len(text)
        self.dec = json.JSONDecoder()
        self.counted = [0, 1]  # (position, its line)

    def peek(self) -> str:
        return self.text[self.i:self.i + 1]

    def ws(self) -> None:
        self.i = _WS.match(self.text, self.i).end()

    def line(self, at: int | None = None) -> int:
        at = self.i if at is None else at
        counted = self.counted
        if at < counted[0]:
            return counted[1] - self.text.count("\n", at, counted[0])
        counted[1] += self.text.count("\n", counted[0], at)
        counted[0] = at
        return counted[1]

    def expect(self, ch: str, what: str) -> None:
        self.ws()
        if self.peek() != ch:
            got = repr(self.peek()) if self.i < self.n else "the end of the file"
            raise BadInput(f"expected {what} but found {got}", field="json", line=self.line())
        self.i += 1

    def value(self) -> Any:
        self.ws()
        try:
            v, self.i = self.dec.raw_decode(self.text, self.i)
        except json.JSONDecodeError as exc:
            raise BadInput(f"is not valid JSON ({exc.msg})", field="json", line=exc.lineno) from None
        except RecursionError:
            raise BadInput("nests brackets too deeply to be FHIR", field="json", line=self.line()) from None
        return v

    def separator(self, close: str) -> None:
        """Past the ',' after an element, or up to the ``close`` that ends the list."""
        if self.peek() == ",":
            self.i += 1
            self.ws()
        elif self.peek() != close:
            self.expect(",", f"',' or '{close}'")

    def entry_list(self, entries: list[tuple[int, Any]]) -> None:
        """The entries of the array just opened, each with the line where it starts, and its ']'."""
        self.ws()
        while self.peek() != "]":
            self.ws()
            at = self.line()
            entries.append((at, self.value()))
            self.ws()
            self.separator("]")
        self.i += 1


def _entries(text: str) -> tuple[dict[str, Any], list[tuple[int, Any]]]:
    """The Bundle's own fields and its entries, each with the line where it starts."""
    s = _Scanner(text)
    s.ws()
    if s.i >= s.n:
        raise BadInput("the file is empty", field="json", line=1)
    s.expect("{", "a JSON object (a FHIR Bundle)")
    head: dict[str, Any] = {}
    entries: list[tuple[int, Any]] = []
    s.ws()
    while s.peek() != "}":
        key = s.value()
        if not isinstance(key, str):
            raise BadInput("expected a field name", field="json", line=s.line())
        s.expect(":", "':'")
        s.ws()
        if key == "entry" and s.peek() == "[":
            s.i += 1
            s.entry_list(entries)
        else:
            head[key] = s.value()
        s.ws()
        s.separator("}")
    s.i += 1
    s.ws()
    if s.i < s.n:
        raise BadInput("text after the end of the Bundle", field="json", line=s.line())
    return head, entries


def read(source: ImportSource) -> Iterator[Row]:
    if source.size > FILE_LIMIT:
        raise BadInput(f"is {source.size / (1 << 20):.0f} MiB: a FHIR Bundle painboard reads is at most "
                       f"{FILE_LIMIT >> 20} MiB (export a shorter period)", field="file")
    try:
        with source.open_text() as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise BadInput(f"is not UTF-8 text (byte {exc.start})", field="encoding") from None
    head, entries = _entries(text)
    if head.get("resourceType") != "Bundle":
        raise BadInput(f"is not a FHIR Bundle (resourceType {head.get('resourceType')!r})",
                       field="resourceType", line=1)
    resources: dict[str, dict] = {}
    for idx, (line, e) in enumerate(entries):
        where = f"entry[{idx}]"
        if not isinstance(e, dict):
            raise BadInput("is not an object", field=where, line=line)
        res = e.get("resource")
        if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
            raise BadInput("has no resource with a resourceType", field=f"{where}.resource", line=line)
        if isinstance(e.get("fullUrl"), str):
            resources[e["fullUrl"]] = res
    for idx, (line, e) in enumerate(entries):
        res = e["resource"]
        try:
            row = _row(res, e.get("fullUrl"), resources)
        except _Bad as bad:
            raise BadInput(bad.message, field=f"entry[{idx}].resource.{bad.field}", line=line) from None
        except (TypeError, AttributeError, ValueError, IndexError) as exc:  # an element of the wrong JSON type
            raise BadInput(f"is not in a shape painboard reads ({type(exc).__name__}: {exc})",
                           field=f"entry[{idx}].resource", line=line) from None
        if row is not None:
            yield Row(row[0], row[1], line)


def _row(res: dict, url: str | None, resources: dict[str, dict]) -> tuple[str, dict] | None:
    rt = res["resourceType"]
    if rt == "Observation":
        ids = _identifiers(res)
        codes = _codings(res.get("code"), "code")
        if EPISODE_KEY in ids or (CODE, "breakthrough-episode") in codes:
            return "episode", _episode(res, ids, resources)
        if REVIEW_DAY in ids or (CODE, "daily-review") in codes:
            return "daily_review", _review(res)
        if ENTRY_KEY in ids or (LOINC, PAIN_CODE) in codes:
            return "pain_entry", _pain(res, ids)
        return None
    if rt in ("MedicationRequest", "ServiceRequest") and _ext(res, PLAN_EXT) is not None:
        return "plan_item", _plan_item(res, url)
    if rt in ("MedicationStatement", "Procedure") and EVENT_KEY in _identifiers(res):
        return "plan_event", _event(res)
    return None  # a Patient, or something painboard has no place for


# -- reading values, naming the field when one is wrong ------------------------------------
def _identifiers(res: dict) -> dict[str, str]:
    out = {}
    for i, ident in enumerate(_list(res, "identifier")):
        if isinstance(ident, dict) and isinstance(ident.get("system"), str):
            v = ident.get("value")
            if not isinstance(v, str) or not v.strip():
                raise _Bad(f"identifier[{i}].value", "must be non-empty text")
            out[ident["system"]] = v
    return out


def _list(obj: dict, name: str) -> list:
    v = obj.get(name)
    if v is None:
        return []
    if not isinstance(v, list):
        raise _Bad(name, "must be a list")
    return v


def _codings(cc: Any, field: str) -> set[tuple[str, str]]:
    if cc is None:
        return set()
    if not isinstance(cc, dict):
        raise _Bad(field, "must be a CodeableConcept (an object)")
    return {(c.get("system"), c.get("code")) for c in cc.get("coding") or [] if isinstance(c, dict)}


def _ext(res: dict, url: str) -> Any:
    for e in res.get("extension") or []:
        if isinstance(e, dict) and e.get("url") == url:
            return e
    return None


def _ext_value(res: dict, name: str) -> Any:
    e = _ext(res, EXT + name) if isinstance(res, dict) else None
    if e is None:
        return None
    return next((v for k, v in e.items() if k.startswith("value")), None)


def _time(v: Any, field: str, required: bool = False) -> datetime | None:
    if v is None:
        if required:
            raise _Bad(field, "is missing")
        return None
    if not isinstance(v, str):
        raise _Bad(field, f"must be a dateTime as text (got {type(v).__name__})")
    t = v.replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        raise _Bad(field, f"{v!r} is not a FHIR dateTime") from None
    if dt.tzinfo is None:
        raise _Bad(field, f"{v!r} has no time zone offset (FHIR requires one with a time)")
    return dt


def _int(v: Any, field: str, required: bool = False) -> int | None:
    if v is None:
        if required:
            raise _Bad(field, "is missing")
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise _Bad(field, f"must be a whole number (got {v!r})")
    if not 0 <= v <= 10:
        raise _Bad(field, f"must be a whole number from 0 to 10 (got {v})")
    return v


def _score(res: dict) -> int:
    if "valueInteger" in res:
        return _int(res["valueInteger"], "valueInteger")  # type: ignore[return-value]
    q = res.get("valueQuantity")
    if isinstance(q, dict) and isinstance(q.get("value"), (int, float)) and float(q["value"]).is_integer():
        return _int(int(q["value"]), "valueQuantity.value")  # type: ignore[return-value]
    raise _Bad("valueInteger", "is missing (a pain score needs a whole number 0-10)")


def _components(res: dict) -> list[tuple[str, str, Any, int]]:
    """(painboard code, value kind, value, index) for each component with a painboard code."""
    out = []
    for i, c in enumerate(_list(res, "component")):
        if not isinstance(c, dict):
            raise _Bad(f"component[{i}]", "must be an object")
        name = next((cd for s, cd in _codings(c.get("code"), f"component[{i}].code") if s == CODE), None)
        if name is None:
            continue
        kind, v = next(((k, v) for k, v in c.items() if k.startswith("value")), (None, None))
        out.append((name, kind, v, i))
    return out


def _comp_value(kind: str | None, v: Any, i: int, by_code: dict[str, str] | None = None) -> Any:
    if kind == "valueCodeableConcept":
        t = term_of(v, by_code or {})
        if t is None:
            raise _Bad(f"component[{i}].valueCodeableConcept", "has neither text nor a code painboard knows")
        return t
    if kind == "valueQuantity":
        if not isinstance(v, dict) or not isinstance(v.get("value"), (int, float)):
            raise _Bad(f"component[{i}].valueQuantity.value", "must be a number")
        return v["value"]
    if kind == "valueInteger":
        return _int(v, f"component[{i}].valueInteger")
    if kind == "valueDateTime":
        return _time(v, f"component[{i}].valueDateTime")
    return v


def _note(res: dict) -> str | None:
    texts = [n.get("text") for n in _list(res, "note") if isinstance(n, dict) and isinstance(n.get("text"), str)]
    return "\n".join(texts) or None


def _pain(res: dict, ids: dict[str, str]) -> dict:
    data: dict[str, Any] = {
        "occurred_at": _time(res.get("effectiveDateTime") or (res.get("effectivePeriod") or {}).get("start")
                             or res.get("effectiveInstant"), "effectiveDateTime", required=True),
        "intensity": _score(res),
        "sites": [], "qualities": [], "worse": [], "better": [],
    }
    if res.get("issued") is not None:
        data["recorded_at"] = _time(res["issued"], "issued")
    for name, kind, v, i in _components(res):
        if name == "site":
            data["sites"].append(_comp_value(kind, v, i, SITE_BY_CODE))
        elif name == "quality":
            data["qualities"].append(_comp_value(kind, v, i, QUALITY_BY_CODE))
        elif name in ("worse", "better"):
            data[name].append(_comp_value(kind, v, i))
        elif name in ("pattern", "activity"):
            data[name] = _comp_value(kind, v, i)
        elif name == "duration":
            data["duration_min"] = _comp_value(kind, v, i)
        elif name == "original-level":
            data["original_level"] = _comp_value(kind, v, i)
    if not data["sites"] and res.get("bodySite") is not None:  # another system's single site
        site = term_of(res["bodySite"], SITE_BY_CODE)
        data["sites"] = [site] if site else []
    data["note"] = _note(res)
    if _ext_value(res, "derived") is True:
        data["derived"] = True
    _provenance(res, ids.get(ENTRY_KEY), data)
    return data


def _provenance(res: dict, key: str | None, data: dict) -> None:
    src = _ext_value(res, "source")
    if isinstance(src, str) and src.strip():
        data["source"] = src  # the record's own provenance, as painboard exported it
    if key:
        data["key"] = key


def _episode(res: dict, ids: dict[str, str], resources: dict[str, dict]) -> dict:
    period = res.get("effectivePeriod")
    if not isinstance(period, dict):
        raise _Bad("effectivePeriod", "is missing (an episode needs its onset)")
    data: dict[str, Any] = {
        "onset": _time(period.get("start"), "effectivePeriod.start", required=True),
        "end_at": _time(period.get("end"), "effectivePeriod.end"),
        "peak": _score(res),
        "note": _note(res),
    }
    if res.get("issued") is not None:
        data["recorded_at"] = _time(res["issued"], "issued")
    fields = {"peak-time": "peak_at", "background": "background", "type": "type", "trigger": "trigger",
              "site": "site", "quality": "quality", "relief-time": "relief_min",
              "activity-abandoned": "activity_abandoned"}
    for name, kind, v, i in _components(res):
        if name in fields:
            table = SITE_BY_CODE if name == "site" else QUALITY_BY_CODE if name == "quality" else None
            data[fields[name]] = _comp_value(kind, v, i, table)
    rescue = _ext_value(res, "rescue-dose")
    if isinstance(rescue, dict) and isinstance(rescue.get("reference"), str):
        target = resources.get(rescue["reference"])
        if target is None:
            raise _Bad("extension(rescue-dose)", f"refers to {rescue['reference']}, which the Bundle does not hold")
        data["rescue_event_key"] = _identifiers(target).get(EVENT_KEY)
    _provenance(res, ids.get(EPISODE_KEY), data)
    return data


def _review(res: dict) -> dict:
    period = res.get("effectivePeriod") or {}
    start = period.get("start") if isinstance(period, dict) else None
    if not isinstance(start, str) or not _DATE.match(start):
        raise _Bad("effectivePeriod.start", "is missing (a daily review needs its day)")
    data: dict[str, Any] = {"day": date.fromisoformat(start[:10]), "note": _note(res), "interference": {}}
    if res.get("issued") is not None:
        data["recorded_at"] = _time(res["issued"], "issued")
    for name, kind, v, i in _components(res):
        if name in ("worst", "least", "average", "now"):
            data[name] = _comp_value(kind, v, i)
        elif name == "relief":
            data["relief_pct"] = _comp_value(kind, v, i)
        elif name.startswith(_INTERFERENCE):
            data["interference"][name[len(_INTERFERENCE):]] = _comp_value(kind, v, i)
    return data


def _plan_item(res: dict, url: str | None) -> dict:
    sub = {e.get("url", "").removeprefix(EXT): next((v for k, v in e.items() if k.startswith("value")), None)
           for e in _ext(res, PLAN_EXT).get("extension") or [] if isinstance(e, dict)}
    status = {"revoked": "stopped"}.get(res.get("status"), res.get("status"))
    data: dict[str, Any] = {"ref": url, "category": sub.get("category"), "kind": sub.get("kind"),
                            "rrule": sub.get("rrule"), "sessions": sub.get("sessions"),
                            "route": sub.get("route"), "mme_factor": sub.get("mme-factor"),
                            "status": status, "note": _note(res)}
    if res["resourceType"] == "MedicationRequest":
        data["name"] = (res.get("medicationCodeableConcept") or {}).get("text")
        dose = (_list(res, "dosageInstruction") or [{}])[0]
        dose = dose if isinstance(dose, dict) else {}
        q = ((dose.get("doseAndRate") or [{}])[0] or {}).get("doseQuantity") or {}
        data["dose"], data["unit"] = q.get("value"), q.get("unit")
        timing = dose.get("timing") or {}
        period = (timing.get("repeat") or {}).get("boundsPeriod") or {}
        events = timing.get("event") or []
        data["on_date"] = events[0][:10] if events else None
        mx = (dose.get("maxDosePerPeriod") or {}).get("numerator") or {}
        data["max_per_day"] = mx.get("value")
    else:
        data["name"] = (res.get("code") or {}).get("text")
        q = res.get("quantityQuantity") or {}
        data["dose"], data["unit"] = q.get("value"), q.get("unit")
        data["on_date"] = res.get("occurrenceDateTime")
        period = ((res.get("occurrenceTiming") or {}).get("repeat") or {}).get("boundsPeriod") or {}
    data["start_date"] = period.get("start") or sub.get("start")
    data["end_date"] = period.get("end") or sub.get("end")
    if not data["start_date"]:
        raise _Bad("dosageInstruction[0].timing.repeat.boundsPeriod.start", "is missing (the plan item's start)")
    return {k: v for k, v in data.items() if v is not None}


def _event(res: dict) -> dict:
    ids = _identifiers(res)
    based = _list(res, "basedOn")
    ref = based[0].get("reference") if based and isinstance(based[0], dict) else None
    if not isinstance(ref, str):
        raise _Bad("basedOn", "is missing (a dose or session needs the plan item it belongs to)")
    when = res.get("effectiveDateTime") if res["resourceType"] == "MedicationStatement" else res.get("performedDateTime")
    field = "effectiveDateTime" if res["resourceType"] == "MedicationStatement" else "performedDateTime"
    status = _ext_value(res, "event-status") or {"completed": "taken", "not-taken": "skipped",
                                                 "not-done": "skipped"}.get(res.get("status"), "done")
    data: dict[str, Any] = {"item_ref": ref, "done_at": _time(when, field, required=True),
                            "due_at": _time(_ext_value(res, "due"), "extension(due)"), "status": status,
                            "note": _note(res)}
    if res["resourceType"] == "MedicationStatement":
        dose = (_list(res, "dosage") or [{}])[0] or {}
        q = ((dose.get("doseAndRate") or [{}])[0] or {}).get("doseQuantity") or {}
        data["amount"] = q.get("value")
    else:
        data["amount"] = _ext_value(res, "amount")
    _provenance(res, ids.get(EVENT_KEY), data)
    return {k: v for k, v in data.items() if v is not None}
