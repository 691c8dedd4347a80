"""The use-cases both faces call. No SQL here (store/ has it) and never Textual."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from typing import Any

from painboard.figures.days import day_bounds
from painboard.figures.omed import omed_note
from painboard.figures.period import figures_of
from painboard.figures.opioids import opioid_factor, parse_strength
from painboard.figures.schedule import match_due
from painboard.figures.pain_days import last_24_hours
from painboard.figures.rescue import is_rescue_item
from painboard.errors import BadInput, NotFound
from painboard.models import (DailyReview, Episode, PainEntry, PlanEvent, PlanItem, minutes_of, plan_size_problem,
                              same_words, utcnow)
# The read model's types, importable from here as before.
from painboard.readmodel import ChecklistLine, DayData, Snapshot, Today, Trend  # noqa: F401
# Reading what is stored: the dashboard's snapshot, the metrics (the one runner), exports.
from painboard.reading import ExportResult, Reading  # noqa: F401
from painboard.mending import Mending, by_number
from painboard.symptom_services import Symptoms
# Importing a file: detecting its format, the limited child process, the staged write.
from painboard.importing import ImportResult, Importing  # noqa: F401
from painboard.recording import Recording
from painboard.recurrence import UNREADABLE, Recurrence, RuleError
from painboard.store import repository as repo


class Painboard(Recording, Reading, Importing, Mending, Symptoms):
    """The application's use-cases over one database."""

    # The ground every use-case stands on (settings, zone, database, time helpers) and
    # log_pain: painboard.recording.Recording.

    def entries(self, since: date | None = None, until: date | None = None,
                limit: int | None = None, newest_first: bool = False) -> list[dict[str, Any]]:
        lo = self.day_bounds(since)[0] if since else None
        hi = self.day_bounds(until)[0] if until else None
        with self.db.unit_of_work() as con:
            return repo.entries(con, lo, hi, limit=limit, newest_first=newest_first)

    def entry(self, entry_id: int) -> dict[str, Any]:
        with self.db.unit_of_work() as con:
            return self._entry(con, entry_id)

    @staticmethod
    def _entry(con, entry_id: Any) -> dict[str, Any]:
        return by_number(entry_id, lambda n: repo.pain_entry(con, n), "entry", "an entry", "painboard entries", "entry")

    def delete_entry(self, entry_id: Any) -> dict[str, Any]:
        """Delete one pain entry (one logged by mistake, or with a wrong date); returns it."""
        return self.delete_record("entry", entry_id)  # mending.py: with its undo step

    def restore_entry(self, row: dict[str, Any]) -> PainEntry:
        """Put back an entry deleted in this session (the dashboard's undo): the same fields
        and key, through the same path as logging; it gets a new number."""
        return self.log_pain(**{k: v for k, v in row.items() if k != "id"})

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
            fields["mme_factor"] = opioid_factor(str(fields.get("name", "")), fields.get("route"))
        if fields.get("strength") and parse_strength(fields["strength"]) is None:
            raise BadInput(f"{fields['strength']!r} is not a strength: write it like '10 mg/5 ml', "
                           "'5 mg' (per tablet) or '25 mcg/h' (a patch)", field="strength")
        item = PlanItem.build(**fields)
        with self.db.unit_of_work(write=True) as con:
            active = [PlanItem.from_row(r) for r in repo.plan_items(con, False)]
            same = _same_active_item(item, active)
            if same is not None:
                raise BadInput(f"plan item {same.id} ({same.label()}) is already in the plan with the same "
                               f"dose and schedule; 'painboard plan list' shows it", field="name")
            too_big = plan_size_problem([*active, item])
            if too_big:
                raise BadInput(too_big, field="plan")
            item.id = repo.insert_one(con, "plan_item", item)
        return item

    def omed_note(self, item: PlanItem) -> str | None:
        """Why an item that looks like an opioid will not count in OMED (shown by plan add)."""
        return omed_note(item)

    def plan(self, include_stopped: bool = True) -> list[PlanItem]:
        with self.db.unit_of_work() as con:
            return [PlanItem.from_row(r) for r in repo.plan_items(con, include_stopped)]

    def _find_item(self, con, ref: str | int) -> PlanItem:
        rows = repo.plan_items(con)
        ref_s = str(ref).strip().lower()
        for r in rows:
            if str(r["id"]) == ref_s:
                return PlanItem.from_row(r)
        matches = [r for r in rows if r["status"] == "active" and ref_s in r["name"].lower()]
        if len(matches) == 1:
            return PlanItem.from_row(matches[0])
        if not matches:
            raise BadInput(f"no plan item matches {ref!r} (see 'painboard plan list')", field="item")
        names = ", ".join(f"{m['id']} {m['name']}" for m in matches)
        raise BadInput(f"{ref!r} matches several plan items: {names}; use the number", field="item")

    def mark_done(self, item: str | int, at: datetime | None = None, status: str | None = None,
                  amount: Any = None, due_at: datetime | None = None, note: str | None = None,
                  extra: bool = False) -> PlanEvent:
        """Record a plan event: a dose taken, a session or procedure done, or skipped.

        A scheduled dose without a due time is matched to the nearest open one
        (match_due); one whose due time is already recorded is refused unless
        ``extra`` (then it is kept as an extra dose, outside adherence)."""
        at = at or utcnow()
        with self.db.unit_of_work(write=True) as con:
            it = self._find_item(con, item)
            if due_at is None and it.kind == "scheduled":
                near = repo.events_due_between(con, at - timedelta(days=2), at + timedelta(days=2), it.id)
                state, due = match_due(it, at, [e["due_at"] for e in near], self.tz)
                if state == "recorded" and not extra:
                    ev = next(e for e in near if e["due_at"] == due)
                    raise BadInput(f"{it.label()}: the dose due {self.local(due):%a %-d %b %H:%M} is already "
                                   f"recorded as {ev['status']} (event {ev['id']}); add --extra to record "
                                   "another dose on purpose", field="item")
                due_at = due if state == "open" else None
            return self._record_event(con, it, at, status, amount, due_at, note)

    def _record_event(self, con, it: PlanItem, at: datetime | None = None, status: str | None = None,
                      amount: Any = None, due_at: datetime | None = None, note: str | None = None) -> PlanEvent:
        if it.status != "active":
            raise BadInput(f"{it.name} is {it.status}", field="item")
        default = "taken" if it.category in ("medication", "bone_strengthening", "supportive") else "done"
        ev = PlanEvent.build(item_id=it.id, done_at=at or utcnow(), status=status or default,
                             amount=amount if amount is not None else it.dose, due_at=due_at, note=note)
        ev.id = repo.insert_one(con, "plan_event", ev)
        return ev

    def stop_item(self, item: str | int, on: date | None = None) -> PlanItem:
        with self.db.unit_of_work(write=True) as con:
            it = self._find_item(con, item)
            repo.set_item_status(con, it.id, "stopped", on or self.today())
            return PlanItem.from_row(repo.plan_item(con, it.id))

    def toggle(self, line: ChecklistLine, at: datetime | None = None) -> str:
        """Space on a checklist line: record it, or undo today's record. Returns what happened."""
        if line.state == "error":
            raise BadInput(f"{line.text}; stop it ('painboard plan stop {line.item_id}') and add it again "
                           "with a plain rule", field="item")
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
        return self.undo_latest_as_needed_dose(day, item_id) is not None

    def undo_latest_as_needed_dose(self, day: date | None = None, item_id: int | None = None) -> dict | None:
        """Undo today's latest dose of the item, or of any as-needed item (the dashboard's u with
        none selected); the event undone, with its item's name, or None."""
        lo, hi = self.day_bounds(day or self.today())
        with self.db.unit_of_work(write=True) as con:
            names = {it["id"]: it["name"] for it in repo.plan_items(con)
                     if it["id"] == item_id or (item_id is None and it["kind"] == "as_needed")}
            evs = [e for e in repo.events(con, lo, hi, item_ids=list(names)) if e["status"] == "taken"] if names else []
            if not evs:
                return None
            repo.delete_event(con, evs[-1]["id"])
            return {**evs[-1], "name": names[evs[-1]["item_id"]]}

    # -- daily review ----------------------------------------------------------------------
    def save_review(self, **fields: Any) -> DailyReview:
        fields.setdefault("day", self.today())
        review = DailyReview.build(**fields)
        with self.db.unit_of_work(write=True) as con:
            repo.save_review(con, review)
        return review

    def review_prefill(self, day: date | None = None) -> dict[str, Any]:
        """The day's saved review, else worst / least / average / now suggested from the 24 hours
        before the answer (before the end of ``day`` for a past day), the open episode included."""
        day = day or self.today()
        hi = min(utcnow(), self.day_bounds(day)[1])
        lo = hi - timedelta(hours=24)
        with self.db.unit_of_work() as con:
            saved = repo.review_for(con, day)
            if saved:
                return saved
            entries = repo.entries(con, lo, hi)
            episodes = repo.episodes(con, lo, hi)
            open_ep = repo.open_episode(con)
        if open_ep is not None and open_ep["onset"] < lo:  # still going: it is in the last 24 h
            episodes.append(open_ep)
        return {"day": day, **last_24_hours(entries, episodes), "relief_pct": None,
                "interference": {}, "note": None}

    # -- maintenance -----------------------------------------------------------------------
    def backup(self, dest: str) -> dict[str, Any]:
        """A consistent, checked copy of the database, safe while other sessions are open."""
        from painboard.store import maintenance

        return maintenance.backup(self.db, dest)

    def restore(self, source: str) -> dict[str, Any]:
        """Put a checked backup in the database's place, keeping the current file beside it."""
        from painboard.store import maintenance

        return maintenance.restore(self.db, source)

    def check(self) -> dict[str, Any]:
        """Verify the database; a path with no database is said so, and nothing is created."""
        from painboard.store import maintenance

        if not self.db.path.exists():
            raise NotFound(f"there is no database at {self.db.path}: nothing was checked or created")

        report = maintenance.check(self.db)
        if report["counts"]:  # the data could be read: also each plan item's schedule, the plan's size
            items = self.plan(include_stopped=False)
            bad = [f"plan item {it.id} ({it.label()}): {UNREADABLE} {it.schedule_problem}"
                   for it in items if it.schedule_problem]
            too_big = plan_size_problem(items, stored=True)
            bad += [too_big] if too_big else []
            report["problems"] = report["problems"] + bad
            report["ok"] = report["ok"] and not bad
        return report


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
    if isinstance(obj, float) and not math.isfinite(obj):
        return None  # NaN is not JSON
    return obj


def _same_active_item(item: PlanItem, active: list[PlanItem]) -> PlanItem | None:
    """An active item that duplicates item (name, dose, unit, route, schedule), its words compared
    as a reader sees them (models.same_words: 'Morphine\u200b SR' is 'morphine sr')."""
    def key(it: PlanItem) -> tuple:
        return (same_words(it.name), it.category, it.dose, same_words(it.unit), same_words(it.route),
                it.kind, it.rrule, it.on_date, it.max_per_day, it.sessions)

    return next((it for it in active if it.status == "active" and key(it) == key(item)), None)


def schedule_from_options(rrule: str | None, times: str | None, every_weeks: int | None,
                          as_needed: bool, has_date: bool, sessions: int | None) -> tuple[str, str | None]:
    """A plan item's kind and recurrence rule from the CLI's options."""
    rule = rrule_from_options(rrule, times, every_weeks)
    kind = ("as_needed" if as_needed else "course" if sessions else "once" if has_date else
            "scheduled" if rule else None)
    if kind is None:
        raise BadInput("say when: --times, --every-weeks, --rrule, --as-needed or --on", field="schedule")
    return kind, rule


_DAYS = {"MO": "Mon", "TU": "Tue", "WE": "Wed", "TH": "Thu", "FR": "Fri", "SA": "Sat", "SU": "Sun"}


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def plan_item_when(it) -> str:
    """When a plan item is due, in words (the CLI's plan list and the dashboard's plan view)."""
    if getattr(it, "schedule_problem", None):
        return f"{UNREADABLE} {it.schedule_problem}"
    n = it.sessions or 0
    return {"scheduled": schedule_words(it.rrule),
            "as_needed": f"as needed, up to {it.max_per_day}/day" if it.max_per_day else "as needed",
            "once": f"on {it.on_date}",
            "course": f"{n} session{'' if n == 1 else 's'}" + (f", {schedule_words(it.rrule)}" if it.rrule else ""),
            }[it.kind]


_UNITS = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}


def schedule_words(rule: str | None) -> str:
    """A recurrence rule in words: 'daily at 08:00 and 20:00', 'every 4 weeks'; else the rule."""
    if not rule:
        return "no schedule"
    try:
        rec = Recurrence.parse(rule)
    except RuleError as e:
        return f"{UNREADABLE} {e}"
    unit, minutes = _UNITS.get(rec.freq), rec.byminute or (0,)
    words = {"freq", "interval", "byday", "byhour", "byminute", "count"}
    if unit is None or len(minutes) > 1 or any(getattr(rec, f) for f in rec.__dataclass_fields__ if f not in words) \
            or any(n for n, _ in rec.byday) or (rec.byminute and not rec.byhour):
        return rec.text()  # a rule beyond these words: shown as written
    text = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}[unit] if rec.interval == 1 \
        else f"every {rec.interval} {unit}s"
    if rec.byday:
        text += " on " + _and([_DAYS[d] for _, d in rec.byday])
    if rec.byhour:
        text += " at " + _and([f"{h:02d}:{minutes[0]:02d}" for h in rec.byhour])
    if rec.count:
        text += f", {rec.count} times"
    return text


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
