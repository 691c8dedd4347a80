"""One object for a period's figures: ``figures_of(view)`` computes each figure once (lazily,
on first use) from one period view, and every face words its results: the Today panel, the
metric plugins, ``painboard metrics``, the insights view, the visit reports and the exports.

The view is anything with the period view's queries (painboard.view_protocol.PeriodView, a
typing.Protocol; the store's PeriodView is the one painboard passes). Rows come from the view,
figures from the topic modules beside this one; nothing here reads the database itself.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, timedelta
from functools import cached_property
from typing import Any
from weakref import WeakKeyDictionary

from painboard.view_protocol import PeriodView

from painboard.figures import end_of_dose as _eod, episodes as _episodes, insights as _insights
from painboard.figures import radiation as _radiation, rescue as _rescue, schedule as _schedule
from painboard.figures.omed import PATCH_WEAR_HOURS, Omed, omed, omed_per_day
from painboard.figures.pain_days import nights_with_pain, pain_summary
from painboard.figures.severity import severity_band, severity_level
from painboard.figures.symptoms import SymptomFigures

# Pain entries and episodes read once per view: a visit summary over years asks for the same
# rows from several figures, and each read of 100k rows costs about a second while the export
# holds the file. A narrower period is cut from a wider read already made. Callers share the
# rows: they must not change them.
_READ: WeakKeyDictionary = WeakKeyDictionary()
_WHEN = {"entries": "occurred_at", "episodes": "onset"}


def rows_once(view: PeriodView, kind: str, since: date | None = None,
              until: date | None = None) -> list[dict[str, Any]]:
    """``view.entries`` or ``view.episodes`` of [since, until), read once per view."""
    lo, hi = view.bounds(since, until)
    memo = _READ.setdefault(view, {})
    for (k, a, b), rows in memo.items():
        if k == kind and a <= lo and b >= hi:
            if (a, b) == (lo, hi):
                return rows
            when = _WHEN[kind]
            return [r for r in rows if lo <= r[when] < hi]
    rows = memo[(kind, lo, hi)] = getattr(view, kind)(since, until)
    return rows


def rows_once_padded(view: PeriodView, kind: str, pad: timedelta) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The period's rows and those of the period widened by ``pad`` either side. When the
    period's rows were not read yet, one read of the wider span serves both (kept under both);
    else the pads are read on their own, so a long period's rows are never read twice."""
    lo, hi = view.bounds()
    memo = _READ.setdefault(view, {})
    if any(k == kind and a <= lo and b >= hi for (k, a, b) in memo):
        rows = rows_once(view, kind)
        return rows, (rows_once(view, kind, view.start - pad, view.start) + rows
                      + rows_once(view, kind, view.end, view.end + pad))
    wide = rows_once(view, kind, view.start - pad, view.end + pad)
    when = _WHEN[kind]
    rows = memo[(kind, lo, hi)] = [r for r in wide if lo <= r[when] < hi]
    return rows, list(wide)


def figures_of(view: PeriodView) -> "PeriodFigures":
    """The view's figures, made once per view and kept on it: in a table keyed weakly by the
    view, the figures (which hold their view) kept every view alive, and with it what it read
    (about 90 KB a refresh at 1M entries, a refresh a minute)."""
    f = getattr(view, "_period_figures", None)
    if f is None:
        f = view._period_figures = PeriodFigures(view)
    return f


def omed_events_since(since: date) -> date:
    """The first day whose doses count in the OMED of days from ``since``: a patch's wear time
    earlier, so a patch applied before them counts on the days it is still worn."""
    return since - timedelta(days=-(-PATCH_WEAR_HOURS // 24))


def period_omed(view: PeriodView, since: date | None = None, until: date | None = None) -> Omed:
    """OMED of the local days [since, until) (default: the period), from the events since
    omed_events_since."""
    since, until = since or view.start, until or view.end
    return omed(view.events(omed_events_since(since), until), view.plan_item_rows(), view.tz, days=(since, until))


def daily_series(view: PeriodView, rows: list[dict[str, Any]], key: str) -> list[float | None]:
    """One value of ``key`` per day of the period (None: no row that day)."""
    by_day = {r["day"]: r[key] for r in rows}
    return [None if by_day.get(d) is None else float(by_day[d]) for d in view.days()]


class PeriodFigures(SymptomFigures):
    """Every figure of one period view, each computed on first use and kept."""

    def __init__(self, view: PeriodView):
        self.view = view

    # -- pain ----------------------------------------------------------------------------------
    def pain(self, since: date | None = None, until: date | None = None) -> dict[str, Any]:
        """Average, worst, least, n entries and reviews over whole local days."""
        if since is None and until is None:
            return self.pain_summary
        return pain_summary(self.view.daily_pain(since, until))

    @cached_property
    def pain_summary(self) -> dict[str, Any]:
        return pain_summary(self.daily_pain)

    @cached_property
    def daily_pain(self) -> list[dict[str, Any]]:
        return self.view.daily_pain()

    @cached_property
    def avg_series(self) -> list[float | None]:
        return daily_series(self.view, self.daily_pain, "average")

    @cached_property
    def worst_series(self) -> list[float | None]:
        return daily_series(self.view, self.daily_pain, "worst")

    def nights_with_pain(self, threshold: int = 1, since: date | None = None, until: date | None = None) -> int:
        """Nights ending on the mornings of the days with pain >= threshold in the night window."""
        return nights_with_pain(self.view.pain_nights(threshold, since, until))

    @cached_property
    def severe_days(self) -> int:
        """Days whose worst is in the severe band."""
        return sum(1 for w in self.worst_series if severity_band(w) == "severe")

    @cached_property
    def days_above_controlled(self) -> int:
        """Days whose average is above the controlled level."""
        return sum(1 for a in self.avg_series if severity_level(a) != "ok")

    # -- opioids -------------------------------------------------------------------------------
    def omed(self, since: date | None = None, until: date | None = None) -> Omed:
        if since is None and until is None:
            return self.period_omed
        return period_omed(self.view, since, until)

    @cached_property
    def period_omed(self) -> Omed:
        return period_omed(self.view)

    @cached_property
    def omed_stats(self) -> dict[str, Any] | None:
        """The period's daily OMED, one statistic on every face (Omed.period): the mean over the
        days with a dose counted with min and max (half up to 0.1 mg), days, per drug, and the
        words every face shows. None: no dose counted."""
        o = self.period_omed
        p = o.period()
        if p is None:
            return None
        return dict(p, per_drug=dict(sorted(o.per_drug.items())), words=o.period_words(len(self.view.days())))

    # -- rescue doses --------------------------------------------------------------------------
    @cached_property
    def rescue_per_day(self) -> Counter:
        return _rescue.rescue_doses_per_day(self.view.events(), self.view.plan_item_rows(), self.view.tz)

    @cached_property
    def rescue_totals(self) -> dict[str, Any]:
        """Rescue doses of the period: total, a day on average over its days, most in a day."""
        per_day, n_days = self.rescue_per_day, len(self.view.days())
        total = sum(per_day.values())
        return {"total": total, "per_day": total / n_days if n_days else 0.0,
                "most": max(per_day.values(), default=0)}

    @cached_property
    def rescue_items(self) -> list[dict[str, Any]]:
        """Each rescue item on the period's last day: its doses that day against its own cap, on
        the days it is active (never one cap summed across drugs)."""
        v = self.view
        return _rescue.rescue_by_item(v.events(), v.plan_items(), v.tz, v.today)

    @cached_property
    def rescue_items_over(self) -> list[dict[str, Any]]:
        """Each rescue item with a dose in the period: doses, most in a day, its own cap, days above it."""
        v = self.view
        return _rescue.rescue_items_over(v.events(), v.plan_items(), v.tz, v.days())

    @cached_property
    def rescue_marker_days(self) -> list[date]:
        return _rescue.rescue_marker_days(self.rescue_per_day, self.view.days())

    @cached_property
    def rescue_above_cap(self) -> list[dict[str, Any]]:
        """(day, item, n, cap) where an item went above its own cap, oldest first."""
        v = self.view
        return _rescue.above_own_cap(v.events(), v.plan_items(), v.tz, v.days())

    # -- the schedule --------------------------------------------------------------------------
    @cached_property
    def adherence(self) -> dict[str, Any]:
        """Scheduled medication doses due in the period (up to now) and what was recorded."""
        v = self.view
        return _schedule.adherence(v.plan_items(), v.events_due(), v.lo, min(v.hi, v.now), v.tz, v.days())

    @cached_property
    def bone_agents(self) -> list[dict[str, Any]] | None:
        """Each bone-strengthening item of the period (active in it, or given by its end) as of
        its last day: next due date, days to it, last given, doses skipped or missed since then
        (schedule.bone_agent_status), soonest first. None: no such item."""
        v = self.view
        as_of = v.today
        bone = [it for it in v.plan_items() if it.category == "bone_strengthening" and it.kind != "once"]
        last = v.last_events([it.id for it in bone], until=as_of + timedelta(days=1))
        items = [it for it in bone if _schedule.active_in(it, v.start, v.end - timedelta(days=1))
                 or (it.id in last and it.status == "active")]
        if not items:
            return None
        since = min([it.start_date for it in items] + [e["done_at"].astimezone(v.tz).date() for e in last.values()])
        events = v.events(since=since, until=as_of + timedelta(days=1), item_ids=[it.id for it in items])
        rows = []
        for it in items:
            given = last.get(it.id)
            st = _schedule.bone_agent_status(it, given["done_at"] if given else None,
                                             [e for e in events if e["item_id"] == it.id], as_of, v.tz)
            if st is not None:
                rows.append(dict(st, item=it))
        return sorted(rows, key=lambda r: r["next_due"])

    # -- episodes ------------------------------------------------------------------------------
    @cached_property
    def episodes(self) -> list[dict[str, Any]]:
        return rows_once(self.view, "episodes")

    def episode_summary(self, since: date | None = None, until: date | None = None) -> dict[str, Any]:
        """Count, median minutes and worst peak of the episodes with an onset in the days."""
        if since is None and until is None:
            return _episodes.episode_summary(self.episodes)
        lo, hi = self.view.bounds(since, until)
        if self.view.lo <= lo and hi <= self.view.hi:  # cut from the period's, read once
            return _episodes.episode_summary([e for e in self.episodes if lo <= e["onset"] < hi])
        return _episodes.episode_summary(self.view.episodes(since, until))

    @cached_property
    def episode_rate(self) -> float:
        """The period's episodes (by onset) a day over its days."""
        n_days = len(self.view.days())
        return len(self.episodes) / n_days if n_days else 0.0

    @cached_property
    def episodes_per_day(self) -> dict[str, Any]:
        """Episodes a day over the period's days, from the per-day counts."""
        days, rows = self.view.days(), self.view.daily_episodes()
        total = sum(r["n"] for r in rows)
        return {"total": total, "days": len(days), "per_day": round(total / len(days), 1) if days else 0.0,
                "series": [float(x or 0) for x in daily_series(self.view, rows, "n")]}

    @cached_property
    def breakthrough(self) -> dict[str, Any]:
        ns, ne = self.view.night_start, self.view.night_end
        return _episodes.breakthrough_profile(self.episodes, len(self.view.days()), self.view.tz,
                                              ns.hour * 60 + ns.minute, ne.hour * 60 + ne.minute)

    @cached_property
    def end_of_dose(self) -> dict[str, Any]:
        v = self.view
        return _eod.end_of_dose(self.episodes, v.plan_items(), v.lo, v.hi, v.tz)

    # -- radiation -----------------------------------------------------------------------------
    @cached_property
    def radiation_courses(self) -> list[dict[str, Any]]:
        v = self.view
        items = [it for it in v.plan_items() if it.category == "radiation"]
        if not items:
            return []
        events = v.events(since=v.start - _radiation.COURSE_LOOK_BACK, until=v.end,
                          item_ids=[it.id for it in items])
        return _radiation.radiation_courses(items, events, v.tz, v.start, v.end)

    @cached_property
    def events_from(self) -> date:
        """The first day whose events the period's figures read: a patch's wear time before
        the period (its OMED), or a radiation course's baseline (its flare and response)."""
        return min([omed_events_since(self.view.start)]
                   + [c["sessions"][0] - timedelta(days=_radiation.BASELINE_DAYS) for c in self.radiation_courses])

    def _course_daily(self, first: date, last: date) -> tuple[dict[date, float], dict[date, float], date]:
        """Daily worst and daily OMED from the baseline to the 12th week, cut at the period's end."""
        v = self.view
        since = first - timedelta(days=_radiation.BASELINE_DAYS)
        until = min(v.end, last + timedelta(days=7 * max(_radiation.RESPONSE_WEEKS) + 1))
        if until <= since:
            return {}, {}, v.today
        pain = v.daily_pain(since, until)
        worst = {r["day"]: float(r["worst"]) for r in pain if r["worst"] is not None}
        events = v.events(since, until)
        # the days with a record of any kind (an entry, episode or review: a daily_pain row; a
        # dose): the others are unknown, left out of the means, never 0 mg
        recorded = [r["day"] for r in pain] + [r["day"] for r in v.reviews(since, until)]
        recorded += [e["done_at"].astimezone(v.tz).date() for e in events if e["status"] == "taken"]
        omed_day = _radiation.known_omed_days(omed_per_day(events, v.plan_item_rows(), v.tz), recorded)
        return worst, omed_day, v.today

    @cached_property
    def _courses_daily(self) -> list[tuple[dict[date, float], dict[date, float], date]]:
        """Each course's daily worst and OMED, read once for both the flare and the response."""
        return [self._course_daily(c["sessions"][0], c["sessions"][-1]) for c in self.radiation_courses]

    def _courses_with(self, figure) -> list[tuple[dict[str, Any], dict, dict, dict[str, Any]]]:
        out = []
        for c, (worst, omed_day, last_day) in zip(self.radiation_courses, self._courses_daily):
            r = figure(c["sessions"], worst, omed_day, last_day)
            r["item"] = c["item"].label()
            out.append((c, worst, omed_day, r))
        return out

    @cached_property
    def radiation_flares(self) -> list[tuple[dict[str, Any], dict, dict, dict[str, Any]]]:
        """(course, daily worst, daily OMED, flare) of each course."""
        return self._courses_with(_radiation.radiation_flare)

    @cached_property
    def radiation_responses(self) -> list[tuple[dict[str, Any], dict, dict, dict[str, Any]]]:
        """(course, daily worst, daily OMED, response) of each course."""
        return self._courses_with(_radiation.radiation_response)

    # -- insights ------------------------------------------------------------------------------
    @cached_property
    def insights(self) -> dict[str, Any]:
        v = self.view
        # a dose early on the first day or late on the last sees the entries just outside the period
        entries, around = rows_once_padded(v, "entries", timedelta(days=1))
        eps = self.episodes
        doses = _rescue.rescue_doses(v.events(), v.plan_item_rows())
        return {"period": {"since": v.start, "until": v.end - timedelta(days=1)},
                "entries": len(entries), "episodes": len(eps), "min_n": _insights.INSIGHT_MIN_N,
                "triggers": _insights.triggers_ranked(eps), "activities": _insights.activities_ranked(entries),
                "by_hour": _insights.pain_by_hour(entries, v.tz),
                "rescue": _insights.rescue_before_after(around, doses),
                "rescue_relief": _episodes.rescue_relief(eps),
                "helps": _insights.with_direction(_insights.what_helps(entries))}
