"""Built-in metrics of issue 12: breakthrough profile, end-of-dose timing, radiation pain flare
and response at the treated site, and insights (triggers, activities, hour of day, rescue
doses, what helps).

The arithmetic is in painboard.figures (episodes, end_of_dose, radiation, insights), read
through the period's figures (figures_of); this module words the results and keeps the figures
behind the text in ``details``
(in `painboard metrics --json`). Each text names its period, its data and its source. Levels
are markers for discussion with the care team, never advice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from painboard.figures.end_of_dose import END_OF_DOSE_MIN_EPISODES
from painboard.figures.insights import INSIGHT_MIN_N
from painboard.figures.period import figures_of
from painboard.figures.radiation import BASELINE_DAYS
from painboard.figures.severity import half_up, shown, whole
from painboard.plugin_api import Metric, MetricValue, PeriodView, hookimpl
from painboard.terminal_text import plural

RAISE = "worth raising with your care team"


def _d(day: date) -> str:
    return f"{day:%-d %b %Y}"


def period_words(view: PeriodView) -> str:
    return f"{_d(view.start)} to {_d(view.end - timedelta(days=1))}"


def jsonable(x: Any) -> Any:
    if isinstance(x, (date, datetime)):
        return x.isoformat()
    if isinstance(x, dict):
        return {str(k.isoformat() if isinstance(k, (date, datetime)) else k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    return x


def _num(x: float | None, unit: str = "") -> str:
    return "n/a" if x is None else shown(x, 1) + unit  # half up, the one rounding rule


# -- breakthrough profile -----------------------------------------------------------------------
def breakthrough(view: PeriodView) -> MetricValue:
    ns, ne = view.night_start, view.night_end
    p = figures_of(view).breakthrough
    tail = f" Period {period_words(view)}; episodes by onset day; definition after Davies et al. 2009."
    if not p["n"]:
        return MetricValue(value=None, text="no breakthrough episodes logged." + tail, details=jsonable(p))
    parts = [f"{plural(p['n'], 'episode')} in {plural(p['days'], 'day')} ({_num(p['per_day'])} a day)"]
    parts.append(f"median duration {_num(p['median_min'])} min (of {p['with_duration']} with an end)"
                 if p["median_min"] is not None else "no episode has an end yet")
    parts.append(f"{_num(p['trigger_pct'])} % with a trigger ({p['with_trigger']})")
    parts.append(f"{_num(p['night_pct'])} % at night {ns:%H:%M}-{ne:%H:%M} ({p['at_night']})")
    parts.append("by type: " + ", ".join(f"{k} {v}" for k, v in p["by_type"].items()))
    if p["relief_n"]:
        parts.append(f"relief a median {_num(p['relief_median_min'])} min after a rescue dose "
                     f"(n={p['relief_n']})")
    else:
        parts.append("no time to relief recorded after a rescue dose")
    return MetricValue(value=p["per_day"], text="; ".join(parts) + "." + tail, details=jsonable(p))


# -- end-of-dose timing ---------------------------------------------------------------------------
def _end_of_dose_words(r: dict[str, Any]) -> str:
    """One item's end-of-dose figures in words."""
    before = "a change" if r["window_h"] >= 24 else "a dose"
    if not r["enough"]:
        return f"{r['item']}: too little data, {r['episodes']} episodes ({END_OF_DOSE_MIN_EPISODES} needed)"
    every = f"{r['window_h']} h of every {_num(r['interval_h'])} h" if r["interval_h"] else f"{r['window_h']} h windows"
    text = (f"{r['item']}: {r['before_dose']} of {r['episodes']} episodes ({_num(r['pct'])} %) began in the "
            f"{r['window_h']} h before {before}; by chance {_num(r['expected_pct'])} % ({every}, "
            f"{r['doses_due']} due)")
    if r["expected_pct"] and r["pct"] >= 2 * r["expected_pct"]:
        text += f": more than twice the share by chance, {RAISE}"
    return text


def end_of_dose(view: PeriodView) -> MetricValue:
    r = figures_of(view).end_of_dose
    tail = (f" Period {period_words(view)}; each scheduled long-acting opioid on its own, episodes by "
            "onset against its own due times; end-of-dose pain after Davies et al. 2009.")
    if not r["items"]:
        return MetricValue(value=None, text="no scheduled long-acting opioid in the plan in this period." + tail,
                           details=jsonable(r))
    text = "; ".join(_end_of_dose_words(i) for i in r["items"])
    shares = [i["pct"] for i in r["items"] if i["enough"]]
    return MetricValue(value=max(shares) if shares else None, text=text + "." + tail,
                       level="watch" if r["raise"] else "ok", details=jsonable(r))


# -- radiation ------------------------------------------------------------------------------------
def _baseline_words(b: dict[str, Any]) -> str:
    span = f"{_d(b['since'])} to {_d(b['until'])}"
    if not b["enough"]:
        return f"baseline {span}: not enough data ({b['days_with_worst']} of {BASELINE_DAYS} days with a worst)"
    days = plural(b["days_with_worst"], "day")
    return (f"baseline {span}: worst pain {_num(b['worst'])} on average over {days} "
            f"(compared as {whole(b['worst'])}/10), oral morphine equivalent (OMED) {_num(b['omed'])} mg a day")


def _sessions_words(s: list[date]) -> str:
    return f"session {_d(s[0])}" if len(s) == 1 else f"{len(s)} sessions {_d(s[0])} to {_d(s[-1])}"


NO_COURSE = "no radiation session recorded for this period."


def radiation_flare(view: PeriodView) -> MetricValue:
    # each course names its own dates (a flare in October is not "Period 1 Dec to 7 Dec")
    tail = " Pain flare after Hird et al., IJROBP 2009."
    texts, details, level, value = [], [], "ok", None
    for c, worst, omed, r in figures_of(view).radiation_flares:
        r["flare_worst"] = {d: worst.get(d) for d in r["flare_days"]}
        r["flare_omed"] = {d: half_up(omed.get(d, 0.0), 1) for d in r["flare_days"]}
        a, b = r["window"]
        words = f"{r['item']}, {_sessions_words(c['sessions'])}, flare window {_d(a)} to {_d(b)}: {r['result']}"
        if r["flare_days"]:
            words += " on " + ", ".join(f"{d:%-d %b} (worst {_num(worst.get(d))}, OMED {_num(omed.get(d, 0.0))} mg)"
                                        for d in r["flare_days"])
        if r["returned_on"]:
            words += f"; back to baseline {_d(r['returned_on'])}"
        if r.get("missing"):
            words += f" (missing: {r['missing']})"
        words += f"; {_baseline_words(r['baseline'])}"
        if r["result"] == "possible progression":
            level, words = "alert", words + f"; {RAISE}"
        elif r["result"].startswith("flare") and level == "ok":
            level = "watch"
        texts.append(words)
        details.append(r)
        value = r["result"]
    if not details:
        return MetricValue(value=None, text=NO_COURSE + tail)
    return MetricValue(value=value, text="; ".join(texts) + "." + tail, level=level,
                       details=jsonable({"courses": details}))


def radiation_response(view: PeriodView) -> MetricValue:
    tail = (" Each week the days with records in the 7 days ending on it; "
            "International Consensus Endpoints (Chow et al. 2002, 2012).")
    texts, details, level, value = [], [], "ok", None
    for c, _worst, _omed, r in figures_of(view).radiation_responses:
        weeks = []
        for w in r["weeks"]:
            if w["result"] == "not yet":
                continue
            s = f"week {w['week']} ({w['day']:%-d %b}) {w['result']}"
            if w.get("missing"):
                s += f" (missing: {w['missing']})"
            elif w.get("worst") is not None:
                s += f" (worst {_num(w['worst'])}, OMED {_num(w['omed'])} mg)"
            weeks.append(s)
            if w["result"] not in ("not enough data",):
                value = w["result"]
            if w["result"] == "progression":
                level = "alert"
        pending = [w["week"] for w in r["weeks"] if w["result"] == "not yet"]
        words = f"{r['item']}, {_sessions_words(c['sessions'])}: " + ("; ".join(weeks) or "no week assessed yet")
        if pending:
            words += f"; weeks {', '.join(map(str, pending))} not yet"
        words += f"; {_baseline_words(r['baseline'])}"
        texts.append(words)
        details.append(r)
    if not details:
        return MetricValue(value=None, text=NO_COURSE + tail)
    text = "; ".join(texts) + "."
    if level == "alert":
        text += f" Progression: {RAISE}."
    return MetricValue(value=value, text=text + tail, level=level, details=jsonable({"courses": details}))


# -- insights -------------------------------------------------------------------------------------
def insights_detail(view: PeriodView) -> dict[str, Any]:
    return figures_of(view).insights


def insights(view: PeriodView) -> MetricValue:
    d = insights_detail(view)
    mn = INSIGHT_MIN_N
    tail = (f" Period {period_words(view)}; {plural(d['entries'], 'entry', 'entries')}, {plural(d['episodes'], 'episode')}; a figure "
            f"needs {mn} or more records, else too little data. Counts and means, not causes.")
    parts = []
    top = [t for t in d["triggers"] if t["enough"]][:3]
    parts.append("triggers: " + (", ".join(f"{t['name']} {t['n']} episodes, mean peak {_num(t['mean'])}"
                                         for t in top) if top else "too little data"))
    acts = [a for a in d["activities"] if a["enough"]][:3]
    parts.append("activities: " + (", ".join(f"{a['name']} {a['n']} entries, mean {_num(a['mean'])}"
                                           for a in acts) if acts else "too little data"))
    hours = [h for h in d["by_hour"] if h["mean"] is not None]
    if hours:
        hi = max(hours, key=lambda h: (h["mean"], -h["hour"]))
        lo = min(hours, key=lambda h: (h["mean"], h["hour"]))
        parts.append(f"by hour: highest {hi['hour']:02d}:00 (mean {_num(hi['mean'])}, n={hi['n']}), "
                     f"lowest {lo['hour']:02d}:00 (mean {_num(lo['mean'])}, n={lo['n']})")
    else:
        parts.append("by hour: too little data")
    rr, r = d["rescue_relief"], d["rescue"]
    parts.append(f"relief a median {_num(rr['median_min'])} min after a rescue dose (n={rr['n']})" if rr["n"]
                 else "relief after a rescue dose: none recorded")
    parts.append(f"pain scores around a rescue dose: {_num(r['before'])} before, {_num(r['after'])} after "
                 f"(n={r['n']} of {plural(r['doses'], 'dose')})" if r["enough"]
                 else f"pain scores before and after a rescue dose: too little data "
                      f"({r['n']} of {plural(r['doses'], 'dose')} have both)")
    helps = [h for h in d["helps"] if h["enough"]][:3]
    parts.append("what helps: " + (", ".join(f"after {h['name']}, pain {_num(h['change'])} points "
                                             f"{'lower' if h['lower'] else 'higher'} on average (n={h['n']})"
                                             for h in helps) if helps else "too little data"))
    value = d["entries"] + d["episodes"]
    return MetricValue(value=value, text="; ".join(parts) + "." + tail, details=jsonable(d))


METRICS = [
    Metric(name="breakthrough", label="Breakthrough profile", unit="per day", order=22, compute=breakthrough,
           description="Episodes a day, median duration, share with a trigger and at night, by type, "
                       "time to relief after a rescue dose."),
    Metric(name="end-of-dose", label="End-of-dose timing", unit="%", order=23, compute=end_of_dose,
           description="Share of episodes in the 2 h before a scheduled long-acting dose, against chance."),
    Metric(name="radiation-flare", label="Radiation pain flare", order=60, compute=radiation_flare,
           description="Pain flare in the 10 days after a radiation course (Hird et al. 2009)."),
    Metric(name="radiation-response", label="Radiation response", order=61, compute=radiation_response,
           description="Response at the treated site at weeks 1, 2, 4, 8, 12 (Chow et al. 2002, 2012)."),
    Metric(name="insights", label="Insights", unit="records", order=70, compute=insights,
           description="Triggers, activities, pain by hour, pain around rescue doses, what helps."),
]


@hookimpl
def register_metrics(register):
    for m in METRICS:
        register(m)
