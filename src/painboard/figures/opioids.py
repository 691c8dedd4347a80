"""Opioid names and dose units: what a plan item's name, route and strength say.

The versioned table (data/opioid_factors.json) is read here only."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from painboard.figures.rows import value as _get

# -- opioid names --------------------------------------------------------------------------------
# The versioned table (data/opioid_factors.json): CDC 2022 factors, brand names as aliases, the
# opioids with no factor, and route words. Names are matched as whole words, never substrings:
# dihydrocodeine is not codeine (it is absent from the 2022 table).
def opioid_table() -> dict[str, Any]:
    global _TABLE
    if _TABLE is None:
        from importlib import resources

        _TABLE = json.loads(resources.files("painboard").joinpath("data/opioid_factors.json").read_text())
    return _TABLE


_TABLE: dict[str, Any] | None = None
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
PATCH_WORDS = ("patch", "patches", "transdermal", "matrix")
TRANSMUCOSAL_WORDS = ("buccal", "sublingual", "nasal", "lozenge", "lozenges", "spray", "film", "lollipop")


@dataclass(frozen=True)
class Opioid:
    """What a plan item's name and route say: the drug of the table, its factor (None: not
    counted in OMED) and why not."""

    drug: str
    factor: float | None
    why: str | None = None  # "not in OMED" | "no factor" | "parenteral route"


def _has(words: list[str], phrase: str) -> bool:
    p = phrase.split()
    return any(words[i:i + len(p)] == p for i in range(len(words) - len(p) + 1))


@lru_cache(maxsize=512)
def resolve_opioid(name: str | None, route: str | None = None) -> Opioid | None:
    """The opioid a plan item names (generic or brand, whole words), or None if it names none."""
    t = opioid_table()
    words = _WORD.findall(str(name or "").lower())
    r = str(route or "").strip().lower()
    routes = {k: set(v) for k, v in t["routes"].items()}
    if any(_has(words, b) for b in t["transmucosal_fentanyl"]):
        return Opioid("fentanyl transmucosal", None, "not in OMED")
    for n in t["opioids_without_factor"]:
        if _has(words, n):
            return Opioid(n, None, "no factor")
    # the first drug named, generic or brand (longest phrase first: "mst continus" before "mst")
    names = {g: g for g in t["factors"] if " " not in g} | {"fentanyl": "fentanyl"} | t["aliases"]
    found = [(i, -len(k.split()), v) for k, v in names.items() for i in range(len(words))
             if words[i:i + len(k.split())] == k.split()]
    if not found:
        return None
    drug = min(found)[2]
    if drug == "fentanyl" or drug == "fentanyl transdermal":
        if drug == "fentanyl transdermal" or r in routes["transdermal"] or any(w in words for w in PATCH_WORDS):
            return Opioid("fentanyl transdermal", t["factors"]["fentanyl transdermal"])
        if r in routes["transmucosal"] or any(w in words for w in TRANSMUCOSAL_WORDS):
            return Opioid("fentanyl transmucosal", None, "not in OMED")
        if r in routes["parenteral"]:
            return Opioid("fentanyl", None, "parenteral route")
        return Opioid("fentanyl", None, "no factor")  # a patch? say --route transdermal
    if r in routes["parenteral"]:
        return Opioid(drug, None, "parenteral route")  # the table is for oral doses
    return Opioid(drug, float(t["factors"][drug]))


def opioid_factor(name: str | None, route: str | None = None) -> float | None:
    """The factor for a named opioid from the versioned table; None if it has none."""
    o = resolve_opioid(name, route)
    return o.factor if o else None

def opioid_of(item: Any) -> Opioid | None:
    """The item's opioid: its stored factor wins (set by hand or when it was added)."""
    if _get(item, "category") not in (None, "medication"):
        return None
    o = resolve_opioid(_get(item, "name"), _get(item, "route"))
    factor = _get(item, "mme_factor")
    if factor is not None:
        return Opioid(o.drug if o else str(_get(item, "name")), float(factor))
    return o



def opioid_factors() -> dict[str, float]:
    """The table's factors by drug name (CDC 2022)."""
    return {k: float(v) for k, v in opioid_table()["factors"].items()}


def is_patch(item: Any) -> bool:
    o = opioid_of(item)
    return o is not None and o.drug == "fentanyl transdermal"


# -- units ----------------------------------------------------------------------------------------
MG_PER = {"mg": 1.0, "milligram": 1.0, "milligrams": 1.0, "mcg": 0.001, "ug": 0.001, "µg": 0.001,
          "μg": 0.001, "microgram": 0.001, "micrograms": 0.001, "g": 1000.0, "gram": 1000.0, "grams": 1000.0}
RATE_UNITS = {"mcg/h", "mcg/hr", "mcg/hour", "ug/h", "µg/h", "μg/h", "microgram/h", "micrograms/h",
              "microgram/hour", "micrograms/hour", "mcg/24h"}
_STRENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zµμ]+(?:/h(?:r|our)?)?)\s*(?:(?:/|per)\s*(\d+(?:\.\d+)?)?\s*([a-z]+)?)?\s*$")


def _norm_unit(u: str | None) -> str:
    u = str(u or "").strip().lower().replace(" ", "")
    return u[:-1] if u.endswith("s") and u[:-1] in ("ml", "tablet", "capsule", "patche", "drop", "puff", "unit") else u


def parse_strength(text: str | None) -> tuple[float, str, float, str | None] | None:
    """'10 mg/5 ml' -> (10, 'mg', 5, 'ml'); '5 mg' -> (5, 'mg', 1, None); '25 mcg/h' -> (25, 'mcg/h', 1, None)."""
    m = _STRENGTH.match(str(text or "").lower())
    if not m:
        return None
    amount, unit, per, per_unit = m.groups()
    if unit.startswith(("mcg/h", "ug/h", "µg/h", "μg/h", "microgram/h")) and per is None and per_unit is None:
        return float(amount), "mcg/h", 1.0, None
    if unit not in MG_PER or (per is not None and float(per) <= 0):
        return None
    return float(amount), unit, float(per) if per else 1.0, _norm_unit(per_unit) or None


def dose_mg(amount: float | None, unit: str | None, strength: str | None = None) -> float | None:
    """A dose in mg of the drug, or None when it cannot be converted.

    Mass units convert (1 mg = 1000 mcg, 1 g = 1000 mg). Any other unit (ml, tablet, drop)
    needs the item's strength: '10 mg/5 ml' makes 5 ml 10 mg; '5 mg' is per one unit. A dose
    with no unit is taken as mg, as painboard has always stored oral doses."""
    if amount is None:
        return None
    u = _norm_unit(unit)
    if u in ("",):
        return float(amount)
    if u in MG_PER:
        return amount * MG_PER[u]
    s = parse_strength(strength)
    if s is None or s[1] not in MG_PER or (s[3] is not None and s[3] != u):
        return None
    return amount * s[0] * MG_PER[s[1]] / s[2]


def patch_rate(amount: float | None, unit: str | None, strength: str | None = None) -> float | None:
    """A patch's rate in mcg/h: the dose in mcg/h (or with no unit), else patches x strength."""
    if amount is None:
        return None
    u = _norm_unit(unit)
    if u == "" or u in RATE_UNITS:
        return float(amount)
    s = parse_strength(strength)
    if s is not None and s[1] == "mcg/h" and u in ("patch", "patche", "unit"):
        return amount * s[0]
    return None
