"""Oral morphine equivalents (OMED) of the doses taken."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Iterable

from painboard.figures.severity import half_up, shown
from painboard.figures.days import local_days as _local_days
from painboard.figures.opioids import dose_mg, opioid_of as _opioid_of, patch_rate
from painboard.figures.rows import taken as _taken, value as _get

# -- oral morphine equivalents (OMED) -----------------------------------------------------------
# OMED = the sum over doses taken of mg x factor (factors: CDC 2022 clinical practice
# guideline, data/opioid_factors.json). The amount is the dose recorded, else the item's dose,
# converted to mg first (dose_mg). A fentanyl patch counts rate (mcg/h) x factor on every local
# day it is worn, from when it was applied until the next patch of the item or PATCH_WEAR_HOURS
# (72 h, the labelled wear time of Durogesic and generic matrix patches); a day on which two
# patches are worn (a change) counts the later one only. A dose that cannot be converted counts
# nothing and is listed in ``not_counted``. The CDC's 50/90 alert levels exclude cancer care
# and are never shown.
PATCH_WEAR_HOURS = 72


def dose_omed(event: dict[str, Any], item: Any) -> float | None:
    """One taken dose in mg of oral morphine, or None when it has no factor or cannot be converted."""
    return _dose_omed(_opioid_of(item), event["amount"], item)


def _dose_omed(o: Any, amount: float | None, item: Any) -> float | None:
    """dose_omed with the item's opioid already found (omed finds it once per item)."""
    amount = amount if amount is not None else _get(item, "dose")
    if o is None or o.factor is None:
        return None
    if o.drug == "fentanyl transdermal":
        rate = patch_rate(amount, _get(item, "unit"), _get(item, "strength"))
        return None if rate is None else rate * o.factor
    mg = dose_mg(amount, _get(item, "unit"), _get(item, "strength"))
    return None if mg is None else mg * o.factor


@dataclass
class Omed:
    """Oral morphine equivalents of the doses taken: a total in mg, per day, per drug, and the
    items whose doses were not counted with the reason (unit, no factor, not in OMED, ...)."""

    unit: str = "mg"
    per_day: dict[date, float] = field(default_factory=dict)
    per_drug: dict[str, float] = field(default_factory=dict)
    doses: int = 0  # doses counted (a patch once per day worn)
    per_day_drug: dict[date, dict[str, float]] = field(default_factory=dict)
    not_counted: dict[str, str] = field(default_factory=dict)  # item name -> why
    not_counted_doses: int = 0

    @property
    def total(self) -> float | None:
        return sum(self.per_day.values()) if self.doses else None

    def add(self, day: date, name: str, mg: float) -> None:
        self.per_day[day] = self.per_day.get(day, 0.0) + mg
        self.per_drug[name] = self.per_drug.get(name, 0.0) + mg
        by = self.per_day_drug.setdefault(day, {})
        by[name] = by.get(name, 0.0) + mg
        self.doses += 1

    def period(self) -> dict[str, Any] | None:
        """A period's daily OMED in one statistic on every face (clinical.md, "Daily figures"):
        the mean over the days with a dose counted, with the range, each half up to 0.1 mg.
        The mean, not the median, because the radiation baseline and weeks compare means of
        daily OMED (ICE): the figure a reader sets beside them is the same kind. None: no dose."""
        if not self.per_day:
            return None
        vals = list(self.per_day.values())
        return {"mean": half_up(sum(vals) / len(vals), 1), "min": half_up(min(vals), 1),
                "max": half_up(max(vals), 1), "days": len(vals)}

    def period_words(self, n_days: int) -> str:
        """'mean 11.3 mg a day on 2 of 7 days (range 7.5 to 15)' or ''."""
        p = self.period()
        if p is None:
            return ""
        return (f"mean {shown(p['mean'])} mg a day on {p['days']} of {n_days} day{'' if n_days == 1 else 's'} "
                f"(range {shown(p['min'])} to {shown(p['max'])})")

    def not_counted_words(self) -> str:
        """'not counted (unit): Oramorph; not in OMED: Abstral' or ''."""
        by: dict[str, list[str]] = {}
        for name, why in sorted(self.not_counted.items()):
            by.setdefault(why, []).append(name)
        return "; ".join((f"{why}: " if why == "not in OMED" else f"not counted ({why}): ") + ", ".join(names)
                         for why, names in by.items())



def omed(events: Iterable[dict[str, Any]], items: Iterable[Any], tz: tzinfo,
         days: tuple[date, date] | None = None) -> Omed:
    """OMED of the taken doses, per local day and per drug (only days with a counted dose).

    ``days`` (start, end exclusive) keeps only those days: pass events from PATCH_WEAR_HOURS
    before the start so a patch applied earlier counts on the days it is still worn."""
    by_id = {_get(i, "id"): i for i in items}
    # Each item's opioid, name and dose in mg worked out once, not once per dose taken.
    opioids = {k: _opioid_of(i) for k, i in by_id.items()}
    names = {k: str(_get(i, "name")) for k, i in by_id.items()}
    mgs: dict[tuple[Any, Any], float | None] = {}
    out = Omed()
    keep = (lambda d: days[0] <= d < days[1]) if days else (lambda d: True)
    patches: dict[Any, list[tuple[datetime, float]]] = {}
    for e in sorted(_taken(events), key=lambda e: e["done_at"]):
        item_id = e["item_id"]
        o = opioids.get(item_id)
        if o is None:
            continue
        item = by_id[item_id]
        day = e["done_at"].astimezone(tz).date()
        name = names[item_id]
        key = (item_id, e["amount"])
        if key not in mgs:
            mgs[key] = _dose_omed(o, e["amount"], item)
        mg = mgs[key]
        if mg is None:
            if keep(day):
                out.not_counted[name] = o.why or "unit"
                out.not_counted_doses += 1
            continue
        if o.drug == "fentanyl transdermal":
            patches.setdefault(_get(item, "id"), []).append((e["done_at"], mg))
            continue
        if keep(day):
            out.add(day, name, mg)
    for item_id, applied in patches.items():
        name = str(_get(by_id[item_id], "name"))
        worn: dict[date, float] = {}
        for i, (on, mg) in enumerate(applied):
            off = on + timedelta(hours=PATCH_WEAR_HOURS)
            if i + 1 < len(applied):
                off = min(off, applied[i + 1][0])
            if off <= on:
                continue
            for d in _local_days(on, off, tz):
                worn[d] = mg  # the later patch of a change day wins
        for d in sorted(worn):
            if keep(d):
                out.add(d, name, worn[d])
    return out


def omed_per_day(events: Iterable[dict[str, Any]], items: Iterable[Any], tz: tzinfo) -> dict[date, float]:
    """OMED in mg per local day, oldest first (days with a counted dose only)."""
    return dict(sorted(omed(events, items, tz).per_day.items()))

def omed_note(item: Any) -> str | None:
    """Why an item that looks like an opioid will not count in OMED, in words, or None."""
    o = _opioid_of(item)
    if o is None:
        return None
    name = _get(item, "name")
    if o.factor is None:
        if o.why == "not in OMED":
            return (f"{name} is transmucosal fentanyl: its doses count as rescue doses, "
                    "not in OMED (the 2022 table has no factor for it)")
        if o.why == "parenteral route":
            return f"{name} is given by a parenteral route: the oral table has no factor, not counted in OMED"
        if o.drug == "fentanyl":
            return (f"{name} looks like an opioid with no factor: not counted in OMED "
                    "(for a patch give --route transdermal)")
        return f"{name} looks like an opioid with no factor ({o.drug}): not counted in OMED"
    dose, unit, strength = _get(item, "dose"), _get(item, "unit"), _get(item, "strength")
    if dose is not None and dose_omed({"amount": None}, item) is None:
        return (f"{name}: doses in {unit!r} cannot be converted to mg, so they are not counted in OMED "
                "(give --strength like '10 mg/5 ml')")
    return None
