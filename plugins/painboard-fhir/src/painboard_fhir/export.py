"""The period as a FHIR R4 Bundle: Patient, Observations, MedicationRequest / ServiceRequest,
MedicationStatement and Procedure. The resource shapes are described in the README.

Options (``painboard export fhir -O KEY=VALUE``):
  patient=Patient/123   reference an existing patient instead of writing a Patient resource
                        (also PAINBOARD_FHIR_PATIENT)
  name=TEXT             the written Patient's name
  bundle=transaction    a transaction Bundle (POST with ifNoneExist) instead of a collection
"""

from __future__ import annotations

import io
import json
import os
import re
from datetime import date, datetime, time
from typing import Any, BinaryIO, Iterator
from urllib.parse import quote

from painboard.errors import BadInput
from painboard.models import INTERFERENCE_DOMAINS, PlanItem, utcnow
from painboard.plugins import PeriodView
from painboard.recurrence import Recurrence

from painboard_fhir.symptoms import symptom_observation
from painboard_fhir.codes import (ENTRY_KEY, EPISODE_KEY, EVENT_KEY, LOINC, OBS_CATEGORY, PAIN_CODE,
                                  PAIN_DISPLAY, PATIENT_ID, PLAN_ITEM, QUALITY_SNOMED, REVIEW_DAY,
                                  SITE_SNOMED, UCUM, clean, code, concept, ext, full_url, quantity)

ENV_PATIENT = "PAINBOARD_FHIR_PATIENT"
_REFERENCE = re.compile(r"Patient/[A-Za-z0-9\-.]{1,64}")
SURVEY = [{"coding": [{"system": OBS_CATEGORY, "code": "survey", "display": "Survey"}]}]
MEDICATION_CATEGORIES = ("medication", "bone_strengthening")
EVENT_STATUS = {"taken": "completed", "done": "completed", "skipped": "not-taken", "missed": "not-taken"}
PROCEDURE_STATUS = {"taken": "completed", "done": "completed", "skipped": "not-done", "missed": "not-done"}
REQUEST_STATUS = {"active": "active", "stopped": "revoked", "completed": "completed"}
_FREQ_UNIT = {"HOURLY": "h", "DAILY": "d", "WEEKLY": "wk", "MONTHLY": "mo", "YEARLY": "a"}
_DAYS = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri", "SA": "sat", "SU": "sun"}


def is_medication(item: PlanItem) -> bool:
    """Medicines become MedicationRequests; radiation, procedures and one-off supportive
    items (a dental review) become ServiceRequests, and what was done for them Procedures."""
    return item.category in MEDICATION_CATEGORIES or (
        item.category == "supportive" and item.kind in ("scheduled", "as_needed"))


class Writer:
    def __init__(self, view: PeriodView):
        self.view = view
        self.tz = view.tz
        opts = dict(view.options)  # only the declared settings reach here (painboard checks)
        self.bundle_type = opts.get("bundle", "collection").strip().lower()
        if self.bundle_type not in ("collection", "transaction"):
            raise BadInput(f"must be collection or transaction (got {self.bundle_type!r})", field="bundle")
        ref = (opts.get("patient") or os.environ.get(ENV_PATIENT) or "").strip()
        if ref and not _REFERENCE.fullmatch(ref):
            raise BadInput(f"{ref!r} is not a patient reference like Patient/123 "
                           "(letters, digits, '-' and '.', at most 64)", field="patient")
        self.patient_name = (opts.get("name") or "").strip() or None
        self.patient_ref = ref or full_url("patient", "self")
        self.write_patient = not ref

    # -- values ------------------------------------------------------------------------
    def when(self, dt: datetime | None) -> str | None:
        """A FHIR dateTime in the user's local offset (never without one)."""
        return None if dt is None else dt.astimezone(self.tz).isoformat()

    def subject(self) -> dict:
        return {"reference": self.patient_ref}

    def entry(self, url: str, resource: dict, ident: tuple[str, str] | None) -> dict:
        e: dict[str, Any] = {"fullUrl": url, "resource": clean(resource)}
        if self.bundle_type == "transaction":
            req = {"method": "POST", "url": resource["resourceType"]}
            if ident:  # conditional create: posting the same export twice adds nothing
                req["ifNoneExist"] = f"identifier={search_escape(ident[0])}|{search_escape(ident[1])}"
            e["request"] = req
        return e

    # -- resources ---------------------------------------------------------------------
    def patient(self) -> dict:
        ident = (PATIENT_ID, "self")
        res = {"resourceType": "Patient", "identifier": [{"system": ident[0], "value": ident[1]}],
               "active": True, "name": [{"text": self.patient_name}] if self.patient_name else None}
        return self.entry(self.patient_ref, res, ident)

    def pain(self, e: dict) -> dict:
        comps = [comp("site", "Pain site", valueCodeableConcept=concept(s, SITE_SNOMED)) for s in e["sites"]]
        comps += [comp("quality", "Pain quality", valueCodeableConcept=concept(q, QUALITY_SNOMED))
                  for q in e["qualities"]]
        comps.append(comp("pattern", "Pain pattern", valueString=e.get("pattern")))
        comps.append(comp("activity", "Activity at onset", valueString=e.get("activity")))
        comps += [comp("worse", "Made worse by", valueString=w) for w in e["worse"]]
        comps += [comp("better", "Made better by", valueString=b) for b in e["better"]]
        comps.append(comp("duration", "Duration", valueQuantity=quantity(e.get("duration_min"), "min")))
        if e.get("derived"):
            comps.append(comp("original-level", "Level as recorded (the score was derived from it)",
                              valueString=e.get("original_level") or "unknown"))
        res = {
            "resourceType": "Observation",
            "extension": [ext("source", valueString=e.get("source")),
                          ext("derived", valueBoolean=True if e.get("derived") else None)],
            "identifier": [{"system": ENTRY_KEY, "value": e["key"]}],
            "status": "final",
            "category": SURVEY,
            "code": {"coding": [{"system": LOINC, "code": PAIN_CODE, "display": PAIN_DISPLAY}],
                     "text": "Pain severity 0-10"},
            "subject": self.subject(),
            "effectiveDateTime": self.when(e["occurred_at"]),
            "issued": self.when(e["recorded_at"]),
            "performer": [self.subject()],
            # valueInteger (0-10); LOINC's answer codes would need valueCodeableConcept instead
            "valueInteger": int(e["intensity"]),
            "note": [{"text": e.get("note")}],
            "bodySite": concept(e["sites"][0], SITE_SNOMED) if e["sites"] else None,
            "component": comps,
        }
        return self.entry(full_url("entry", e["key"]), res, (ENTRY_KEY, e["key"]))

    def episode(self, ep: dict, event_urls: dict[int, str]) -> dict:
        rescue = event_urls.get(ep.get("rescue_event_id"))
        res = {
            "resourceType": "Observation",
            "extension": [ext("source", valueString=ep.get("source")),
                          ext("rescue-dose", valueReference={"reference": rescue} if rescue else None)],
            "identifier": [{"system": EPISODE_KEY, "value": ep["key"]}],
            "status": "final",
            "category": SURVEY,
            "code": code("breakthrough-episode", "Breakthrough pain episode (peak pain 0-10)"),
            "subject": self.subject(),
            "effectivePeriod": {"start": self.when(ep["onset"]), "end": self.when(ep.get("end_at"))},
            "issued": self.when(ep["recorded_at"]),
            "performer": [self.subject()],
            "valueInteger": int(ep["peak"]),
            "note": [{"text": ep.get("note")}],
            "bodySite": concept(ep.get("site"), SITE_SNOMED),
            "component": [
                comp("peak-time", "Time of peak", valueDateTime=self.when(ep.get("peak_at"))),
                comp("background", "Background pain 0-10", valueInteger=ep.get("background")),
                comp("type", "Episode type", valueString=ep.get("type")),
                comp("trigger", "Trigger", valueString=ep.get("trigger")),
                comp("site", "Pain site", valueCodeableConcept=concept(ep.get("site"), SITE_SNOMED)),
                comp("quality", "Pain quality", valueCodeableConcept=concept(ep.get("quality"), QUALITY_SNOMED)),
                comp("relief-time", "Minutes to relief", valueQuantity=quantity(ep.get("relief_min"), "min")),
                comp("activity-abandoned", "Activity abandoned", valueBoolean=ep.get("activity_abandoned")),
            ],
        }
        return self.entry(full_url("episode", ep["key"]), res, (EPISODE_KEY, ep["key"]))

    def review(self, r: dict) -> dict:
        day: date = r["day"]
        start = datetime.combine(day, time(0), self.tz)
        end = datetime.combine(date.fromordinal(day.toordinal() + 1), time(0), self.tz)
        comps = [comp(k, label, valueInteger=r.get(k)) for k, label in
                 (("worst", "Worst pain in the last 24 hours 0-10"), ("least", "Least pain in the last 24 hours 0-10"),
                  ("average", "Average pain 0-10"), ("now", "Pain right now 0-10"))]
        comps.append(comp("relief", "Relief from treatment", valueQuantity=quantity(r.get("relief_pct"), "%")))
        for k, label in INTERFERENCE_DOMAINS.items():
            comps.append(comp(f"interference-{k}", f"Interference 0-10: {label}",
                              valueInteger=(r.get("interference") or {}).get(k)))
        res = {
            "resourceType": "Observation",
            "identifier": [{"system": REVIEW_DAY, "value": day.isoformat()}],
            "status": "final",
            "category": SURVEY,
            "code": code("daily-review", "Daily pain review"),
            "subject": self.subject(),
            "effectivePeriod": {"start": start.isoformat(), "end": end.isoformat()},
            "issued": self.when(r["recorded_at"]),
            "performer": [self.subject()],
            "note": [{"text": r.get("note")}],
            "component": comps,
        }
        return self.entry(full_url("review", day.isoformat()), res, (REVIEW_DAY, day.isoformat()))

    def plan_item(self, it: PlanItem) -> tuple[str, dict]:
        ident = plan_item_key(it)
        url = full_url("plan-item", ident)
        extension = [{"url": PLAN_EXT, "extension": [
            sub("category", valueCode=it.category), sub("kind", valueCode=it.kind),
            sub("rrule", valueString=it.rrule if _rule(it) else None), sub("sessions", valuePositiveInt=it.sessions),
            sub("route", valueString=it.route), sub("mme-factor", valueDecimal=it.mme_factor)]}]
        common = {"extension": extension, "identifier": [{"system": PLAN_ITEM, "value": ident}],
                  "intent": "plan", "subject": self.subject(), "note": [{"text": it.note}]}
        if is_medication(it):
            res = {"resourceType": "MedicationRequest", **common,
                   "status": it.status,  # active | stopped | completed: the same words in FHIR
                   "medicationCodeableConcept": {"text": it.name},
                   "dosageInstruction": [dosage(it)]}
        else:
            res = {"resourceType": "ServiceRequest", **common, "status": REQUEST_STATUS[it.status],
                   "code": {"text": it.name}, "quantityQuantity": quantity(it.dose, it.unit),
                   "occurrenceDateTime": it.on_date.isoformat() if it.on_date else None,
                   "occurrenceTiming": None if it.on_date else {"repeat": clean(
                       {**(timing_repeat(it) or {}), "boundsPeriod": bounds(it)})},
                   "authoredOn": it.start_date.isoformat()}
            if it.on_date:  # the plan's span rides on the extension: ServiceRequest has no field for it
                extension[0]["extension"] += [sub("start", valueDate=it.start_date.isoformat()),
                                              sub("end", valueDate=it.end_date.isoformat() if it.end_date else None)]
        return url, self.entry(url, res, (PLAN_ITEM, ident))

    def event(self, ev: dict, item: PlanItem, item_url: str) -> dict:
        status = ev["status"]
        common = {
            "extension": [ext("event-status", valueCode=status), ext("source", valueString=ev.get("source")),
                          ext("due", valueDateTime=self.when(ev.get("due_at")))],
            "identifier": [{"system": EVENT_KEY, "value": ev["key"]}],
            "basedOn": [{"reference": item_url}],
            "subject": self.subject(),
            "note": [{"text": ev.get("note")}],
        }
        if is_medication(item):
            res = {"resourceType": "MedicationStatement", **common,
                   "status": EVENT_STATUS[status],
                   "statusReason": [{"text": status}] if EVENT_STATUS[status] == "not-taken" else None,
                   "medicationCodeableConcept": {"text": item.name},
                   "effectiveDateTime": self.when(ev["done_at"]),
                   "informationSource": self.subject(),  # patient-reported
                   "dosage": [{"doseAndRate": [{"doseQuantity": quantity(ev.get("amount"), item.unit)}]}]}
        else:
            common["extension"].append(ext("amount", valueDecimal=ev.get("amount")))
            res = {"resourceType": "Procedure", **common,
                   "status": PROCEDURE_STATUS[status],
                   "statusReason": {"text": status} if PROCEDURE_STATUS[status] == "not-done" else None,
                   "code": {"text": item.label()},
                   "performedDateTime": self.when(ev["done_at"])}
        return self.entry(full_url("event", ev["key"]), res, (EVENT_KEY, ev["key"]))

    # -- the bundle --------------------------------------------------------------------
    def entries(self) -> Iterator[dict]:
        view = self.view
        if self.write_patient:
            yield self.patient()
        items = view.plan_items()
        item_urls: dict[int, str] = {}
        for it in items:
            url, entry = self.plan_item(it)
            item_urls[it.id] = url  # type: ignore[index]
            yield entry
        by_id = {it.id: it for it in items}
        event_urls: dict[int, str] = {}
        for ev in view.events():
            it = by_id.get(ev["item_id"])
            if it is None:
                continue
            event_urls[ev["id"]] = full_url("event", ev["key"])
            yield self.event(ev, it, item_urls[it.id])  # type: ignore[index]
        for e in view.iter_entries():
            yield self.pain(e)
        for ep in view.episodes():
            yield self.episode(ep, event_urls)
        for r in view.reviews():
            yield self.review(r)
        symptoms = getattr(view, "symptoms", None)  # a painboard from before issue 20 has none
        for s in sorted(symptoms() if symptoms else [], key=lambda s: s["kind"] != "warning_sign"):
            yield symptom_observation(self, s)  # warning signs first


PLAN_EXT = "urn:painboard:fhir:extension:plan-item"


def plan_item_key(it: PlanItem) -> str:
    """What makes a plan item the same one on re-import (as painboard matches them)."""
    return f"{it.category}/{it.kind}/{it.start_date.isoformat()}/{it.name}"


def search_escape(value: str) -> str:
    """A token for a FHIR search parameter: '\\', '|', ',' and '$' escaped with a backslash
    (FHIR R4 search, "Escaping Search Parameters"), then percent-encoded for the URL."""
    for ch in "\\|,$":
        value = value.replace(ch, "\\" + ch)
    return quote(value, safe=":")


def sub(name: str, **value: Any) -> dict | None:
    """A part of the complex plan-item extension: its url is a bare name, as FHIR asks."""
    e = ext(name, **value)
    return None if e is None else {**e, "url": name}


def comp(c: str, text: str, **value: Any) -> dict | None:
    (kind, v), = value.items()
    if v is None or v == "":
        return None
    return {"code": code(c, text), kind: v}


def bounds(it: PlanItem) -> dict:
    return {"start": it.start_date.isoformat(), "end": it.end_date.isoformat() if it.end_date else None}


def _rule(it: PlanItem) -> Recurrence | None:
    """The item's parsed rule; None without one, or for a stored rule that cannot be read."""
    if not it.rrule or it.schedule_problem:
        return None
    return Recurrence.parse(it.rrule)


def timing_repeat(it: PlanItem) -> dict | None:
    """Timing.repeat from an RRULE where it maps (FREQ, INTERVAL, BYHOUR/BYMINUTE, BYDAY,
    COUNT); None where it does not, and the rule then goes as text."""
    rec = _rule(it)
    mapped = {"freq", "interval", "byhour", "byminute", "byday", "count"}
    if rec is None or rec.freq not in _FREQ_UNIT or any(getattr(rec, f) for f in rec.__dataclass_fields__
                                                        if f not in mapped):
        return None
    if any(n for n, _ in rec.byday):
        return None  # "1MO" (first Monday of the month) has no Timing form
    times = sorted(f"{h:02d}:{m:02d}:00" for h in rec.byhour for m in (rec.byminute or (0,)))
    count = rec.count or (it.sessions if it.kind == "course" and it.sessions else None)
    return {"count": count, "frequency": len(times) or 1, "period": rec.interval,
            "periodUnit": _FREQ_UNIT[rec.freq],
            "dayOfWeek": [_DAYS[d] for _, d in rec.byday], "timeOfDay": times}


def dosage(it: PlanItem) -> dict:
    repeat = timing_repeat(it)
    when = (f"as needed, at most {it.max_per_day} a day" if it.kind == "as_needed" else
            f"on {it.on_date.isoformat()}" if it.on_date else
            "" if repeat or not _rule(it) else f"RRULE:{it.rrule}")
    d: dict[str, Any] = {
        "text": ", ".join(x for x in (it.label(), it.route, when) if x),
        "timing": {"repeat": {**(repeat or {}),
                              "boundsPeriod": bounds(it)} if not it.on_date else None,
                   "event": [it.on_date.isoformat()] if it.on_date else None,
                   "code": {"text": f"RRULE:{it.rrule}"} if _rule(it) and not repeat else None},
        "asNeededBoolean": True if it.kind == "as_needed" else None,
        "route": {"text": it.route} if it.route else None,
        "doseAndRate": [{"doseQuantity": quantity(it.dose, it.unit)}],
        "maxDosePerPeriod": {"numerator": {"value": it.max_per_day, "unit": "doses"},
                             "denominator": {"value": 1, "unit": "day", "system": UCUM, "code": "d"}}
        if it.max_per_day else None,
    }
    if it.on_date:  # a one-off medicine: its plan span on the extension, as for ServiceRequest
        d["timing"]["repeat"] = {"boundsPeriod": bounds(it)}
    return d


def write_bundle(view: PeriodView, out: BinaryIO) -> int:
    """Stream the Bundle: one entry per line, and no ``entry`` at all for an empty period."""
    w = Writer(view)  # options are checked before anything is written
    text = io.TextIOWrapper(out, encoding="utf-8", newline="\n")
    head = {"resourceType": "Bundle", "identifier": None, "type": w.bundle_type,
            "timestamp": utcnow().astimezone(view.tz).isoformat()}
    text.write(json.dumps(clean(head), ensure_ascii=False)[:-1])
    n = 0
    for entry in w.entries():
        text.write((',\n"entry": [\n' if n == 0 else ",\n") + json.dumps(entry, ensure_ascii=False))
        n += 1
    text.write("\n]}\n" if n else "}\n")
    text.flush()
    text.detach()
    return n
