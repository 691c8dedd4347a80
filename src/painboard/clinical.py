"""Every clinical figure painboard shows, computed in one place over plain rows.

Plain Python with no third-party imports (no duckdb, no pydantic), so the dashboard's first
frame can use it. The Today panel, the metrics, the visit summary and the CLI all call these
functions; none of them repeats the arithmetic. Rows are dicts or objects with the same field
names (plan items: id, kind, category, status, dose, max_per_day, mme_factor, name; plan
events: item_id, status, amount, done_at, due_at). The figures inform; none of them is advice.
Sources are named beside each figure; docs/clinical.md explains them in our own words.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
import json
import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, Iterable, Iterator

# -- severity ---------------------------------------------------------------------------------
# 0-10 severity bands on the worst-pain item (Serlin et al., Pain 1995): 1-4 mild,
# 5-6 moderate, 7-10 severe. Background pain counts as controlled at 4/10 or less
# (Davies et al., 2009).
CONTROLLED_MAX = 4
SEVERE_MIN = 7

# More than about 4 rescue doses a day: the usual signal worth raising with the care team
# (NCCN and ESMO-derived summaries).
RESCUE_DOSES_MARKER = 4


def severity_band(score: float | int | None) -> str:
    """The band a 0-10 score falls in: none (no score), nil, mild, moderate or severe."""
    if score is None:
        return "none"
    if score >= SEVERE_MIN:
        return "severe"
    if score > CONTROLLED_MAX:
        return "moderate"
    return "mild" if score >= 1 else "nil"


def severity_level(score: float | None) -> str:
    """A metric's level for a pain score: ok up to controlled, watch, alert from severe."""
    if score is None or score <= CONTROLLED_MAX:
        return "ok"
    return "alert" if score >= SEVERE_MIN else "watch"


# -- rows ------------------------------------------------------------------------------------
def _get(row: Any, key: str) -> Any:
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


def is_rescue_item(item: Any) -> bool:
    """An as-needed opioid (a factor, or a name the opioid table knows, such as buccal fentanyl
    that has no factor): what the rescue-dose figures are about. Paracetamol is not one."""
    return (_get(item, "kind") == "as_needed" and _get(item, "category") == "medication"
            and _opioid_of(item) is not None)


def rescue_items(items: Iterable[Any]) -> dict[int, Any]:
    """The rescue items among plan items, by id."""
    return {_get(i, "id"): i for i in items if is_rescue_item(i)}


def _taken(events: Iterable[dict[str, Any]]) -> Iterator:
    return (e for e in events if e["status"] == "taken")


# -- rescue doses ------------------------------------------------------------------------------
def rescue_doses(events: Iterable[dict[str, Any]], items: Iterable[Any]) -> list[dict[str, Any]]:
    """The events that are rescue doses taken."""
    rescue = rescue_items(items)
    return [e for e in _taken(events) if e["item_id"] in rescue]


def rescue_doses_per_day(events: Iterable[dict[str, Any]], items: Iterable[Any], tz: tzinfo) -> Counter:
    """Rescue doses taken per local day."""
    return Counter(e["done_at"].astimezone(tz).date() for e in rescue_doses(events, items))


def daily_cap(items: Iterable[Any]) -> int | None:
    """The plan's daily maximum of rescue doses: the active rescue items' caps added, or None."""
    caps = [_get(i, "max_per_day") for i in items
            if is_rescue_item(i) and _get(i, "status") == "active" and _get(i, "max_per_day")]
    return sum(caps) if caps else None


def over_rescue_marker(n: int) -> bool:
    return n > RESCUE_DOSES_MARKER


def rescue_marker_days(per_day: dict[date, int], days: Iterable[date] | None = None) -> list[date]:
    """The days (of ``days``) with more rescue doses than the marker, oldest first."""
    keep = set(days) if days is not None else None
    return sorted(d for d, n in per_day.items() if over_rescue_marker(n) and (keep is None or d in keep))


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


def _opioid_of(item: Any) -> Opioid | None:
    """The item's opioid: its stored factor wins (set by hand or when it was added)."""
    if _get(item, "category") not in (None, "medication"):
        return None
    o = resolve_opioid(_get(item, "name"), _get(item, "route"))
    factor = _get(item, "mme_factor")
    if factor is not None:
        return Opioid(o.drug if o else str(_get(item, "name")), float(factor))
    return o


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


def is_patch(item: Any) -> bool:
    o = _opioid_of(item)
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
    o = _opioid_of(item)
    amount = event["amount"] if event["amount"] is not None else _get(item, "dose")
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

    def not_counted_words(self) -> str:
        """'not counted (unit): Oramorph; not in OMED: Abstral' or ''."""
        by: dict[str, list[str]] = {}
        for name, why in sorted(self.not_counted.items()):
            by.setdefault(why, []).append(name)
        return "; ".join((f"{why}: " if why == "not in OMED" else f"not counted ({why}): ") + ", ".join(names)
                         for why, names in by.items())


def _local_days(lo: datetime, hi: datetime, tz: tzinfo) -> list[date]:
    """The local days [lo, hi) touches."""
    first, last = lo.astimezone(tz).date(), (hi - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def omed(events: Iterable[dict[str, Any]], items: Iterable[Any], tz: tzinfo,
         days: tuple[date, date] | None = None) -> Omed:
    """OMED of the taken doses, per local day and per drug (only days with a counted dose).

    ``days`` (start, end exclusive) keeps only those days: pass events from PATCH_WEAR_HOURS
    before the start so a patch applied earlier counts on the days it is still worn."""
    by_id = {_get(i, "id"): i for i in items}
    out = Omed()
    keep = (lambda d: days[0] <= d < days[1]) if days else (lambda d: True)
    patches: dict[Any, list[tuple[datetime, float]]] = {}
    for e in sorted(_taken(events), key=lambda e: e["done_at"]):
        item = by_id.get(e["item_id"])
        o = None if item is None else _opioid_of(item)
        if o is None:
            continue
        day = e["done_at"].astimezone(tz).date()
        name = str(_get(item, "name"))
        mg = dose_omed(e, item)
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


# -- adherence -------------------------------------------------------------------------------------
# A dose recorded from anywhere (the command line, the dashboard, an import) belongs to the
# scheduled due time nearest to when it was taken, if it is within that due time's window:
# 3 hours either side, or half the gap to the neighbouring due time when doses are closer
# (every 4 h: 2 h), so each moment belongs to one due time at most.
DOSE_WINDOW = timedelta(hours=3)


def _window(slots: list[datetime], i: int) -> timedelta:
    gaps = [slots[i] - slots[i - 1]] if i > 0 else []
    gaps += [slots[i + 1] - slots[i]] if i + 1 < len(slots) else []
    return min([DOSE_WINDOW] + [g / 2 for g in gaps])


def match_due(item: Any, at: datetime, recorded: Iterable[datetime], tz: tzinfo) -> tuple[str, datetime | None]:
    """The due time a dose taken at ``at`` belongs to, and whether it is still open:
    ("open", due), ("recorded", due) when something is already recorded for it, or
    ("none", None) for a dose far from every due time (kept, but outside adherence).
    ``item`` lists its due times (``occurrences``); only scheduled items have any."""
    if _get(item, "kind") != "scheduled":
        return "none", None
    slots = sorted(item.occurrences(at - timedelta(days=2), at + timedelta(days=2), tz))
    near = [(abs(at - s), s) for i, s in enumerate(slots) if abs(at - s) <= _window(slots, i)]
    if not near:
        return "none", None
    due = min(near)[1]
    taken = {r.astimezone(timezone.utc) for r in recorded}
    return ("recorded" if due in taken else "open"), due


def adherence(items: Iterable[Any], events_due: Iterable[dict[str, Any]], lo: datetime, hi: datetime,
              tz: tzinfo, days: list[date]) -> dict[str, Any]:
    """Scheduled medication doses due in [lo, hi) and what was recorded for them.

    ``items`` are plan items that can list their due times (``occurrences``); ``events_due``
    the events recorded against a due time; ``days`` the period's days for the series."""
    recorded = {(e["item_id"], e["due_at"].astimezone(timezone.utc)): e["status"]
                for e in events_due if e["due_at"] is not None}
    counts = Counter()
    per_day: dict[date, list[int]] = {d: [0, 0] for d in days}
    for it in items:
        if it.kind != "scheduled" or it.category != "medication" or lo >= hi:
            continue
        for t in it.occurrences(lo, hi, tz):
            counts["due"] += 1
            status = recorded.get((it.id, t))
            day = t.astimezone(tz).date()
            per_day.setdefault(day, [0, 0])[1] += 1
            if status in ("taken", "skipped", "missed"):
                counts[status] += 1
            if status == "taken":
                per_day[day][0] += 1
    due, taken = counts["due"], counts["taken"]
    series = [None if per_day[d][1] == 0 else round(100 * per_day[d][0] / per_day[d][1], 1) for d in days]
    return {"due": due, "taken": taken, "skipped": counts["skipped"], "missed": counts["missed"],
            "not_recorded": due - taken - counts["skipped"] - counts["missed"],
            "pct": round(100 * taken / due, 1) if due else None, "series": series}


# -- bone-strengthening drugs ------------------------------------------------------------------------
# The next dose is due one interval after the last dose given (ASCO guidance on bone-modifying
# agents gives the intervals: every 3-4 or 12 weeks): a late infusion moves the next date.
# The interval is the plan item's rule (FREQ and INTERVAL, RFC 5545).
def _add_months(d: date, n: int) -> date:
    import calendar

    y, m = divmod(d.month - 1 + n, 12)
    y, m = d.year + y, m + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def rule_interval_after(rule: str | None, day: date) -> date | None:
    """The date one interval of ``rule`` after ``day`` ('FREQ=WEEKLY;INTERVAL=4': 28 days)."""
    from painboard.recurrence import Recurrence, RuleError  # the one parser of a rule

    try:
        rec = Recurrence.parse(rule or "")
    except RuleError:
        return None  # a stored rule that cannot be read: no next date
    n, freq = rec.interval, rec.freq
    if freq == "DAILY":
        return day + timedelta(days=n)
    if freq == "WEEKLY":
        return day + timedelta(weeks=n)
    if freq == "MONTHLY":
        return _add_months(day, n)
    if freq == "YEARLY":
        return _add_months(day, 12 * n)
    return None


def next_bone_due(item: Any, last_given: datetime | None, tz: tzinfo) -> date | None:
    """The local date the next dose is due: one interval after the last dose given, else the
    plan's first due date (``item.next_due`` from its start)."""
    if last_given is not None:
        return rule_interval_after(_get(item, "rrule"), last_given.astimezone(tz).date())
    start = _get(item, "start_date")
    first = item.next_due(datetime.combine(start, datetime.min.time(), tz), tz) if start else None
    return first.astimezone(tz).date() if first else None


# -- pain over whole days --------------------------------------------------------------------------
def with_reviews(daily: Iterable[dict[str, Any]], reviews: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-day pain rows (day, average, worst, least, n entries) with each day's daily review
    taken into account: worst of the day = max(the entries' worst, the review's worst in the
    last 24 h); least = min(the entries' least, the review's least); the average is the
    entries' (the review's average only on a day without entries). ``n`` stays the entries;
    ``reviewed`` says a review counted. A day with only a review is a day with figures."""
    days = {r["day"]: dict(r, reviewed=False) for r in daily}
    for rv in reviews:
        if all(rv.get(k) is None for k in ("worst", "least", "average")):
            continue
        row = days.setdefault(rv["day"], {"day": rv["day"], "average": None, "worst": None, "least": None, "n": 0})
        row["reviewed"] = True
        if rv.get("worst") is not None:
            row["worst"] = rv["worst"] if row["worst"] is None else max(row["worst"], rv["worst"])
        if rv.get("least") is not None:
            row["least"] = rv["least"] if row["least"] is None else min(row["least"], rv["least"])
        if not row["n"] and rv.get("average") is not None:
            row["average"] = float(rv["average"])
    return [days[d] for d in sorted(days)]


def pain_summary(daily: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Average, worst, least and count over whole days, from per-day rows (average, worst,
    least, n): the average is weighted by each day's entries, a day with only a daily
    review's average weighing as one entry."""
    days = list(daily)
    n = sum(r["n"] for r in days)
    w = [(r["average"], r["n"] or 1) for r in days if r["average"] is not None]
    total = sum(x for _, x in w)
    return {"average": sum(a * x for a, x in w) / total if total else None,
            "worst": max((r["worst"] for r in days if r["worst"] is not None), default=None),
            "least": min((r["least"] for r in days if r["least"] is not None), default=None), "n": n,
            "reviews": sum(1 for r in days if r.get("reviewed"))}


# ==============================================================================================
# -- breakthrough profile, end-of-dose timing, radiation flare and response, insights ----------
# Added for issue 12 ("New figures"). Plain Python over rows like the rest of this module; the
# metric plugins in builtin/figures.py only gather rows and word these results.
# ==============================================================================================
import bisect as _bisect
import math as _math
import statistics as _stats
from datetime import timedelta as _td


def _first_after(times: list[datetime], t: datetime) -> datetime:
    """The first of the sorted ``times`` after ``t``, else datetime.max (UTC): no due time."""
    i = _bisect.bisect_right(times, t)
    return times[i] if i < len(times) else _NEVER


_NEVER = datetime.max.replace(tzinfo=timezone.utc)

# Breakthrough pain (Davies et al., 2009): an episode belongs to the local day of its onset,
# so one that starts at 23:50 and ends at 00:20 counts once, on the first day.


def _local_minutes(t: datetime, tz: tzinfo) -> int:
    lt = t.astimezone(tz)
    return lt.hour * 60 + lt.minute


def in_night(t: datetime, tz: tzinfo, night_start_min: int, night_end_min: int) -> bool:
    """Whether an instant falls in the local night window (which may wrap past midnight)."""
    m = _local_minutes(t, tz)
    if night_start_min <= night_end_min:
        return night_start_min <= m < night_end_min
    return m >= night_start_min or m < night_end_min


def breakthrough_profile(episodes: Iterable[dict[str, Any]], n_days: int, tz: tzinfo,
                         night_start_min: int = 22 * 60, night_end_min: int = 6 * 60) -> dict[str, Any]:
    """Episodes per day, median duration, share with a trigger, share at night (by onset), by
    type, and time to relief after a rescue dose (the episode's minutes to relief when a rescue
    dose is linked). Shares are of all episodes; the median of those with an end."""
    eps = list(episodes)
    n = len(eps)
    durations = [e["duration_min"] for e in eps if e.get("duration_min") is not None]
    relief = [e["relief_min"] for e in eps if e.get("rescue_event_id") is not None
              and e.get("relief_min") is not None]
    per_day = Counter(e["onset"].astimezone(tz).date() for e in eps)
    return {
        "n": n, "days": n_days,
        "per_day": round(n / n_days, 2) if n_days else None,
        "per_day_counts": {d.isoformat(): c for d, c in sorted(per_day.items())},
        "median_min": _stats.median(durations) if durations else None, "with_duration": len(durations),
        "with_trigger": sum(1 for e in eps if e.get("trigger")),
        "trigger_pct": round(100 * sum(1 for e in eps if e.get("trigger")) / n, 1) if n else None,
        "at_night": sum(1 for e in eps if in_night(e["onset"], tz, night_start_min, night_end_min)),
        "night_pct": round(100 * sum(1 for e in eps if in_night(e["onset"], tz, night_start_min,
                                                                  night_end_min)) / n, 1) if n else None,
        "by_type": dict(Counter(e.get("type") or "type not given" for e in eps).most_common()),
        "relief_median_min": _stats.median(relief) if relief else None, "relief_n": len(relief),
    }


# -- end-of-dose timing ---------------------------------------------------------------------------
# End-of-dose pain comes before the next scheduled dose of a long-acting opioid (Davies et al.,
# 2009). Long-acting here = a scheduled medication plan item with an oral morphine factor. An
# episode is "before a dose" when its onset is in the 2 h before one of those due times. By
# chance that share is the time the 2 h windows cover over the time the schedule ran (2 h over
# the dosing interval: 1/6 for every 12 h).
END_OF_DOSE_WINDOW = _td(hours=2)
END_OF_DOSE_MIN_EPISODES = 5


def long_acting_items(items: Iterable[Any]) -> list[Any]:
    return [i for i in items if _get(i, "kind") == "scheduled" and _get(i, "category") == "medication"
            and _get(i, "mme_factor") is not None]


def end_of_dose(episodes: Iterable[dict[str, Any]], items: Iterable[Any], lo: datetime, hi: datetime,
                tz: tzinfo) -> dict[str, Any]:
    """Episodes with an onset in the 2 h before a scheduled long-acting dose, against chance.

    ``items`` must list their due times (``occurrences``); [lo, hi) is the period (UTC)."""
    longs = long_acting_items(items)
    # due times a little past hi so an episode late in the period sees its next dose
    # from a day before the period (to see whether the schedule ran at its start) to a little
    # past its end (so an episode late in the period sees its next dose)
    due = sorted({t for it in longs for t in it.occurrences(lo - _td(days=1), hi + END_OF_DOSE_WINDOW, tz)})
    eps = [e for e in episodes if lo <= e["onset"] < hi]
    out: dict[str, Any] = {"items": [str(_get(i, "name")) for i in longs], "doses_due": 0,
                           "episodes": len(eps), "before_dose": 0, "pct": None, "expected_pct": None,
                           "interval_h": None, "enough": False}
    if not due or not eps:
        return out
    # the time the schedule ran in the period: from its first due time (less one window) on
    start = max(lo, due[0] - END_OF_DOSE_WINDOW)
    span = hi - start
    covered, reach = _td(0), start
    for t in due:  # the union of the windows [t - 2 h, t) inside [start, hi)
        a, b = max(t - END_OF_DOSE_WINDOW, reach), min(t, hi)
        if b > a:
            covered += b - a
            reach = b
    # t - 2 h <= onset < t for some due t  <=>  the first due time after the onset is within 2 h
    # (due is sorted: one bisection per episode, not a scan of every due time)
    in_window = [e for e in eps if _first_after(due, e["onset"]) <= e["onset"] + END_OF_DOSE_WINDOW]
    gaps = [(b - a).total_seconds() / 3600 for a, b in zip(due, due[1:])]
    out.update(doses_due=sum(1 for t in due if lo <= t < hi), before_dose=len(in_window),
               pct=round(100 * len(in_window) / len(eps), 1),
               expected_pct=round(100 * covered / span, 1) if span > _td(0) else None,
               interval_h=round(_stats.median(gaps), 1) if gaps else None,
               enough=len(eps) >= END_OF_DOSE_MIN_EPISODES)
    return out


# -- palliative radiotherapy: pain flare and response ----------------------------------------------
# Baseline: the 7 local days before the first session; worst pain = the mean of the daily
# worst (at least 3 days with one), OMED = the mean daily OMED (a day with no counted dose is
# 0 mg). Means are rounded to whole points before a pain comparison, as the scale has whole
# points. OMED counts as up at +25 % or more, down at -25 % or more, else stable (the 25 %
# analgesic change of the International Consensus Endpoints, Chow et al. 2002, update 2012);
# from a baseline of 0 mg any dose is up and nothing can be down (no division by zero).
BASELINE_DAYS = 7
MIN_DAYS_WITH_WORST = 3
FLARE_DAYS = 10          # Hird et al., IJROBP 2009 (after Loblaw et al., 2007)
FLARE_RETURN_DAYS = 14   # after the flare window: time allowed to come back to baseline
RESPONSE_WEEKS = (1, 2, 4, 8, 12)
OMED_CHANGE = 0.25


def whole(x: float) -> int:
    """Round half up to a whole point."""
    return int(_math.floor(x + 0.5))


def omed_change(day_omed: float, base_omed: float) -> str:
    """up, down or stable against baseline (25 % band; from 0 mg any dose is up)."""
    if base_omed <= 0:
        return "up" if day_omed > 0 else "stable"
    if day_omed >= base_omed * (1 + OMED_CHANGE):
        return "up"
    if day_omed <= base_omed * (1 - OMED_CHANGE):
        return "down"
    return "stable"


def _period_figures(worst: dict[date, float], omed_day: dict[date, float], days: list[date]) -> dict[str, Any]:
    w = [worst[d] for d in days if worst.get(d) is not None]
    return {"days": len(days), "days_with_worst": len(w),
            "worst": round(sum(w) / len(w), 2) if w else None,
            "omed": round(sum(omed_day.get(d, 0.0) for d in days) / len(days), 2) if days else None}


def radiation_baseline(first_day: date, worst: dict[date, float], omed_day: dict[date, float]) -> dict[str, Any]:
    days = [first_day - _td(days=i) for i in range(BASELINE_DAYS, 0, -1)]
    b = _period_figures(worst, omed_day, days)
    b.update(since=days[0], until=days[-1], enough=b["days_with_worst"] >= MIN_DAYS_WITH_WORST)
    return b


def radiation_flare(sessions: list[date], worst: dict[date, float], omed_day: dict[date, float],
                    last_data_day: date) -> dict[str, Any]:
    """Pain flare after a course (Hird et al., IJROBP 2009): on a day from the day after the
    first session to the 10th day after the last, worst pain up 2 or more with OMED not down,
    or OMED up 25 % or more with worst pain not down; then back to baseline (worst at or below
    it, OMED not up) within 14 days after that window = flare, else possible progression.

    ``worst`` and ``omed_day`` map local days to the daily worst and OMED; days after
    ``last_data_day`` (the period's end or today) are not looked at."""
    first, last = min(sessions), max(sessions)
    base = radiation_baseline(first, worst, omed_day)
    out: dict[str, Any] = {"first_session": first, "last_session": last, "sessions": sorted(sessions),
                           "baseline": base, "window": (first + _td(days=1), last + _td(days=FLARE_DAYS)),
                           "flare_days": [], "returned_on": None, "days_assessed": 0}
    if not base["enough"]:
        out.update(result="not enough data",
                   missing=f"baseline worst pain: {base['days_with_worst']} of {BASELINE_DAYS} days before "
                           f"the first session have a daily worst (at least {MIN_DAYS_WITH_WORST} needed)")
        return out
    b_worst, b_omed = whole(base["worst"]), base["omed"]
    d, end = first + _td(days=1), min(last + _td(days=FLARE_DAYS), last_data_day)
    flare_days = []
    while d <= end:
        w = worst.get(d)
        if w is not None:
            out["days_assessed"] += 1
            dw, oc = whole(w) - b_worst, omed_change(omed_day.get(d, 0.0), b_omed)
            if (dw >= 2 and oc != "down") or (oc == "up" and dw >= 0):
                flare_days.append(d)
        d += _td(days=1)
    out["flare_days"] = flare_days
    if not flare_days:
        if out["days_assessed"] == 0:
            out.update(result="not enough data", missing="daily worst pain in the 10 days after the last session")
        elif last_data_day < last + _td(days=FLARE_DAYS):
            out.update(result="no flare so far", missing=None)
        else:
            out.update(result="no flare", missing=None)
        return out
    d, deadline = flare_days[-1] + _td(days=1), last + _td(days=FLARE_DAYS + FLARE_RETURN_DAYS)
    while d <= min(deadline, last_data_day):
        w = worst.get(d)
        if w is not None and whole(w) <= b_worst and omed_change(omed_day.get(d, 0.0), b_omed) != "up":
            out.update(returned_on=d, result="flare", missing=None)
            return out
        d += _td(days=1)
    if last_data_day < deadline:
        out.update(result="flare, not back to baseline yet", missing=None)
    else:
        out.update(result="possible progression", missing=None)
    return out


def response_category(worst_now: float, omed_now: float, base_worst: float, base_omed: float) -> str:
    """International Consensus Endpoints (Chow et al. 2002; update 2012) on worst pain and OMED."""
    w, dw, oc = whole(worst_now), whole(worst_now) - whole(base_worst), omed_change(omed_now, base_omed)
    if w == 0 and oc != "up":
        return "complete response"
    if (dw <= -2 and oc != "up") or (oc == "down" and dw <= 0):
        return "partial response"
    if (dw >= 2 and oc == "stable") or (oc == "up" and dw in (0, 1)):
        return "progression"
    return "indeterminate"


def radiation_response(sessions: list[date], worst: dict[date, float], omed_day: dict[date, float],
                       last_data_day: date) -> dict[str, Any]:
    """Response at weeks 1, 2, 4, 8 and 12 after the last session: each week's figure is the
    mean daily worst and mean daily OMED of the 7 days ending on that week's day (at least 3
    days with a daily worst), against the baseline before the first session."""
    first, last = min(sessions), max(sessions)
    base = radiation_baseline(first, worst, omed_day)
    weeks = []
    for k in RESPONSE_WEEKS:
        day = last + _td(days=7 * k)
        days = [day - _td(days=i) for i in range(6, -1, -1)]
        row: dict[str, Any] = {"week": k, "day": day}
        if day > last_data_day:
            row.update(result="not yet", missing=f"week {k} ends {day.isoformat()}, after the data")
        else:
            f = _period_figures(worst, omed_day, days)
            row.update(worst=f["worst"], omed=f["omed"], days_with_worst=f["days_with_worst"])
            if not base["enough"]:
                row.update(result="not enough data",
                           missing=f"baseline worst pain ({base['days_with_worst']} of {BASELINE_DAYS} days)")
            elif f["days_with_worst"] < MIN_DAYS_WITH_WORST:
                row.update(result="not enough data",
                           missing=f"daily worst pain on {f['days_with_worst']} of 7 days "
                                   f"({MIN_DAYS_WITH_WORST} needed)")
            else:
                row.update(result=response_category(f["worst"], f["omed"], base["worst"], base["omed"]),
                           missing=None)
        weeks.append(row)
    return {"first_session": first, "last_session": last, "sessions": sorted(sessions),
            "baseline": base, "weeks": weeks}


# -- insights ---------------------------------------------------------------------------------------
# Plain counts and means over the period, each with its n; a group with fewer than
# INSIGHT_MIN_N records shows "too little data" instead of a mean.
INSIGHT_MIN_N = 3
RESCUE_BEFORE = _td(minutes=60)                            # last entry within 60 min before
RESCUE_AFTER = (_td(minutes=30), _td(minutes=120))         # first entry 30-120 min after
HELPS_AFTER = (_td(minutes=30), _td(minutes=240))          # the next entry 30 min to 4 h later


def _ranked(groups: dict[str, list[float]]) -> list[dict[str, Any]]:
    rows = [{"name": k, "n": len(v), "mean": round(sum(v) / len(v), 2) if len(v) >= INSIGHT_MIN_N else None,
             "enough": len(v) >= INSIGHT_MIN_N} for k, v in groups.items()]
    rows.sort(key=lambda r: (-r["n"], -(r["mean"] if r["mean"] is not None else -1), r["name"]))
    return rows


def triggers_ranked(episodes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Episode triggers by count, then mean peak."""
    g: dict[str, list[float]] = {}
    for e in episodes:
        if e.get("trigger"):
            g.setdefault(e["trigger"], []).append(e["peak"])
    return _ranked(g)


def activities_ranked(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Activities at onset of pain entries by count, then mean intensity."""
    g: dict[str, list[float]] = {}
    for e in entries:
        if e.get("activity"):
            g.setdefault(e["activity"], []).append(e["intensity"])
    return _ranked(g)


def pain_by_hour(entries: Iterable[dict[str, Any]], tz: tzinfo) -> list[dict[str, Any]]:
    """A 24-hour profile: for each local hour, the entries' count and mean intensity."""
    g: dict[int, list[int]] = {h: [] for h in range(24)}
    for e in entries:
        g[e["occurred_at"].astimezone(tz).hour].append(e["intensity"])
    return [{"hour": h, "n": len(v), "mean": round(sum(v) / len(v), 2) if len(v) >= INSIGHT_MIN_N else None}
            for h, v in g.items()]


def _sorted_entries(entries: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[datetime]]:
    """Entries sorted by when they happened (stable), with their times for bisection."""
    es = sorted(entries, key=lambda e: e["occurred_at"])
    return es, [e["occurred_at"] for e in es]


def rescue_before_after(entries: Iterable[dict[str, Any]], doses: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Pain before and after each rescue dose: the last entry within 60 min before it and the
    first 30-120 min after; the mean drop (before minus after) over the doses that have both."""
    es, times = _sorted_entries(entries)
    doses = list(doses)
    n_doses = len(doses)
    pairs = []
    for dose in doses:
        t = dose["done_at"]
        b = _bisect.bisect_left(times, t) - 1  # the last entry before t
        a = _bisect.bisect_left(times, t + RESCUE_AFTER[0])  # the first from t + 30 min on
        if b >= 0 and times[b] >= t - RESCUE_BEFORE and a < len(times) and times[a] <= t + RESCUE_AFTER[1]:
            pairs.append((es[b]["intensity"], es[a]["intensity"]))
    n = len(pairs)
    return {"doses": n_doses, "n": n,
            "before": round(sum(p[0] for p in pairs) / n, 2) if n else None,
            "after": round(sum(p[1] for p in pairs) / n, 2) if n else None,
            "mean_drop": round(sum(p[0] - p[1] for p in pairs) / n, 2) if n >= INSIGHT_MIN_N else None,
            "enough": n >= INSIGHT_MIN_N}


def what_helps(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each made-better-by named on an entry, with the drop to the next entry 30 min to 4 h
    later (this entry's intensity minus that one's), ranked by the mean drop."""
    es, times = _sorted_entries(entries)
    g: dict[str, list[float]] = {}
    for i, e in enumerate(es):
        if not e.get("better"):
            continue
        # the first later entry from 30 min on; it counts if it is within 4 h
        j = max(i + 1, _bisect.bisect_left(times, e["occurred_at"] + HELPS_AFTER[0]))
        if j >= len(es) or times[j] > e["occurred_at"] + HELPS_AFTER[1]:
            continue
        nxt = es[j]
        for b in dict.fromkeys(e["better"]):
            g.setdefault(b, []).append(e["intensity"] - nxt["intensity"])
    rows = _ranked(g)
    rows.sort(key=lambda r: (not r["enough"], -(r["mean"] or 0), -r["n"], r["name"]))
    return rows
