"""The read-only view of a period that metrics, exporters and the dashboard read through.

It lives beside the store it reads: every query is a repository function, and a view reads
inside one open read unit of work, so all it returns comes from one snapshot of the data.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from operator import itemgetter
from typing import Any, Callable, Iterator

from painboard.figures.days import day_bounds
from painboard.figures.omed import Omed
from painboard.figures.period import period_omed
from painboard.figures.pain_days import nights_with_pain, pain_nights, pain_summary, with_reviews
from painboard.figures.pain_days import trend_days as trend_of_days
from painboard.figures.rows import GIVEN
from painboard.config import zone_name
from painboard.errors import PluginError
from painboard.models import PlanItem, load_opioid_factors
from painboard.models_base import FIRST_DAY, LAST_DAY
from painboard.store import repository as repo
from painboard.store.rollup import split_days as rollup_split


# The plan items whose events are few (one a few weeks at most): read whole (_occasional).
OCCASIONAL_CATEGORIES = ("radiation", "bone_strengthening", "procedure")
_NO_END = datetime.max.replace(tzinfo=timezone.utc)
_day = itemgetter(0)  # a rollup day's date


class PeriodView:
    """A period [start, end) of local days, read through one open read unit of work.

    Query helpers default to the period; pass since/until (local dates) to look further back,
    for a baseline. Rows are plain dicts; plan items are PlanItem models. The view is only
    valid while the unit of work is open. ``options`` holds an export's ``--option KEY=VALUE``
    pairs (empty for metrics); an exporter reads the keys it knows and documents them.
    """

    def __init__(self, con, start: date, end: date, tz: tzinfo, now: datetime,
                 night_start: time = time(22, 0), night_end: time = time(6, 0),
                 options: dict[str, str] | None = None):
        self._con = con
        self.options: dict[str, str] = dict(options or {})
        self.start, self.end, self.tz, self.now = start, end, tz, now
        self.night_start, self.night_end = night_start, night_end
        self.lo, self.hi = self.bounds(start, end)
        self._memo: dict[tuple, list] = {}  # the transaction's snapshot cannot change: read once
        # a report's metric results, from painboard's one metric runner (Exporter.uses_metrics)
        self.metric_results: list | None = None

    # time
    @property
    def tz_name(self) -> str:
        return zone_name(self.tz)

    @property
    def today(self) -> date:
        """The local date of ``now``, or the period's last day if the period ended before it."""
        return min(self.now.astimezone(self.tz).date(), self.end - timedelta(days=1))

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]

    def bounds(self, since: date | None = None, until: date | None = None) -> tuple[datetime, datetime]:
        """UTC instants of local midnight at since and until (until exclusive)."""
        return day_bounds(since or self.start, until or self.end, self.tz)

    def _connection(self):
        """The open unit of work's connection; refused once the view is closed."""
        if self._con is None:
            raise PluginError("this view was used after its unit of work closed")
        return self._con

    def recover(self) -> bool:
        """After a failed query: if it aborted the transaction, begin a fresh one on the same
        unit of work so the next reader (another metric) is not broken by it. Rows already
        read stay (memo); later reads see the database as it is now. True if it restarted."""
        return self._con is not None and repo.restart_if_aborted(self._con)

    def close(self) -> None:
        self._con = None
        self._memo.clear()

    def narrow(self, start: date, end: date) -> "PeriodView":
        """A view of another period on the same unit of work, sharing what was already read."""
        v = PeriodView(self._con, start, end, self.tz, self.now, self.night_start, self.night_end,
                       self.options)
        v._memo = self._memo
        return v

    def _once(self, key: tuple, read: Callable[[], list[dict[str, Any]]], copy: bool = True
              ) -> list[dict[str, Any]]:
        """Rows read once per view; each caller gets its own copies to change as it likes
        (copy=False: the kept rows themselves, for a builder here that only reads them)."""
        rows = self._memo.get(key)
        if rows is None:
            rows = self._memo[key] = read()
        return [dict(r) for r in rows] if copy else rows

    def _within(self, name: str, lo: datetime, hi: datetime, read: Callable[[], list[dict[str, Any]]],
                when: Callable[[dict[str, Any]], datetime]) -> list[dict[str, Any]]:
        """Rows of [lo, hi): cut from a wider read of the same kind already made, else read."""
        rows = self._cut(name, lo, hi, when)
        return [dict(r) for r in rows] if rows is not None else self._once((name, lo, hi), read)

    def _cut(self, name: str, lo: datetime, hi: datetime, when: Callable[[dict[str, Any]], datetime]
             ) -> list[dict[str, Any]] | None:
        """The kept rows of [lo, hi) from a wider read of the same kind already made; None if none."""
        for key, rows in self._memo.items():
            if key[0] == name and key[1] <= lo and key[2] >= hi:
                at = self._sorted_at(key, rows, when)
                if at is None:
                    return [r for r in rows if lo <= when(r) < hi]
                return rows[bisect_left(at, lo):bisect_left(at, hi)]
        return None

    def _sorted_at(self, key: tuple, rows: list[dict[str, Any]], when: Callable[[dict[str, Any]], datetime]
                   ) -> list[datetime] | None:
        """The instants of a kept read's rows when they come in order of them (each read is),
        made once: its cuts are then found by halving, not a pass over every row (a refresh
        cuts the week's reads about a dozen times). None if out of order."""
        at = self._memo.get(("sorted_at", key))
        if at is None:
            at = [when(r) for r in rows]
            ordered = all(a <= b for a, b in zip(at, at[1:]))
            at = self._memo[("sorted_at", key)] = at if ordered else False
        return at or None

    def _days_within(self, name: str, d0: date, d1: date, read: Callable[[], list[dict[str, Any]]],
                     copy: bool = True) -> list[dict[str, Any]]:
        """Per-day rows of the local days [d0, d1), as _within: a day is inside exactly when its
        local midnight is, so a wider read is cut by date (no instant made per row)."""
        lo, hi = self.bounds(d0, d1)
        for key, rows in self._memo.items():
            if key[0] == name and key[1] <= lo and key[2] >= hi:
                return [dict(r) if copy else r for r in rows if d0 <= r["day"] < d1]
        return self._once((name, lo, hi), read, copy)

    # queries (all SQL lives in store/repository.py)
    def entries(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        lo, hi = self.bounds(since, until)
        return self._within("entries", lo, hi, lambda: repo.entries(self._connection(), lo, hi),
                            lambda r: r["occurred_at"])

    def iter_entries(self, batch: int = 5000) -> Iterator[dict[str, Any]]:
        """Pain entries of the period, oldest first, fetched in batches (for exporters)."""
        return repo.iter_entries(self._connection(), self.lo, self.hi, batch)

    def pain_summary(self, since: date | None = None, until: date | None = None) -> dict[str, Any]:
        """Average, worst, least and count over whole local days (for plugins; the figure is
        painboard.figures.pain_days.pain_summary over daily_pain)."""
        return pain_summary(self.daily_pain(since, until))

    def daily_pain(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        """Per local day: average, worst, least, n entries, with the day's review taken into
        account (with_reviews)."""
        return self._per_day("daily_pain", since, until)

    def episodes(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        lo, hi = self.bounds(since, until)
        return self._within("episodes", lo, hi, lambda: repo.episodes(self._connection(), lo, hi),
                            lambda r: r["onset"])

    def daily_episodes(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        return self._per_day("daily_episodes", since, until)

    def trend_days(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        """Per local day with entries, a review or episodes, oldest first: day, average,
        worst (as daily_pain) and episodes (0 if none); what the dashboard's trend draws.
        From the rollup's tuples in one pass (figures.pain_days.trend_days) when it serves the
        days: at 10 years, no per-day dicts of daily_pain and daily_episodes made for it."""
        d0, d1 = since or self.start, until or self.end
        rows = self._rollup_days(d0, d1)
        if rows is not None:
            return trend_of_days(rows, self.reviews(d0, d1))
        days = {r["day"]: {"day": r["day"], "average": r["average"], "worst": r["worst"], "episodes": 0}
                for r in self._per_day("daily_pain", since, until, copy=False)}
        for r in self._per_day("daily_episodes", since, until, copy=False):
            row = days.get(r["day"])
            if row is None:
                row = days[r["day"]] = {"day": r["day"], "average": None, "worst": None, "episodes": 0}
            row["episodes"] = r["n"]
        return [days[d] for d in sorted(days)]

    def _per_day(self, name: str, since: date | None, until: date | None, copy: bool = True
                 ) -> list[dict[str, Any]]:
        d0, d1 = since or self.start, until or self.end
        return self._days_within(name, d0, d1, lambda: self._daily(name, d0, d1), copy)

    def _daily(self, name: str, d0: date, d1: date) -> list[dict[str, Any]]:
        """Read the per-day rows ``name`` of [d0, d1). From the rollup, the days' pain and
        episodes come in one read (cut from a wider one already made); from the rows, only
        the kind asked for."""
        con, lo, hi = self._connection(), *self.bounds(d0, d1)
        rows = self._rollup_days(d0, d1)
        if rows is not None:
            pain, episodes = rollup_split(rows)
        elif name == "daily_pain":
            pain = repo.daily_pain(con, self.tz_name, lo, hi)
        else:
            episodes = repo.daily_episodes(con, self.tz_name, lo, hi)
        if name == "daily_pain":  # a day's worst includes its episode peaks
            eps = episodes if rows is not None else self._per_day("daily_episodes", d0, d1, copy=False)
            return with_reviews(pain, self.reviews(d0, d1), eps)
        return episodes

    def read_days(self, since: date, until: date) -> None:
        """The per-day rows of the local days [since, until) (the rollup's days and the daily
        reviews) read once: later reads of days inside them are cut from them."""
        if self._rollup_days(since, until, fill=False) is not None:
            self._days_within("reviews", since, until, lambda: repo.reviews(self._connection(), since, until),
                              copy=False)

    def _rollup_days(self, d0: date, d1: date, fill: bool = True) -> list[tuple] | None:
        """The daily rollup's days [d0, d1) (store.rollup.days), cut from a wider read already
        made, else read; None when the rollup does not serve them (read from the rows).
        ``fill`` False: only a zone already kept serves (a read ahead never writes the file)."""
        lo, hi = self.bounds(d0, d1)
        for key, rows in self._memo.items():
            if key[0] == "rollup_days" and rows is not None and key[1] <= lo and key[2] >= hi:
                # the days are in order: cut by halving (ten years of days, cut a few times a refresh)
                return rows[bisect_left(rows, d0, key=_day):bisect_left(rows, d1, key=_day)]
        key = ("rollup_days", lo, hi)
        if key not in self._memo:
            kept = ("rollup_kept",) in self._memo  # a zone once kept stays kept in the transaction
            rows = repo.daily_rollup(self._connection(), self.tz_name, (d0, d1), kept, fill)
            if rows is None and not fill:
                return None  # not kept: a read that may fill the zone decides for these days
            self._memo[key] = rows
            if rows is not None:
                self._memo[("rollup_kept",)] = []
        return self._memo[key]

    def events(self, since: date | None = None, until: date | None = None,
               item_ids: list[int] | None = None) -> list[dict[str, Any]]:
        """Plan events done in the period, of every plan item or of item_ids only. Turning a
        row's two instants into Python objects is most of a read's cost: a long look back
        for a few items reads theirs alone (at 1M entries, 120 days of events: 15 ms, 3 ms)."""
        lo, hi = self.bounds(since, until)
        if item_ids is None:
            return self._within("events", lo, hi, lambda: repo.events(self._connection(), lo, hi),
                                lambda r: r["done_at"])
        wanted = set(item_ids)
        ids = sorted(wanted)
        occasional, rows = self._occasional()
        if not wanted <= occasional:  # not all occasional: every item's events read may cover them
            rows = next((rows for key, rows in self._memo.items()
                         if key[0] == "events" and key[1] <= lo and key[2] >= hi), None)
        if rows is not None:
            return [dict(r) for r in rows if lo <= r["done_at"] < hi and r["item_id"] in wanted]
        return self._once(("events_of", lo, hi, tuple(ids)),
                          lambda: repo.events(self._connection(), lo, hi, item_ids=ids))

    def read_events(self, since: date, until: date) -> None:
        """The events done in the local days [since, until) and those due in the period, in
        one read (the snapshot's); events() and events_due() are then cut from it."""
        lo, hi = self.bounds(since, until)
        rows = repo.events_done_or_due(self._connection(), (lo, hi), (self.lo, self.hi))
        self._memo.setdefault(("events", lo, hi), [r for r in rows if lo <= r["done_at"] < hi])
        due = [r for r in rows if r["due_at"] is not None and self.lo <= r["due_at"] < self.hi]
        self._memo.setdefault(("events_due", self.lo, self.hi), sorted(due, key=lambda r: (r["due_at"], r["id"])))

    def events_due(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        """Plan events recorded against a due time inside the period."""
        lo, hi = self.bounds(since, until)
        return self._within("events_due", lo, hi, lambda: repo.events_due_between(self._connection(), lo, hi),
                            lambda r: r["due_at"])

    def plan_item_rows(self) -> list[dict[str, Any]]:
        return self._once(("plan_items",), lambda: repo.plan_items(self._connection()))

    def plan_items(self, include_stopped: bool = True) -> list[PlanItem]:
        """The plan items as models, validated once per transaction (a refresh asks ~8 times);
        each caller gets its own copies."""
        models = self._memo.get(("plan_item_models",))
        if models is None:
            models = self._memo[("plan_item_models",)] = [PlanItem.from_row(r) for r in self.plan_item_rows()]
        return [m.model_copy() for m in models if include_stopped or m.status == "active"]

    def symptoms(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        """Symptoms logged in [since, until): warning signs, side effects, own words."""
        from painboard.store import symptoms as symptom_store

        lo, hi = self.bounds(since, until)
        return self._within("symptoms", lo, hi, lambda: symptom_store.symptoms(self._connection(), lo, hi),
                            lambda r: r["occurred_at"])

    def unreported_signs(self) -> list[dict[str, Any]]:
        """The warning signs not yet reported, oldest first, whenever logged; read with the
        symptoms from a day before the period on (the period's are then cut from them)."""
        from painboard.store import symptoms as symptom_store

        rows = self._from_day_before("symptoms", lambda lo: symptom_store.symptoms(
            self._connection(), lo, with_unreported=True))
        return [dict(r) for r in rows if symptom_store.unreported(r)]

    def reviews(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        """The daily reviews of the local days [since, until), read once per transaction (a
        narrower period is cut from a wider read); each caller gets its own copies."""
        d0, d1 = since or self.start, until or self.end
        rows = self._days_within("reviews", d0, d1, lambda: repo.reviews(self._connection(), d0, d1), copy=False)
        return [dict(r, interference=dict(r["interference"])) for r in rows]

    def omed(self, since: date | None = None, until: date | None = None) -> Omed:
        """Oral morphine equivalents of the days [since, until) (for plugins; the figure is
        painboard.figures.period.period_omed)."""
        return period_omed(self, since, until)

    def daily_mme(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        """Oral morphine equivalents (mg) per local day of the doses taken: rows of day, mme."""
        per_day = self.omed(since, until).per_day
        return [{"day": d, "mme": per_day[d]} for d in sorted(per_day)]

    def nights_with_pain(self, threshold: int = 1, since: date | None = None,
                         until: date | None = None) -> int:
        """Of the nights ending on the mornings of the period's days, those with pain >= threshold
        logged in the night window (22:00-06:00 by default). A 7-day period has 7 nights.
        (For plugins; the figure is painboard.figures.pain_days.nights_with_pain.)"""
        return nights_with_pain(self.pain_nights(threshold, since, until))

    def pain_nights(self, threshold: int = 1, since: date | None = None,
                    until: date | None = None) -> list[dict[str, Any]]:
        """The nights (rows of ``night``, the date it starts on) ending on the mornings of the
        days [since, until) with pain >= threshold logged in the night window."""
        ns, ne = self.night_start, self.night_end
        since, until = since or self.start, until or self.end
        lo = datetime.combine(since - timedelta(days=1), ns, self.tz).astimezone(timezone.utc)
        hi = datetime.combine(until - timedelta(days=1), ne, self.tz).astimezone(timezone.utc)
        entries = self._cut("entries", lo, hi, lambda r: r["occurred_at"])
        episodes = self._cut("episodes", lo, hi, lambda r: r["onset"])
        if entries is not None and episodes is not None:  # the snapshot's reads hold the nights
            logged = [*((r["occurred_at"].astimezone(self.tz), r["intensity"]) for r in entries),
                      *((r["onset"].astimezone(self.tz), r["peak"]) for r in episodes)]
        else:
            logged = repo.night_values(self._connection(), self.tz_name, lo, hi, threshold)
        return pain_nights(logged, ns.hour * 60 + ns.minute, ne.hour * 60 + ne.minute, threshold)

    def write_entries_parquet(self, path: str | Path) -> int:
        """Let DuckDB write the period's pain entries as Parquet; returns the row count."""
        return repo.copy_entries_parquet(self._connection(), self.lo, self.hi, str(path))

    def opioid_factors(self) -> dict[str, float]:
        return load_opioid_factors()

    # what the dashboard reads beside the period's figures (one read path for a snapshot)
    def revision(self) -> int:
        return repo.revision(self._connection())

    def first_entry_at(self) -> datetime | None:
        """When the first pain entry was logged, whenever that was."""
        first = repo.entries(self._connection(), limit=1)
        return first[0]["occurred_at"] if first else None

    def first_entry_day(self) -> date | None:
        """The local date of the first pain entry, whenever it was logged. From the daily
        rollup, when it keeps the zone, by reading all its days (a trend over all of them is
        then cut from that read, not read again)."""
        days = self._rollup_days(FIRST_DAY - timedelta(days=1), LAST_DAY + timedelta(days=1), fill=False)
        if days is not None:
            return next((d[0] for d in days if d[4] > 0), None)  # n: the day's entries
        first = self.first_entry_at()
        return first.astimezone(self.tz).date() if first else None

    def _from_day_before(self, name: str, read: Callable[[datetime], list[dict[str, Any]]]
                         ) -> list[dict[str, Any]]:
        """Rows of ``name`` from a day before the period on, with no end, read once: the
        newest entries and the open episode come from it, and later reads inside it (the
        period's own, a dose's day before) are cut from it by _within."""
        lo = self.lo - timedelta(days=1)
        return self._once((name, lo, _NO_END), lambda: read(lo), copy=False)

    def newest_entries(self, limit: int) -> list[dict[str, Any]]:
        """The newest pain entries, whenever they were logged (not only in the period)."""
        rows = self._from_day_before("entries", lambda lo: repo.entries(self._connection(), lo))
        if len(rows) >= limit:  # read oldest first: the newest are the last
            return [dict(r) for r in rows[:-limit - 1:-1]] if limit else []
        return self._once(("newest", limit), lambda: repo.entries(
            self._connection(), limit=limit, newest_first=True))

    def open_episode(self) -> dict[str, Any] | None:
        """The episode without an end (the latest by onset, should there be more)."""
        rows = self._from_day_before("episodes", lambda lo: repo.episodes(self._connection(), lo,
                                                                          with_open=True))
        open_ = [e for e in rows if e["end_at"] is None]
        return dict(max(open_, key=lambda e: (e["onset"], e["id"]))) if open_ else None

    def _occasional(self) -> tuple[set[int], list[dict[str, Any]]]:
        """Every event ever of the plan items that come now and then (infusions, radiation,
        procedures, one-off items: a few a month at most), read once: the trend's markers,
        their last events, the bone agents' and the radiation courses' events are cut from it
        (one read instead of four, about a millisecond each at 1M entries)."""
        got = self._memo.get(("occasional",))
        if got is None:
            ids = sorted(r["id"] for r in self.plan_item_rows()
                         if r["category"] in OCCASIONAL_CATEGORIES or r["kind"] == "once")
            rows = repo.events(self._connection(), item_ids=ids) if ids else []
            got = self._memo[("occasional",)] = (set(ids), rows)
        return got

    def plan_markers(self, categories: tuple[str, ...], since: date | None = None,
                     until: date | None = None) -> list[dict[str, Any]]:
        """Done plan events of the categories per local day (infusions, radiation, procedures):
        rows of day, category and label (the item's name), in the order they were done."""
        items = {r["id"]: r for r in self.plan_item_rows() if r["category"] in categories}
        lo, hi = self.bounds(since, until)
        occasional, rows = self._occasional()
        if not set(items) <= occasional:
            rows = self.events(since, until, item_ids=list(items))
        return [{"day": e["done_at"].astimezone(self.tz).date(), "category": items[e["item_id"]]["category"],
                 "label": items[e["item_id"]]["name"]} for e in rows
                if e["item_id"] in items and e["status"] in GIVEN and lo <= e["done_at"] < hi]

    def last_events(self, item_ids: list[int], until: date | None = None) -> dict[int, dict[str, Any]]:
        """Each item's most recent taken or done event, whenever it was (before the local
        date ``until`` when given)."""
        hi = self.bounds(self.start, until)[1] if until else None
        occasional, rows = self._occasional()
        wanted, last = set(item_ids) & occasional, {}
        for e in rows:  # oldest first: the last one kept per item is its latest
            if e["item_id"] in wanted and e["status"] in GIVEN and (hi is None or e["done_at"] < hi):
                last[e["item_id"]] = e
        out = {i: dict(e) for i, e in last.items()}
        ids = [i for i in item_ids if i not in occasional]
        if not ids:
            return out
        # Items' latest events read without a bound, kept (None: the item has none): the
        # latest before ``until`` is the same one when it is before it (the checklist reads
        # them unbounded, a figure again up to the period's end).
        latest = self._memo.setdefault(("last_events",), {})
        missing = [i for i in ids if i not in latest
                   or (hi is not None and latest[i] is not None and latest[i]["done_at"] >= hi)]
        if hi is None and missing:
            got = repo.last_events(self._connection(), item_ids=missing)
            latest.update({i: got.get(i) for i in missing})
            missing = []
        out.update({i: dict(latest[i]) for i in ids if i not in missing and latest[i] is not None})
        if missing:
            out.update(repo.last_events(self._connection(), item_ids=missing, until=hi))
        return out
