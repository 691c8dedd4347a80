"""The use-cases both faces call. No SQL here (store/ has it) and never Textual."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from painboard.clinical import RESCUE_DOSES_MARKER
from painboard.config import Settings, zone_name
from painboard.errors import BadInput, NotFound
from painboard.models import (DailyReview, Episode, PainEntry, PlanEvent, PlanItem, guess_mme_factor,
                              is_rescue_item, minutes_of, utcnow)
from painboard.store import Database
from painboard.store import repository as repo





@dataclass
class ChecklistLine:
    """One line of today's plan checklist."""

    item_id: int
    label: str
    category: str
    kind: str
    state: str  # done | due | overdue | upcoming | as_needed | skipped | missed
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
    rescue_max: int | None
    mme: float | None
    nights_with_pain: int
    nights: int
    open_episode: dict[str, Any] | None = None

    @property
    def rescue_marker(self) -> bool:
        return self.rescue_doses > RESCUE_DOSES_MARKER


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


@dataclass
class ExportResult:
    format: str
    path: Any  # Path, or None when written to stdout
    count: int


@dataclass
class ImportResult:
    format: str
    path: Any
    read: dict[str, int]
    added: dict[str, int]
    skipped: dict[str, int] = field(default_factory=dict)  # rows the importer left out, by what

    @property
    def count(self) -> int:
        return sum(self.added.values())


class Painboard:
    """The application's use-cases over one database."""

    def __init__(self, settings: Settings, db: Database | None = None):
        self.settings = settings
        self.tz = settings.tz
        self.db = db or Database(settings.db_path, read_only=settings.read_only)

    # -- time helpers ----------------------------------------------------------------------
    def today(self, now: datetime | None = None) -> date:
        return (now or utcnow()).astimezone(self.tz).date()

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        start = datetime.combine(day, time(0), self.tz).astimezone(timezone.utc)
        end = datetime.combine(day + timedelta(days=1), time(0), self.tz).astimezone(timezone.utc)
        return start, end

    def local(self, dt: datetime) -> datetime:
        return dt.astimezone(self.tz)

    # -- pain entries ----------------------------------------------------------------------
    def log_pain(self, **fields: Any) -> PainEntry:
        fields.setdefault("occurred_at", utcnow())
        entry = PainEntry.build(**fields)
        with self.db.unit_of_work(write=True) as con:
            entry.id = repo.insert_one(con, "pain_entry", entry)
        return entry

    def entries(self, since: date | None = None, until: date | None = None,
                limit: int | None = None, newest_first: bool = False) -> list[dict[str, Any]]:
        lo = self.day_bounds(since)[0] if since else None
        hi = self.day_bounds(until)[0] if until else None
        with self.db.unit_of_work() as con:
            return repo.entries(con, lo, hi, limit=limit, newest_first=newest_first)

    def counts(self) -> dict[str, int]:
        with self.db.unit_of_work() as con:
            return repo.counts(con)

    # -- breakthrough episodes ---------------------------------------------------------------
    def record_episode(self, peak: Any, onset: datetime | None = None, duration_min: Any = None,
                       rescue_item: str | int | None = None, **fields: Any) -> Episode:
        """A whole episode at once (the CLI); a rescue dose item records a taken dose too.

        Without an onset, one logged with a duration is taken to have just ended."""
        minutes = None
        if duration_min not in (None, ""):
            try:
                minutes = minutes_of(duration_min)
            except ValueError as exc:
                raise BadInput(str(exc), field="duration") from None
        onset = onset or utcnow() - timedelta(minutes=minutes or 0)
        ep = Episode.build(peak=peak, onset=onset, **fields)
        if minutes is not None:
            ep.end_at = onset + timedelta(minutes=minutes)
        with self.db.unit_of_work(write=True) as con:
            if rescue_item is not None:
                item = self._find_item(con, rescue_item)
                if item.kind != "as_needed":
                    raise BadInput(f"{item.name} is not an as-needed item", field="rescue")
                ep.rescue_event_id = self._record_event(con, item, onset, "taken").id
            ep.id = repo.insert_one(con, "episode", ep)
        return ep

    def start_episode(self, peak: Any, onset: datetime | None = None, **fields: Any) -> Episode:
        ep = Episode.build(peak=peak, onset=onset or utcnow(), **fields)
        with self.db.unit_of_work(write=True) as con:
            ep.id = repo.insert_one(con, "episode", ep)
        return ep

    def open_episode(self) -> dict[str, Any] | None:
        with self.db.unit_of_work() as con:
            return repo.open_episode(con)

    def end_episode(self, end_at: datetime | None = None) -> dict[str, Any]:
        """End the open episode; a rescue dose taken since its onset is linked to it."""
        end_at = end_at or utcnow()
        with self.db.unit_of_work(write=True) as con:
            ep = repo.open_episode(con)
            if ep is None:
                raise NotFound("no breakthrough episode is open")
            if end_at < ep["onset"]:
                raise BadInput("is before the onset", field="end")
            rescue = None
            items = {i["id"]: i for i in repo.plan_items(con)}
            for ev in repo.events(con, ep["onset"], end_at + timedelta(seconds=1)):
                item = items.get(ev["item_id"])
                if item and is_rescue_item(item) and ev["status"] == "taken":
                    rescue = ev["id"]
                    break
            repo.end_episode(con, ep["id"], end_at, rescue)
            ep.update(end_at=end_at, rescue_event_id=rescue or ep["rescue_event_id"])
            return ep

    # -- plan ------------------------------------------------------------------------------
    def add_plan_item(self, **fields: Any) -> PlanItem:
        fields.setdefault("start_date", self.today())
        fields.setdefault("category", "medication")
        if fields.get("mme_factor") is None and fields.get("category", "medication") == "medication":
            fields["mme_factor"] = guess_mme_factor(str(fields.get("name", "")), fields.get("route"))
        item = PlanItem.build(**fields)
        with self.db.unit_of_work(write=True) as con:
            item.id = repo.insert_one(con, "plan_item", item)
        return item

    def plan(self, include_stopped: bool = True) -> list[PlanItem]:
        with self.db.unit_of_work() as con:
            return [PlanItem(**r) for r in repo.plan_items(con, include_stopped)]

    def _find_item(self, con, ref: str | int) -> PlanItem:
        rows = repo.plan_items(con)
        ref_s = str(ref).strip().lower()
        for r in rows:
            if str(r["id"]) == ref_s:
                return PlanItem(**r)
        matches = [r for r in rows if r["status"] == "active" and ref_s in r["name"].lower()]
        if len(matches) == 1:
            return PlanItem(**matches[0])
        if not matches:
            raise BadInput(f"no plan item matches {ref!r} (see 'painboard plan list')", field="item")
        names = ", ".join(f"{m['id']} {m['name']}" for m in matches)
        raise BadInput(f"{ref!r} matches several plan items: {names}; use the number", field="item")

    def mark_done(self, item: str | int, at: datetime | None = None, status: str | None = None,
                  amount: Any = None, due_at: datetime | None = None, note: str | None = None) -> PlanEvent:
        """Record a plan event: a dose taken, a session or procedure done, or skipped."""
        with self.db.unit_of_work(write=True) as con:
            return self._record_event(con, self._find_item(con, item), at, status, amount, due_at, note)

    def _record_event(self, con, it: PlanItem, at: datetime | None = None, status: str | None = None,
                      amount: Any = None, due_at: datetime | None = None, note: str | None = None) -> PlanEvent:
        if it.status != "active":
            raise BadInput(f"{it.name} is {it.status}", field="item")
        default = "taken" if it.category in ("medication", "bone_strengthening", "supportive") else "done"
        ev = PlanEvent.build(item_id=it.id, done_at=at or utcnow(), status=status or default,
                             amount=amount if amount is not None else it.dose, due_at=due_at, note=note)
        ev.id = repo.insert_one(con, "plan_event", ev)
        return ev

    def undo_event(self, event_id: int) -> None:
        with self.db.unit_of_work(write=True) as con:
            repo.delete_event(con, event_id)

    def stop_item(self, item: str | int, on: date | None = None) -> PlanItem:
        with self.db.unit_of_work(write=True) as con:
            it = self._find_item(con, item)
            repo.set_item_status(con, it.id, "stopped", on or self.today())
            return PlanItem(**repo.plan_item(con, it.id))

    def toggle(self, line: ChecklistLine, at: datetime | None = None) -> str:
        """Space on a checklist line: record it, or undo today's record. Returns what happened."""
        if line.kind == "as_needed":
            self.mark_done(line.item_id, at=at)
            return "recorded"
        # Decided on what is stored now, not on the line as last drawn: a quick second press, or
        # another session's tick, must not record the same due dose twice.
        with self.db.unit_of_work(write=True) as con:
            stored = repo.events_for_due(con, line.item_id, line.due_at) if line.due_at else []
            if line.event_id is not None and not stored:
                stored = [e for e in [repo.plan_event(con, line.event_id)] if e]
            if stored:
                for e in stored:
                    repo.delete_event(con, e["id"])
                return "undone"
            self._record_event(con, self._find_item(con, line.item_id), at, due_at=line.due_at)
            return "recorded"

    def undo_last_dose(self, item_id: int, day: date | None = None) -> bool:
        """Undo the latest as-needed dose recorded today for the item."""
        lo, hi = self.day_bounds(day or self.today())
        with self.db.unit_of_work(write=True) as con:
            evs = repo.events(con, lo, hi, item_id=item_id)
            if not evs:
                return False
            repo.delete_event(con, evs[-1]["id"])
            return True

    # -- daily review ----------------------------------------------------------------------
    def save_review(self, **fields: Any) -> DailyReview:
        fields.setdefault("day", self.today())
        review = DailyReview.build(**fields)
        with self.db.unit_of_work(write=True) as con:
            repo.save_review(con, review)
        return review

    def review_prefill(self, day: date | None = None) -> dict[str, Any]:
        """Today's saved review, else worst / least / average / now from today's entries."""
        day = day or self.today()
        lo, hi = self.day_bounds(day)
        with self.db.unit_of_work() as con:
            saved = repo.review_for(con, day)
            if saved:
                return saved
            s = repo.pain_summary(con, lo, hi)
            latest = repo.entries(con, lo, hi, limit=1, newest_first=True)
        return {"day": day, "worst": s["worst"], "least": s["least"],
                "average": round(s["average"]) if s["average"] is not None else None,
                "now": latest[0]["intensity"] if latest else None, "relief_pct": None,
                "interference": {}, "note": None}

    def reviews(self, since: date | None = None) -> list[dict[str, Any]]:
        with self.db.unit_of_work() as con:
            return repo.reviews(con, since)

    # -- what the dashboard shows ----------------------------------------------------------
    def _day_data(self, con, day: date, view=None) -> "DayData":
        """The day's plan items and events, through a period view (one is made if not given)."""
        view = view or self.period_view(con, day, day + timedelta(days=1))
        lo, hi = self.day_bounds(day)
        until = day + timedelta(days=1)
        return DayData(day, lo, hi, {i["id"]: i for i in view.plan_item_rows()}, view.events(day, until),
                       view.events_due(day, until))

    def checklist_in(self, con, day: date, now: datetime | None = None,
                     data: "DayData | None" = None) -> list[ChecklistLine]:
        now = now or utcnow()
        data = data or self._day_data(con, day)
        lo, hi = data.lo, data.hi
        lines: list[ChecklistLine] = []
        today_events = data.events
        due_events = {(e["item_id"], e["due_at"]): e for e in data.due_events}
        infrequent: list[PlanItem] = []  # infusions, radiation, procedures: when the next one is due
        for row in data.items.values():
            if row["status"] != "active":
                continue
            it = PlanItem(**row)
            if it.start_date > day + timedelta(days=60) or (it.end_date and it.end_date < day):
                continue
            if it.kind == "as_needed":
                n = sum(1 for e in today_events if e["item_id"] == it.id and e["status"] == "taken")
                mx = f" of {it.max_per_day}" if it.max_per_day else ""
                lines.append(ChecklistLine(it.id, it.label(), it.category, it.kind, "as_needed",
                                           count_today=n, max_per_day=it.max_per_day,
                                           text=f"{it.label()}, as needed ({n}{mx} today)"))
                continue
            occ = it.occurrences(lo, hi, self.tz)
            if occ and it.category not in ("bone_strengthening",) and it.kind != "once":
                for due in occ:
                    ev = due_events.get((it.id, due))
                    if ev:
                        state = ev["status"] if ev["status"] in ("skipped", "missed") else "done"
                    else:
                        state = "overdue" if due < now - timedelta(hours=2) else "due"
                    hhmm = self.local(due).strftime("%H:%M")
                    lines.append(ChecklistLine(it.id, it.label(), it.category, it.kind, state, due_at=due,
                                               event_id=ev["id"] if ev else None,
                                               text=f"{hhmm} {it.label()}"))
                continue
            infrequent.append(it)
        if infrequent:  # their last events, read for them alone (a daily item has thousands)
            last_events = repo.last_events(con, item_ids=[it.id for it in infrequent])
            for it in infrequent:
                lines.extend(self._next_due_line(it, day, lo, today_events, last_events.get(it.id)))
        order = {"medication": 0, "supportive": 1, "bone_strengthening": 2, "radiation": 3, "procedure": 4}
        lines.sort(key=lambda l: (order.get(l.category, 9), l.kind == "as_needed",
                                  l.due_at or datetime.max.replace(tzinfo=timezone.utc)))
        return lines

    def _next_due_line(self, it: PlanItem, day: date, lo: datetime, today_events: list[dict],
                       last: dict | None) -> list[ChecklistLine]:
        """Infrequent items (infusions, radiation, procedures): when the next one is due."""
        done_today = [e for e in today_events if e["item_id"] == it.id]
        if done_today:
            ev = done_today[-1]
            return [ChecklistLine(it.id, it.label(), it.category, it.kind, "done", due_at=ev["due_at"],
                                  event_id=ev["id"], text=f"{it.label()}, {ev['status']} today")]
        if it.kind == "once":
            if last:
                return []
            due = it.next_due(lo, self.tz)
        else:
            after = (last["due_at"] or last["done_at"]) + timedelta(days=1) if last else lo - timedelta(days=365)
            due = it.next_due(max(after, datetime.combine(it.start_date, time(0), self.tz)), self.tz)
        if due is None:
            return []
        days = (self.local(due).date() - day).days
        if days < -14 and it.kind == "once":
            return []
        if days > 0:
            state, when = "upcoming", f"due in {days} day{'s' if days != 1 else ''}"
            if it.kind == "once" or days > 7:
                when = self.local(due).strftime("%a %-d %b")
                when = f"due in {days} days, {when}" if it.category == "bone_strengthening" else when
        elif days == 0:
            state, when = "due", "due today"
        else:
            state, when = "overdue", f"overdue by {-days} day{'s' if days != -1 else ''}"
        return [ChecklistLine(it.id, it.label(), it.category, it.kind, state, due_at=due,
                              due_in_days=days, text=f"{it.label()}, {when}")]

    def checklist(self, day: date | None = None) -> list[ChecklistLine]:
        with self.db.unit_of_work() as con:
            return self.checklist_in(con, day or self.today())

    def today_in(self, con, day: date, data: "DayData | None" = None,
                 latest: dict | None = None, view=None) -> Today:
        week = view or self.period_view(con, day - timedelta(days=6), day + timedelta(days=1))
        data = data or self._day_data(con, day, week)
        lo, hi, items, evs = data.lo, data.hi, data.items, data.events
        s = week.pain_summary(day, day + timedelta(days=1))
        latest = latest or repo.latest_entry(con)
        eps = repo.episode_summary(con, lo, hi)
        rescue = [e for e in evs if e["status"] == "taken" and e["item_id"] in items
                  and is_rescue_item(items[e["item_id"]])]
        caps = [i["max_per_day"] for i in items.values() if is_rescue_item(i) and i["status"] == "active"
                and i["max_per_day"]]
        # Oral morphine equivalents of today's doses taken (the amount, else the item's dose).
        mme = [(e["amount"] if e["amount"] is not None else it["dose"]) * it["mme_factor"]
               for e in evs if e["status"] == "taken" and (it := items.get(e["item_id"]))
               and it["mme_factor"] is not None and (e["amount"] is not None or it["dose"] is not None)]
        # The last seven nights, the one that ended this morning included.
        nights = week.nights_with_pain(1, day - timedelta(days=6), day + timedelta(days=1))
        return Today(day=day, now=latest["intensity"] if latest else None,
                     now_at=latest["occurred_at"] if latest else None,
                     average=round(s["average"], 1) if s["average"] is not None else None,
                     worst=s["worst"], entries=s["n"], episodes=eps["n"],
                     episode_median_min=eps["median_min"], rescue_doses=len(rescue),
                     rescue_max=sum(caps) if caps else None,
                     mme=round(sum(mme), 1) if mme else None,
                     nights_with_pain=nights, nights=7, open_episode=repo.open_episode(con))

    def trend_in(self, con, start: date, end: date, view=None) -> Trend:
        """Daily average and worst, episodes per day, and plan events worth marking."""
        lo, hi = self.day_bounds(start)[0], self.day_bounds(end)[1]
        tz = zone_name(self.tz)
        view = view or self.period_view(con, start, end + timedelta(days=1))
        until = end + timedelta(days=1)
        days = {r["day"]: {"day": r["day"], "average": r["average"], "worst": r["worst"], "episodes": 0}
                for r in view.daily_pain(start, until)}
        for r in view.daily_episodes(start, until):
            days.setdefault(r["day"], {"day": r["day"], "average": None, "worst": None, "episodes": 0})
            days[r["day"]]["episodes"] = r["n"]
        markers = repo.marker_events(con, tz, lo, hi, ("radiation", "bone_strengthening", "procedure"))
        return Trend(start=start, end=end, days=[days[d] for d in sorted(days)], markers=markers)

    def snapshot(self, range_days: int | None = 30, recent: int = 8, day: date | None = None) -> Snapshot:
        """One read unit of work for the whole dashboard. range_days None means all."""
        day = day or self.today()
        with self.db.unit_of_work() as con:
            rev = repo.revision(con)
            if range_days is None:
                first = repo.entries(con, limit=1)
                start = self.local(first[0]["occurred_at"]).date() if first else day
            else:
                start = day - timedelta(days=range_days - 1)
            # One view for every panel and metric: the trend's per-day figures and the week's
            # events are read once and the shorter periods are cut from them.
            until = day + timedelta(days=1)
            view = self.period_view(con, min(start, day - timedelta(days=6)), until)
            try:
                trend = self.trend_in(con, start, day, view)
                week = view.narrow(day - timedelta(days=6), until)
                week.events(), week.events_due()
                data = self._day_data(con, day, week)
                newest = repo.entries(con, limit=max(recent, 1), newest_first=True)
                return Snapshot(revision=rev,
                                today=self.today_in(con, day, data, newest[0] if newest else None, week),
                                checklist=self.checklist_in(con, day, data=data), trend=trend,
                                recent=newest[:recent], metrics=self.compute_metrics_in(con, view=week))
            finally:
                view.close()

    def revision(self) -> int:
        return self.db.revision(retry=False)

    # -- plugins: import, export, metrics ----------------------------------------------------
    @property
    def registry(self):
        """The plugin registry (built-ins, entry points, the plugins folder), loaded once."""
        reg = self.__dict__.get("_registry")
        if reg is None:
            from painboard.plugins import load_registry

            reg = self.__dict__["_registry"] = load_registry(self.settings.plugins_dir)
        return reg

    def use_registry(self, registry) -> None:
        self.__dict__["_registry"] = registry

    def importers(self) -> list:
        return list(self.registry.importers.values())

    def exporters(self) -> list:
        return list(self.registry.exporters.values())

    def plugin_list(self) -> list:
        return list(self.registry.plugins)

    def period_view(self, con, since: date | None = None, until: date | None = None,
                    default_days: int | None = 7):
        """A read-only view of [since, until) for metrics and exporters (until exclusive).

        since None: ``default_days`` back from until, or from the first record when None.
        """
        from painboard.plugins import PeriodView

        until = until or self.today() + timedelta(days=1)
        if since is None:
            if default_days is None:
                first = repo.first_record_at(con)
                since = min(self.local(first).date(), until - timedelta(days=1)) if first else \
                    until - timedelta(days=1)
            else:
                since = until - timedelta(days=default_days)
        if since >= until:
            raise BadInput("must be before --until", field="since")
        return PeriodView(con, since, until, self.tz, utcnow(), self.settings.night_start,
                          self.settings.night_end)

    def compute_metrics(self, since: date | None = None, until: date | None = None) -> list:
        with self.db.unit_of_work() as con:
            return self.compute_metrics_in(con, since, until)

    def compute_metrics_in(self, con, since: date | None = None, until: date | None = None,
                           view=None) -> list:
        """Every registered metric over one read view; a metric that raises is reported in place.

        A caller's view (the snapshot's week) is used as it is, and closed by the caller."""
        from painboard.plugins import MetricResult, MetricValue, describe_error

        own = view is None
        view = view or self.period_view(con, since, until)
        out = []
        try:
            for m in self.registry.sorted_metrics():
                base = dict(name=m.name, label=m.label, unit=m.unit,
                            plugin=self.registry.owner.get(("metrics", m.name)))
                try:
                    v = m.compute(view)
                    if not isinstance(v, MetricValue):
                        v = MetricValue.model_validate(v)
                    out.append(MetricResult(**base, **v.model_dump()))
                except Exception as exc:  # one metric's failure stays in its own tile
                    out.append(MetricResult(**base, text="could not be computed", error=describe_error(exc)))
        finally:
            if own:
                view.close()
        return out

    def export(self, fmt: str, out, since: date | None = None, until: date | None = None,
               options: dict[str, str] | None = None):
        """Stream a period to a file through an exporter; no partial file is ever left.

        Returns an ExportResult (format, path, count); out "-" writes to stdout (path None).
        ``options``: the exporter's own settings (``--option KEY=VALUE``), on ``view.options``.
        """
        from painboard import pipelines

        exporter = self.registry.exporter(fmt)

        def run(fh):
            with self.db.unit_of_work() as con:
                view = self.period_view(con, since, until, default_days=None)
                view.options = dict(options or {})
                try:
                    return exporter.write(view, fh)
                finally:
                    view.close()

        try:
            path, count = pipelines.write_file(out, run)
        except Exception as exc:
            raise pipelines.describe_failure("exporter", exporter.name, exc) from exc
        return ExportResult(format=exporter.name, path=path, count=count)

    def detect_importer(self, path):
        """The first importer whose sniff accepts the file's head."""
        from pathlib import Path

        p = Path(path)
        with open(p, "rb") as fh:
            head = fh.read(65536)
        for imp in self.registry.importers.values():
            try:
                if imp.sniff(head, p.name):
                    return imp
            except Exception:  # a plugin's broken sniff must not stop the others
                continue
        known = ", ".join(self.registry.importers)
        raise BadInput(f"cannot tell what kind of file this is; name it with --format ({known})",
                       field="format", file=str(p))

    def import_file(self, path, fmt: str | None = None, progress=None,
                    options: dict[str, str] | None = None) -> "ImportResult":
        """Read, validate every row, then append in one transaction: all or nothing.

        ``progress(done_bytes, total_bytes)`` is called while the file is read; ``options``
        are the importer's own settings (``--option KEY=VALUE``), on ``source.options``.
        """
        from pathlib import Path

        from painboard import pipelines
        from painboard.plugins import ImportSource

        p = Path(path).expanduser()
        if not p.is_file():
            raise BadInput(f"{p} is not a file", field="file")
        importer = self.registry.importer(fmt) if fmt else self.detect_importer(p)
        size = p.stat().st_size
        source = ImportSource(p, (lambda n: progress(n, size)) if progress else None, options)
        try:
            validated = pipelines.validate(importer.read(source), str(p), f"import:{p.name}")
        except BadInput as exc:
            if exc.file:
                raise
            raise BadInput(exc.message, field=exc.field, line=exc.line, file=str(p)) from None
        except Exception as exc:
            raise pipelines.describe_failure("importer", importer.name, exc) from exc
        if progress:
            progress(size, size)
        with self.db.unit_of_work(write=True) as con:
            added = pipelines.write(con, validated)
        return ImportResult(format=importer.name, path=p, read=validated.read, added=added,
                            skipped=dict(getattr(source, "skipped", None) or {}))

    # -- maintenance -----------------------------------------------------------------------
    def backup(self, dest: str) -> dict[str, Any]:
        """A consistent, checked copy of the database, safe while other sessions are open."""
        from painboard.store import maintenance

        return maintenance.backup(self.db, dest)

    def check(self) -> dict[str, Any]:
        from painboard.store import maintenance

        return maintenance.check(self.db)


def jsonable(obj: Any) -> Any:
    """Dataclasses, models, dates and lists as plain JSON types."""
    if hasattr(obj, "model_dump"):
        return jsonable(obj.model_dump())
    if hasattr(obj, "__dataclass_fields__"):
        return jsonable(asdict(obj))
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, (datetime, date, time)):
        return obj.isoformat()
    return obj


def schedule_from_options(rrule: str | None, times: str | None, every_weeks: int | None,
                          as_needed: bool, has_date: bool, sessions: int | None) -> tuple[str, str | None]:
    """A plan item's kind and recurrence rule from the CLI's options."""
    rule = rrule_from_options(rrule, times, every_weeks)
    kind = ("as_needed" if as_needed else "course" if sessions else "once" if has_date else
            "scheduled" if rule else None)
    if kind is None:
        raise BadInput("say when: --times, --every-weeks, --rrule, --as-needed or --on", field="schedule")
    return kind, rule


def rrule_from_options(rrule: str | None, times: str | None, every_weeks: int | None) -> str | None:
    """One recurrence rule from the CLI's friendly options."""
    given = [x for x in (rrule, times, every_weeks) if x]
    if len(given) > 1:
        raise BadInput("give only one of --rrule, --times and --every-weeks", field="schedule")
    if times:
        hours, minutes = [], set()
        for part in times.split(","):
            hh, _, mm = part.strip().partition(":")
            if not hh.isdigit() or not (mm or "0").isdigit() or int(hh) > 23 or int(mm or 0) > 59:
                raise BadInput(f"{part.strip()!r} is not a time of day like 08:00", field="times")
            hours.append(int(hh))
            minutes.add(int(mm or 0))
        if len(minutes) > 1:
            raise BadInput("times must share their minutes (use --rrule for more)", field="times")
        return f"FREQ=DAILY;BYHOUR={','.join(map(str, sorted(hours)))};BYMINUTE={minutes.pop()}"
    if every_weeks:
        if every_weeks < 1:
            raise BadInput("must be at least 1", field="every_weeks")
        return f"FREQ=WEEKLY;INTERVAL={every_weeks}"
    return rrule
