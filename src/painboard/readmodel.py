"""The dashboard's read model: what the panels show, built from one period view.

Plain dataclasses and functions over a PeriodView (store/period_view.py), with no import of
duckdb, pydantic or Textual, so the first frame can use the types before the store loads.
The figures are computed in painboard.figures; this module only arranges its figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from painboard.figures.days import midnight
from painboard.figures.pain_days import with_new_entry
from painboard.figures.period import figures_of
from painboard.figures.rescue import over_rescue_marker, rescue_by_item, rescue_doses
from painboard.figures.severity import half_up
from painboard.figures.schedule import bone_agent_status
from painboard.recurrence import MAX_ACTIVE_ITEMS, MAX_PLAN_DUE_PER_DAY, UNREADABLE

# Plan categories the trend marks on its days, and the checklist's order of categories.
MARKED_CATEGORIES = ("radiation", "bone_strengthening", "procedure")
CHECKLIST_ORDER = {"medication": 0, "supportive": 1, "bone_strengthening": 2, "radiation": 3, "procedure": 4}


@dataclass
class ChecklistLine:
    """One line of today's plan checklist."""

    item_id: int
    label: str
    category: str
    kind: str
    state: str  # done | due | overdue | upcoming | as_needed | skipped | missed | error
    due_at: datetime | None = None
    event_id: int | None = None
    count_today: int = 0
    max_per_day: int | None = None
    due_in_days: int | None = None
    text: str = ""


@dataclass
class Today:
    day: date
    now: int | None
    now_at: datetime | None
    average: float | None
    worst: int | None
    entries: int
    episodes: int
    episode_median_min: float | None
    rescue_doses: int
    rescue_max: int | None  # the cap of the one rescue item active today; None with none or several
    mme: float | None  # oral morphine equivalents of the day's doses, mg
    nights_with_pain: int
    nights: int
    open_episode: dict[str, Any] | None = None
    mme_not_counted: str = ""  # "not counted (unit): Oramorph", or ""
    rescue_items: list[dict[str, Any]] = field(default_factory=list)  # item, n, cap: each its own cap

    @property
    def rescue_marker(self) -> bool:
        return over_rescue_marker(self.rescue_doses)

    def with_entry(self, intensity: int, occurred_at: datetime, tz) -> "Today":
        """Today as it is once a new entry is logged, before the next full read: the worst
        at once, the average exact for a first entry (the refresh brings the rest)."""
        from dataclasses import replace

        if occurred_at.astimezone(tz).date() != self.day:
            return self
        worst, average = with_new_entry(self.worst, self.average, self.entries, intensity)
        return replace(self, worst=worst, entries=self.entries + 1, average=average)


@dataclass
class Trend:
    start: date
    end: date
    days: list[dict[str, Any]] = field(default_factory=list)  # day, average, worst, episodes
    markers: list[dict[str, Any]] = field(default_factory=list)  # day, category, label


@dataclass
class DayData:
    """What several panels read about one local day, read once."""

    day: date
    lo: datetime
    hi: datetime
    items: dict[int, dict[str, Any]]
    events: list[dict[str, Any]]  # done that day
    due_events: list[dict[str, Any]]  # recorded against a due time that day, whenever done


@dataclass
class Snapshot:
    """Everything the dashboard shows, read in one unit of work."""

    revision: int
    today: Today
    checklist: list[ChecklistLine]
    trend: Trend
    recent: list[dict[str, Any]]
    metrics: list[Any] = field(default_factory=list)  # metric results, filled by the plugin registry
    warning_signs: list[dict[str, Any]] = field(default_factory=list)  # unreported, for the banner


def day_data(view, day: date) -> DayData:
    """The day's plan items and events, through the view."""
    until = day + timedelta(days=1)
    lo, hi = view.bounds(day, until)
    return DayData(day, lo, hi, {i["id"]: i for i in view.plan_item_rows()}, view.events(day, until),
                   view.events_due(day, until))


def build_today(view, day: date, data: DayData | None = None, latest: dict | None = None) -> Today:
    """Today's figures; ``view`` covers at least the seven days ending on ``day``."""
    data = data or day_data(view, day)
    until = day + timedelta(days=1)
    open_episode = view.open_episode()  # first: its read holds the days' episodes too
    f = figures_of(view)
    s = f.pain(day, until)
    if latest is None:
        newest = view.newest_entries(1)
        latest = newest[0] if newest else None
    eps = f.episode_summary(day, until)
    items = list(data.items.values())
    per_item = rescue_by_item(data.events, view.plan_items(), view.tz, day)
    dose_omed = f.omed(day, until)
    # The last seven nights, the one that ended this morning included.
    nights = f.nights_with_pain(1, day - timedelta(days=6), until)
    return Today(day=day, now=latest["intensity"] if latest else None,
                 now_at=latest["occurred_at"] if latest else None,
                 average=half_up(s["average"], 1),
                 worst=s["worst"], entries=s["n"], episodes=eps["n"],
                 episode_median_min=eps["median_min"],
                 rescue_doses=len(rescue_doses(data.events, items)),
                 rescue_max=per_item[0]["cap"] if len(per_item) == 1 else None, rescue_items=per_item,
                 mme=half_up(dose_omed.total, 1),
                 nights_with_pain=nights, nights=7, open_episode=open_episode,
                 mme_not_counted=dose_omed.not_counted_words())


def build_trend(view, start: date, end: date) -> Trend:
    """Daily average and worst, episodes per day, and plan events worth marking, start..end."""
    until = end + timedelta(days=1)
    return Trend(start=start, end=end, days=view.trend_days(start, until),
                 markers=view.plan_markers(MARKED_CATEGORIES, start, until))


def build_checklist(view, day: date, now: datetime, data: DayData | None = None) -> list[ChecklistLine]:
    """Today's plan: each due time of scheduled items, as-needed counts, the next infrequent one."""
    data = data or day_data(view, day)
    lo, hi = data.lo, data.hi
    lines: list[ChecklistLine] = []
    today_events = data.events
    due_events = {(e["item_id"], e["due_at"]): e for e in data.due_events}
    infrequent = []  # infusions, radiation, procedures: when the next one is due
    budget, left_out = MAX_PLAN_DUE_PER_DAY, 0  # due times computed per refresh (plan limits)
    for n_item, it in enumerate(view.plan_items(include_stopped=False)):
        if it.start_date > day + timedelta(days=60) or (it.end_date and it.end_date < day):
            continue
        if n_item >= MAX_ACTIVE_ITEMS or (budget <= 0 and it.kind in ("scheduled", "course")):
            left_out += 1
            continue
        if it.schedule_problem:  # stored unreadable: a line of its own, the rest of the plan goes on
            lines.append(ChecklistLine(it.id, it.label(), it.category, it.kind, "error",
                                       text=f"{it.label()}: {UNREADABLE} {it.schedule_problem}"))
            continue
        if it.kind == "as_needed":
            n = sum(1 for e in today_events if e["item_id"] == it.id and e["status"] == "taken")
            mx = f" of {it.max_per_day}" if it.max_per_day else ""
            lines.append(ChecklistLine(it.id, it.label(), it.category, it.kind, "as_needed",
                                       count_today=n, max_per_day=it.max_per_day,
                                       text=f"{it.label()}, as needed ({n}{mx} today)"))
            continue
        occ = it.occurrences(lo, hi, view.tz)
        budget -= len(occ)
        if occ and it.category not in ("bone_strengthening",) and it.kind != "once":
            for due in occ:
                ev = due_events.get((it.id, due))
                if ev:
                    state = ev["status"] if ev["status"] in ("skipped", "missed") else "done"
                else:
                    state = "overdue" if due < now - timedelta(hours=2) else "due"
                hhmm = due.astimezone(view.tz).strftime("%H:%M")
                lines.append(ChecklistLine(it.id, it.label(), it.category, it.kind, state, due_at=due,
                                           event_id=ev["id"] if ev else None,
                                           text=f"{hhmm} {it.label()}"))
            continue
        infrequent.append(it)
    if infrequent:  # their last events, read for them alone (a daily item has thousands)
        last_events = view.last_events([it.id for it in infrequent])
        for it in infrequent:
            lines.extend(_next_due_line(view, it, day, lo, today_events, last_events.get(it.id)))
    if left_out:
        lines.append(ChecklistLine(0, "", "", "scheduled", "error", text=(
            f"{left_out} more plan item{'s' if left_out != 1 else ''} not shown: the plan is beyond "
            f"painboard's limits ({MAX_ACTIVE_ITEMS} active items, {MAX_PLAN_DUE_PER_DAY} due times a day); "
            "see 'painboard check'")))
    lines.sort(key=lambda l: (CHECKLIST_ORDER.get(l.category, 9), l.kind == "as_needed",
                              l.due_at or datetime.max.replace(tzinfo=timezone.utc)))
    return lines


def _next_due_line(view, it, day: date, lo: datetime, today_events: list[dict],
                   last: dict | None) -> list[ChecklistLine]:
    """Infrequent items (infusions, radiation, procedures): when the next one is due."""
    tz, held = view.tz, ""
    done_today = [e for e in today_events if e["item_id"] == it.id]
    if done_today:
        ev = done_today[-1]
        return [ChecklistLine(it.id, it.label(), it.category, it.kind, "done", due_at=ev["due_at"],
                              event_id=ev["id"], text=f"{it.label()}, {ev['status']} today")]
    if it.kind == "once":
        if last:
            return []
        due = it.next_due(lo, tz)
    elif it.category == "bone_strengthening":  # one interval after the last dose given
        given = last["done_at"] if last else None
        since = given.astimezone(tz).date() if given else it.start_date
        st = bone_agent_status(it, given, view.events(since, day + timedelta(days=1), item_ids=[it.id]), day, tz)
        if st is None or (it.end_date and st["next_due"] > it.end_date):
            return []
        due = midnight(st["next_due"], tz)
        held = "; ".join(f"{h['status']} {h['day']:%-d %b}" for h in st["not_given"])
    else:
        after = (last["due_at"] or last["done_at"]) + timedelta(days=1) if last else lo - timedelta(days=365)
        due = it.next_due(max(after, datetime.combine(it.start_date, time(0), tz)), tz)
    if due is None:
        return []
    local_due = due.astimezone(tz)
    days = (local_due.date() - day).days
    if days < -14 and it.kind == "once":
        return []
    if days > 0:
        state, when = "upcoming", f"due in {days} day{'s' if days != 1 else ''}"
        if it.kind == "once" or days > 7:
            when = local_due.strftime("%a %-d %b")
            # The date alone: "due in 26 days, Thu 24 Dec" was cut at 80 columns.
            when = f"due {when}" if it.category == "bone_strengthening" else when
    elif days == 0:
        state, when = "due", "due today"
    else:
        state, when = "overdue", f"overdue by {-days} day{'s' if days != -1 else ''}"
    if it.category == "bone_strengthening" and held:  # a skipped or missed dose shows
        when += f" ({held})"
    return [ChecklistLine(it.id, it.label(), it.category, it.kind, state, due_at=due,
                          due_in_days=days, text=f"{it.label()}, {when}")]
