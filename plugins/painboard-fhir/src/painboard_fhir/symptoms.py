"""Symptoms as FHIR Observations (issue 20): the name as code.text (no SNOMED code: none was
confirmed for these names, so text only), the severity as valueCodeableConcept text, the kind
and, for a warning sign, when and to whom it was reported, as components."""

from __future__ import annotations

from typing import Any

from painboard_fhir.codes import SYMPTOM_KEY, code, ext, full_url

KIND_TEXT = {"warning_sign": "Warning sign on the care team's list",
             "side_effect": "Side effect", "own_words": "Symptom in the person's own words"}


def symptom_observation(w: Any, s: dict) -> dict:
    """One symptom row as a Bundle entry (w: the export's Writer)."""
    comps = [{"code": code("symptom-kind", "Kind of symptom"), "valueString": KIND_TEXT[s["kind"]]}]
    if s.get("reported_at") is not None:
        comps.append({"code": code("reported-at", "Reported to the care team at"),
                      "valueDateTime": w.when(s["reported_at"])})
        comps.append({"code": code("reported-to", "Reported to"), "valueString": s.get("reported_to")})
    res = {
        "resourceType": "Observation",
        "extension": [ext("source", valueString=s.get("source"))],
        "identifier": [{"system": SYMPTOM_KEY, "value": s["key"]}],
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "survey", "display": "Survey"}]}],
        "code": {"text": s["name"]},
        "subject": w.subject(),
        "effectiveDateTime": w.when(s["occurred_at"]),
        "issued": w.when(s["recorded_at"]),
        "performer": [w.subject()],
        "valueCodeableConcept": {"text": s["severity"]} if s.get("severity") else None,
        "note": [{"text": s.get("note")}],
        "component": comps,
    }
    return w.entry(full_url("symptom", s["key"]), res, (SYMPTOM_KEY, s["key"]))


KIND_OF_TEXT = {text: kind for kind, text in KIND_TEXT.items()}


def symptom_data(res: dict, key: str) -> dict:
    """A symptom Observation painboard wrote, back as a symptom row (the round trip). Another
    system's symptom Observation has no painboard key and is not read: its codes are not ours."""
    from painboard_fhir import importer as imp

    name = (res.get("code") or {}).get("text")
    if not isinstance(name, str) or not name.strip():
        raise imp._Bad("code.text", "is missing (a symptom's name)")
    data: dict[str, Any] = {
        "name": name, "key": key,
        "occurred_at": imp._time(res.get("effectiveDateTime"), "effectiveDateTime", required=True),
        "note": imp._note(res)}
    if res.get("issued") is not None:
        data["recorded_at"] = imp._time(res["issued"], "issued")
    sev = res.get("valueCodeableConcept")
    if sev is not None:
        data["severity"] = sev.get("text") if isinstance(sev, dict) else sev
    for cname, kind, v, i in imp._components(res):
        if cname == "symptom-kind":
            data["kind"] = KIND_OF_TEXT.get(v, "own_words") if isinstance(v, str) else "own_words"
        elif cname == "reported-at":
            data["reported_at"] = imp._comp_value(kind, v, i)
        elif cname == "reported-to":
            data["reported_to"] = imp._comp_value(kind, v, i)
    imp._provenance(res, key, data)
    return data
