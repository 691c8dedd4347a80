"""The plan as an iCalendar file (RFC 5545), for a phone's or a desktop's calendar.

- Scheduled doses are recurring events: the plan item's own RRULE, DTSTART at its first due
  time in the user's zone (TZID, with the VTIMEZONE written in), so 08:00 stays 08:00 local
  across a daylight-saving change. An end date becomes UNTIL; a finite rule (COUNT, UNTIL, or
  a course of N sessions) becomes COUNT of the occurrences painboard itself computes.
- Rules with no time of day (every 4 weeks) and one-off items (a radiation session, a
  procedure, a dental review) are all-day events.
- A bone-strengthening drug is one event: its next dose, one interval after the last dose
  given (a late infusion moves the next date), or the plan's first due date if none is given.
- As-needed items are not events (they have no time); the calendar's description lists them.
- Each event has a VALARM: at the time for timed events, at noon the day before for all-day
  ones. UIDs are stable: the same plan item keeps its UID in every export.

The whole active plan is written; ``--since``/``--until`` do not apply. The calendar shows the
plan as recorded; it never recommends a dose, a drug or a change of treatment.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, BinaryIO

from painboard.figures.schedule import next_bone_due
from painboard.hookspecs import hookimpl
from painboard.models import PlanItem
from painboard.plugins import Exporter, PeriodView
from painboard.recurrence import Recurrence

if TYPE_CHECKING:
    from icalendar import Alarm, Calendar, Event

# icalendar is imported where a calendar is written: it is most of the plugin registry's load
# (220 of its 380 ms in one profile under load, issue 22), which every dashboard start pays.

PRODID = "-//painboard//plan calendar//EN"
CATEGORY_WORDS = {"medication": "medication", "bone_strengthening": "bone-strengthening drug",
                  "radiation": "radiation", "procedure": "procedure", "supportive": "supportive care"}
DOSE_MINUTES = 15      # a dose is a short event; it does not block the day (TRANSP)
SESSION_MINUTES = 30   # radiation sessions and procedures with a time of day
ALL_DAY_ALARM = timedelta(hours=-12)  # noon the day before an all-day event
HORIZON_YEARS = 50     # how far a finite rule's occurrences are counted


def item_uid(it: PlanItem, suffix: str = "") -> str:
    """Stable for the life of a plan item: its id and what never changes about it."""
    digest = hashlib.sha1(f"{it.category}|{it.name}|{it.start_date}".encode()).hexdigest()[:12]
    return f"plan-{it.id}-{digest}{suffix}@painboard"


def rule_step(rule: str) -> tuple[int, str]:
    """The step of a plan rule (FREQ and INTERVAL): 'FREQ=WEEKLY;INTERVAL=4' is (4, 'weeks')."""
    return Recurrence.parse(rule).step()


def _alarm(text: str, trigger: timedelta) -> Alarm:
    from icalendar import Alarm

    a = Alarm()
    a.add("action", "DISPLAY")
    a.add("description", text)
    a.add("trigger", trigger)
    return a


def _event(it: PlanItem, uid: str, stamp: datetime, summary: str, description: str) -> Event:
    from icalendar import Event

    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", stamp)
    ev.add("summary", summary)
    ev.add("description", description)
    ev.add("categories", [CATEGORY_WORDS.get(it.category, it.category)])
    return ev


def _all_day(ev: Event, day: date, reminder: str) -> None:
    ev.add("dtstart", day)
    ev.add("dtend", day + timedelta(days=1))
    ev.add("transp", "TRANSPARENT")
    ev.add_component(_alarm(reminder, ALL_DAY_ALARM))


def _describe(it: PlanItem) -> str:
    bits = [f"{CATEGORY_WORDS.get(it.category, it.category).capitalize()}: {it.label()}"]
    if it.route:
        bits.append(f"route {it.route}")
    text = ", ".join(bits) + "."
    if it.note:
        text += f" Note: {it.note}"
    return text + " From the painboard plan as recorded."


def recurring_event(it: PlanItem, view: PeriodView, stamp: datetime) -> Event | None:
    """A scheduled item or a course as one event with its RRULE, anchored at its first due time."""
    tz = view.tz
    lo = datetime.combine(it.start_date, time(0), tz)
    first = it.next_due(lo, tz)
    if first is None:
        return None
    rec = Recurrence.parse(it.rrule)  # type: ignore[arg-type]  (checked when the item was read)
    from dateutil.relativedelta import relativedelta  # here: the registry loads at every start
    from icalendar import vRecur

    rule, timed = vRecur.from_ical(rec.text()), rec.timed()
    if it.kind == "course" or rec.count:
        # A counted rule (at most 1,000 times): count the occurrences the checklist would show.
        hi = datetime.combine(it.end_date + timedelta(days=1), time(0), tz) if it.end_date \
            else lo + relativedelta(years=HORIZON_YEARS)
        rule.pop("UNTIL", None)
        rule["COUNT"] = [len(it.occurrences(lo.astimezone(timezone.utc), hi.astimezone(timezone.utc), tz))]
    else:
        # The rule's own UNTIL (local) or the item's end, whichever is first, not counted one
        # by one (an hourly rule to 2199 is 1.5 million times). RFC 5545 3.3.10: with a TZID
        # start, UNTIL is given in UTC; with a date start, a date.
        ends = [t for t in (rec.until, it.end_date and datetime.combine(it.end_date, time(23, 59, 59))) if t]
        rule.pop("UNTIL", None)
        if ends:
            end = min(ends).replace(tzinfo=tz)
            rule["UNTIL"] = [end.astimezone(timezone.utc) if timed else end.date()]
    ev = _event(it, item_uid(it), stamp, it.label(), _describe(it))
    local = first.astimezone(tz)
    if timed:
        minutes = DOSE_MINUTES if it.category in ("medication", "supportive") else SESSION_MINUTES
        ev.add("dtstart", local)
        ev.add("duration", timedelta(minutes=minutes))
        ev.add("transp", "TRANSPARENT")
        ev.add("rrule", rule)
        ev.add_component(_alarm(f"Due: {it.label()}", timedelta(0)))
    else:
        ev.add("rrule", rule)
        _all_day(ev, local.date(), f"Tomorrow: {it.label()}")
    return ev


def build_calendar(view: PeriodView) -> Calendar:
    tz, stamp = view.tz, view.now.astimezone(timezone.utc)
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", "painboard plan")
    cal.add("x-wr-calname", "painboard plan")
    cal.add("x-wr-timezone", view.tz_name)
    as_needed = []
    items = [it for it in view.plan_items(include_stopped=False)]
    for it in items:
        if it.schedule_problem:
            continue  # a stored rule that cannot be read: no event (painboard check names it)
        if it.kind == "as_needed":
            cap = f", up to {it.max_per_day} a day" if it.max_per_day else ""
            as_needed.append(f"{it.label()}, as needed{cap}")
        elif it.kind == "once":
            ev = _event(it, item_uid(it), stamp, it.label(), _describe(it))
            _all_day(ev, it.on_date, f"Tomorrow: {it.label()}")  # type: ignore[arg-type]
            cal.add_component(ev)
        elif it.category == "bone_strengthening":
            ev = bone_event(it, view, stamp)
            if ev is not None:
                cal.add_component(ev)
        else:
            ev = recurring_event(it, view, stamp)
            if ev is not None:
                cal.add_component(ev)
    text = "The treatment plan recorded in painboard, as recorded; not advice."
    if as_needed:
        text += " As needed (not shown as events): " + "; ".join(as_needed) + "."
    cal.add("description", text)
    cal.add("x-wr-caldesc", text)
    cal.add_missing_timezones()  # a VTIMEZONE for each TZID used
    return cal


def bone_event(it: PlanItem, view: PeriodView, stamp: datetime) -> Event | None:
    given = view.last_events([it.id], until=view.today + timedelta(days=1)).get(it.id)
    last = given["done_at"] if given else None
    day = next_bone_due(it, last, view.tz)
    if day is None or (it.end_date and day > it.end_date):
        return None
    n, unit = rule_step(it.rrule)  # type: ignore[arg-type]
    since = (f"one interval ({n} {unit[:-1] if n == 1 else unit}) after the last dose given on "
             f"{last.astimezone(view.tz):%a %-d %b %Y}" if last else "the plan's first due date")
    ev = _event(it, item_uid(it, "-next"), stamp, f"{it.label()} due",
                f"Next dose of {it.label()}: {since}. " + _describe(it))
    _all_day(ev, day, f"Tomorrow: {it.label()} due")
    return ev


def write_ical(view: PeriodView, out: BinaryIO) -> int:
    cal = build_calendar(view)
    out.write(cal.to_ical())
    return len(cal.walk("VEVENT"))


@hookimpl
def register_exporters(register):
    register(Exporter(name="ical", extension=".ics", label="Plan calendar (iCalendar)",
                      write=write_ical,
                      description="The active plan as calendar events with reminders: scheduled doses "
                                  "recurring, sessions and procedures, the next bone-strengthening dose."))
