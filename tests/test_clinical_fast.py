"""The near-linear clinical figures (sorted once, bisected) against brute-force references.

Each reference below is the straightforward scan the figure is defined by (every entry or due
time looked at for each dose, episode or entry); on random data the fast function must give
the same result, field for field, so the two cannot drift apart.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from painboard.figures.end_of_dose import end_of_dose, long_acting_items
from painboard.figures.insights import _ranked, rescue_before_after, what_helps
from painboard.figures.end_of_dose import END_OF_DOSE_MIN_EPISODES, END_OF_DOSE_WINDOW
from painboard.figures.insights import HELPS_AFTER, INSIGHT_MIN_N, RESCUE_AFTER, RESCUE_BEFORE
from painboard.figures.severity import half_up
from tests.conftest import examples

T0 = datetime(2024, 3, 30, tzinfo=timezone.utc)  # a clock change (Europe/London) is inside the range
TZ = ZoneInfo("Europe/London")
# minutes from T0 on a coarse grid, so ties and exact window edges (30, 60, 120, 240 min) happen
minutes = st.integers(min_value=0, max_value=48 * 60 // 5).map(lambda m: m * 5)


def at(m: int) -> datetime:
    return T0 + timedelta(minutes=m)


entry_rows = st.lists(st.tuples(minutes, st.integers(0, 10), st.lists(st.sampled_from(["rest", "heat", "tens"]),
                                                                       max_size=2)), max_size=60).map(
    lambda rows: [{"occurred_at": at(m), "intensity": v, "better": b} for m, v, b in rows])
dose_rows = st.lists(minutes, max_size=25).map(lambda ms: [{"done_at": at(m)} for m in ms])


# -- brute-force references -------------------------------------------------------------------
def rescue_before_after_ref(entries, doses):
    es = sorted(entries, key=lambda e: e["occurred_at"])
    pairs = []
    for d in doses:
        t = d["done_at"]
        before = [e for e in es if t - RESCUE_BEFORE <= e["occurred_at"] < t]
        after = [e for e in es if t + RESCUE_AFTER[0] <= e["occurred_at"] <= t + RESCUE_AFTER[1]]
        if before and after:
            pairs.append((before[-1]["intensity"], after[0]["intensity"]))
    n = len(pairs)
    return {"doses": len(doses), "n": n,
            "before": round(sum(p[0] for p in pairs) / n, 2) if n else None,
            "after": round(sum(p[1] for p in pairs) / n, 2) if n else None,
            "mean_drop": round(sum(p[0] - p[1] for p in pairs) / n, 2) if n >= INSIGHT_MIN_N else None,
            "enough": n >= INSIGHT_MIN_N}


def what_helps_ref(entries):
    es = sorted(entries, key=lambda e: e["occurred_at"])
    g: dict[str, list[float]] = {}
    for i, e in enumerate(es):
        if not e.get("better"):
            continue
        nxt = next((x for x in es[i + 1:] if e["occurred_at"] + HELPS_AFTER[0] <= x["occurred_at"]
                    <= e["occurred_at"] + HELPS_AFTER[1]), None)
        if nxt is not None:
            for b in dict.fromkeys(e["better"]):
                g.setdefault(b, []).append(e["intensity"] - nxt["intensity"])
    rows = _ranked(g)
    rows.sort(key=lambda r: (not r["enough"], -(r["mean"] or 0), -r["n"], r["name"]))
    return rows


def end_of_dose_ref(episodes, items, lo, hi, tz):
    """Per item, by brute force: every minute of the time the item's schedule ran is checked
    against each of its windows (the 2 h before a due time after its first)."""
    eps = [e for e in episodes if lo <= e["onset"] < hi]
    rows = []
    for it in long_acting_items(items):
        w = END_OF_DOSE_WINDOW
        due = sorted(it.occurrences(lo - timedelta(days=4), hi + w, tz))
        row = {"item": it.name, "window_h": 2, "interval_h": None, "doses_due": 0, "episodes": 0,
               "before_dose": 0, "pct": None, "expected_pct": None, "enough": False}
        rows.append(row)
        if not due or due[0] >= hi:
            continue
        start = lo if due[0] < lo else due[0]
        mine = [e for e in eps if start <= e["onset"] < hi]
        span_min = int((hi - start).total_seconds() // 60)
        covered = sum(1 for k in range(span_min) if any(t - w <= start + timedelta(minutes=k) < t for t in due[1:]))
        k = sum(1 for e in mine if any(t - w <= e["onset"] < t for t in due))
        gaps = [(b - a).total_seconds() / 3600 for a, b in zip(due, due[1:])]
        row.update(doses_due=sum(1 for t in due if lo <= t < hi), episodes=len(mine), before_dose=k,
                   interval_h=half_up(statistics.median(gaps), 1) if gaps else None,
                   pct=half_up(100 * k / len(mine), 1) if mine else None,
                   expected_pct=half_up(100 * covered / span_min, 1) if span_min else None,
                   enough=len(mine) >= END_OF_DOSE_MIN_EPISODES)
    flagged = [r["item"] for r in rows if r["enough"] and r["expected_pct"] and r["pct"] >= 2 * r["expected_pct"]]
    return {"items": rows, "episodes": len(eps), "enough": any(r["enough"] for r in rows), "raise": flagged}


@dataclass
class Scheduled:
    """A scheduled long-acting opioid whose due times are given outright."""

    name: str
    due: list[datetime]
    kind: str = "scheduled"
    category: str = "medication"
    mme_factor: float | None = 1.0

    def occurrences(self, lo, hi, tz):
        return [t for t in self.due if lo <= t < hi]


# -- the properties ---------------------------------------------------------------------------
@settings(max_examples=examples(300), deadline=None)
@given(entry_rows, dose_rows)
def test_rescue_before_after_matches_the_scan(entries, doses):
    assert rescue_before_after(entries, doses) == rescue_before_after_ref(entries, doses)


@settings(max_examples=examples(300), deadline=None)
@given(entry_rows)
def test_what_helps_matches_the_scan(entries):
    assert what_helps(entries) == what_helps_ref(entries)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(minutes, max_size=40), st.lists(st.lists(minutes, max_size=12), max_size=3),
       st.integers(0, 12 * 60 // 5), st.integers(1, 36 * 60 // 5))
def test_end_of_dose_matches_the_scan(onsets, schedules, lo_m, length):
    lo = at(lo_m * 5)
    hi = lo + timedelta(minutes=length * 5)
    items = [Scheduled(f"opioid {i}", [at(m) for m in ms]) for i, ms in enumerate(schedules)]
    items.append(Scheduled("paracetamol", [at(30)], mme_factor=None))  # not long-acting: ignored
    episodes = [{"onset": at(m)} for m in onsets]
    assert end_of_dose(episodes, items, lo, hi, TZ) == end_of_dose_ref(episodes, items, lo, hi, TZ)


def test_the_scans_see_the_window_edges():
    """Worked by hand: entries exactly on each edge of the windows count or not as defined."""
    t = at(600)
    entries = [{"occurred_at": t - RESCUE_BEFORE, "intensity": 8, "better": []},          # 60 min before: in
               {"occurred_at": t, "intensity": 9, "better": ["heat"]},                     # at the dose: not before
               {"occurred_at": t + RESCUE_AFTER[0], "intensity": 5, "better": []},         # 30 min after: in
               {"occurred_at": t + RESCUE_AFTER[1] + timedelta(minutes=1), "intensity": 1, "better": []}]
    r = rescue_before_after(entries, [{"done_at": t}])
    assert (r["n"], r["before"], r["after"]) == (1, 8, 5)
    # heat at 9, the next entry from 30 min on is the 5: a drop of 4 (too few for a mean)
    assert what_helps(entries) == [{"name": "heat", "n": 1, "mean": None, "enough": False}]
    # a schedule running since 12 h before: the onset 2 h before t is in its window, at t is not
    eod = end_of_dose([{"onset": t - END_OF_DOSE_WINDOW}, {"onset": t}], [Scheduled("m", [t - timedelta(hours=12), t])],
                      t - timedelta(hours=3), t + timedelta(hours=1), TZ)["items"][0]
    assert eod["before_dose"] == 1 and eod["episodes"] == 2


# -- rows read once per view ------------------------------------------------------------------
def test_rows_once_reads_each_period_once_and_cuts_narrower_ones(db_path, make_pb, built_once):
    """A visit report's figures share one read of the period's entries and episodes; a
    narrower period is cut from it and matches a read of its own, row for row."""
    from painboard.figures.period import rows_once
    from painboard.demo import load_demo

    built_once("demo-30-5", db_path, lambda path: load_demo(make_pb(path), days=30, seed=5))  # copied
    pb = make_pb(db_path)
    with pb.db.unit_of_work() as con:
        view = pb.period_view(con, None, None, default_days=30)
        for kind in ("entries", "episodes"):
            whole = rows_once(view, kind)
            assert whole and whole == getattr(view, kind)()
            assert rows_once(view, kind) is whole  # no second read
            since, until = view.start + timedelta(days=10), view.start + timedelta(days=12)
            part = rows_once(view, kind, since, until)
            assert part and len(part) < len(whole)
            assert part == getattr(view, kind)(since, until)
        view.close()


def test_view_last_events_reuses_an_unbounded_read_only_when_it_is_before_until(pb):
    """The view keeps each item's latest event read without a bound; asked again up to a
    date, it gives the same only when that event is before it, else the earlier one."""
    utc = timezone.utc
    item = pb.add_plan_item(category="bone_strengthening", name="Zoledronic acid", dose=4, unit="mg",
                            route="iv", kind="once", on_date=date(2026, 10, 1), start_date=date(2026, 9, 1))
    early = pb.mark_done(item.id, at=datetime(2026, 10, 1, 10, 0, tzinfo=utc))
    late = pb.mark_done(item.id, at=datetime(2026, 11, 20, 10, 0, tzinfo=utc), extra=True)
    with pb.db.unit_of_work() as con:
        view = pb.period_view(con, date(2026, 11, 1), date(2026, 11, 29))
        assert view.last_events([item.id])[item.id]["id"] == late.id  # read without a bound
        assert view.last_events([item.id], until=date(2026, 11, 29))[item.id]["id"] == late.id
        assert view.last_events([item.id], until=date(2026, 11, 20))[item.id]["id"] == early.id
        assert view.last_events([item.id], until=date(2026, 10, 1)) == {}
        assert view.last_events([item.id + 100]) == {}  # an item without events
