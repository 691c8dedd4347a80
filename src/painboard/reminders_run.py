"""`painboard remind`: the use-case (issue 21). Works out what is due (painboard.reminders),
claims each reminder for each channel in one write transaction, sends with no database held,
then records each result. A read-only session never sends. No Textual, no SQL."""

from __future__ import annotations

import hashlib
import re
import time as _time
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from painboard.config import config_path, read_remind_config
from painboard.errors import BadInput, ReadOnly
from painboard.models import PlanItem, utcnow
from painboard.notifiers import NotifyError, pick
from painboard.reminders import (FRESH, LOOKBACK, Channel, Reminder, RemindSettings, RemindState, decide,
                                 due_between, message, next_wake, warning_reminders, window)
from painboard.store import reminders as store

ATTEMPTS = 3                    # tries per channel and reminder in one run
BACKOFF = (0.2, 1.0)            # seconds between tries (never with the database held)
TITLE = "painboard"


# -- settings ------------------------------------------------------------------------------------
def _minutes(raw: dict, key: str, default: timedelta) -> timedelta:
    v = raw.get(key)
    if v is None:
        return default
    if not isinstance(v, int) or isinstance(v, bool) or not 0 < v <= 24 * 60:
        raise BadInput(f"{v!r} is not a number of minutes from 1 to 1440", field=f"remind.{key}", file=config_path())
    return timedelta(minutes=v)


def _clock(raw: dict, key: str, default: time | None) -> time | None:
    v = raw.get(key)
    if v is None:
        return default
    if v == "":
        return None
    try:
        return time.fromisoformat(v) if isinstance(v, str) else time.fromisoformat("x")
    except ValueError:
        raise BadInput(f"{v!r} is not a time like 20:00", field=f"remind.{key}", file=config_path()) from None


def _channels(raw: dict) -> tuple[Channel, ...]:
    out = []
    for i, c in enumerate(raw.get("channel") or []):
        if not isinstance(c, dict) or not isinstance(c.get("url"), str) or "://" not in c["url"]:
            raise BadInput("each [[remind.channel]] needs url = \"scheme://...\"", field=f"remind.channel[{i}]",
                           file=config_path())
        out.append(Channel(str(c.get("name") or f"channel-{i + 1}"), c["url"], bool(c.get("details", False))))
    return tuple(out)


def remind_settings(raw: dict | None = None) -> RemindSettings:
    """The [remind] table of the settings file as RemindSettings (defaults for what is unset)."""
    raw = read_remind_config() if raw is None else raw
    d = RemindSettings()
    return RemindSettings(
        dose_again_after=_minutes(raw, "dose_again_after", d.dose_again_after),
        day_before_at=_clock(raw, "day_before_at", d.day_before_at) or d.day_before_at,
        review_at=_clock(raw, "review_at", d.review_at) or d.review_at,
        rescue_check_after=_minutes(raw, "rescue_check_after", d.rescue_check_after),
        quiet_start=_clock(raw, "quiet_start", d.quiet_start), quiet_end=_clock(raw, "quiet_end", d.quiet_end),
        channels=_channels(raw))


def url_channels(urls: list[str]) -> tuple[Channel, ...]:
    """Channels given with --channel: named by a hash of the URL (the URL is never stored)."""
    return tuple(Channel("url-" + hashlib.sha256(u.encode()).hexdigest()[:8], u) for u in urls)


# -- running -------------------------------------------------------------------------------------
@dataclass
class Sent:
    key: str
    kind: str
    channel: str
    result: str                  # sent / failed
    attempts: int
    text: str
    error: str | None = None


class Reminders:
    """The reminders of one Painboard (its database, zone and plugin registry)."""

    def __init__(self, pb, settings: RemindSettings | None = None, channels: tuple[Channel, ...] | None = None):
        self.pb, self.tz = pb, pb.tz
        self.s = settings or remind_settings()
        self.channels = channels if channels else self.s.channels

    def _state(self, con, lo: datetime, hi: datetime) -> RemindState:
        first, last = lo.astimezone(self.tz).date(), hi.astimezone(self.tz).date()
        days = [first + timedelta(days=i - 1) for i in range((last - first).days + 3)]
        raw = store.remind_inputs(con, lo - timedelta(days=1), hi + timedelta(days=1), days)
        return RemindState([PlanItem.from_row(r) for r in raw["items"]], raw["events"], raw["review_days"],
                           raw["entry_times"], raw["last_given"])

    def preview(self, now: datetime | None = None) -> tuple[list[Reminder], list[dict[str, Any]], list[dict[str, Any]]]:
        """What a run would send now (the fresh reminders, a summary of the missed ones), what
        was sent in the last day, each channel's last result (read only: `remind --status`,
        the dashboard)."""
        now = now or utcnow()
        with self.pb.db.unit_of_work() as con:
            if not store.ready(con):  # an older file opened read-only: nothing sent yet
                lo, hi = window(now, None)
                return decide(due_between(self._state(con, lo, hi), lo, hi, self.tz, self.s), set(), now,
                              self.tz, self.s).send, [], []
            lo, hi = window(now, store.first_claim(con))
            due = due_between(self._state(con, lo, hi), lo, hi, self.tz, self.s)
            already = store.sent_keys(con, lo - LOOKBACK)
            return (decide(due, already, now, self.tz, self.s).send, store.recent(con, now - LOOKBACK),
                    store.channel_health(con))

    def for_dashboard(self, now: datetime | None = None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """What an open dashboard shows: (key, text) of each reminder due now and not yet
        sent, and (channel, text) of each channel whose last try failed. Nothing until
        `painboard remind` has run on this file (reminders are not set up before)."""
        with self.pb.db.unit_of_work() as con:
            if not store.ready(con) or store.first_claim(con) is None:
                return [], []
        due, _, health = self.preview(now)
        # a summary's own key changes each minute; what it covers does not
        return ([("|".join(c.key for c in r.covers) if r.covers else r.key, message(r, self.tz)) for r in due],
                [(h["channel"], f"reminders: channel {h['channel']} is failing ({h['error']}); "
                                "see painboard remind --status") for h in health if h["result"] == "failed"])

    def run(self, now: datetime | None = None, warnings: list[tuple[Any, str, datetime]] = ()) -> list[Sent]:
        """Send what is due now, each reminder once per channel; ``warnings``: unreported
        warning signs (id, name, at) to send at once (issue 20's seam)."""
        if self.pb.settings.read_only:
            raise ReadOnly("sending reminders")
        if not self.channels:
            raise BadInput("no reminder channel: add [[remind.channel]] url = \"ntfy://...\" to "
                           f"{config_path()} or give --channel URL", field="channel")
        now = now or utcnow()
        claimed = self._claim(now, warning_reminders(warnings))
        done = [self._send(r, ch) for r, ch in claimed]  # no database held here
        with self.pb.db.unit_of_work(write=True) as con:
            for d in done:
                store.record_result(con, d.key, d.channel, d.result, d.attempts, d.error, utcnow())
        return done

    def _claim(self, now: datetime, urgent: list[Reminder]) -> list[tuple[Reminder, Channel]]:
        with self.pb.db.unit_of_work(write=True) as con:
            store.mark_start(con, now - FRESH)
            lo, hi = window(now, store.first_claim(con))
            due = due_between(self._state(con, lo, hi), lo, hi, self.tz, self.s) + urgent
            decision = decide(due, store.sent_keys(con, lo - LOOKBACK), now, self.tz, self.s)
            rows = [{"key": r.key, "channel": ch.name, "kind": r.kind, "item_id": r.item_id,
                     "record_id": r.record_id, "due_at": r.due_at, "r": r, "ch": ch}
                    for r in decision.send for ch in self.channels]
            got = store.claim(con, rows, now)
            covered = [{"key": c.key, "channel": "-", "kind": c.kind, "item_id": c.item_id,
                        "record_id": c.record_id, "due_at": c.due_at, "result": "summarized"}
                       for row in got if row["r"].kind == "summary" for c in row["r"].covers]
            store.claim(con, covered, now)
            return [(row["r"], row["ch"]) for row in got]

    def _send(self, r: Reminder, ch: Channel) -> Sent:
        text = message(r, self.tz, ch.details)
        return self._deliver(r.key, r.kind, ch, text)

    def _deliver(self, key: str, kind: str, ch: Channel, text: str) -> Sent:
        error = None
        for attempt in range(1, ATTEMPTS + 1):
            try:
                pick(self.pb.registry.notifiers, ch.url).send(ch.url, TITLE, text)
                return Sent(key, kind, ch.name, "sent", attempt, text)
            except Exception as exc:  # a channel's failure is recorded and reported, never raised
                error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, NotifyError) else str(exc)
                if attempt < ATTEMPTS:
                    _time.sleep(BACKOFF[min(attempt - 1, len(BACKOFF) - 1)])
        return Sent(key, kind, ch.name, "failed", ATTEMPTS, text, _no_url(error, ch.url))

    def test(self) -> list[Sent]:
        """One test message per channel (not recorded)."""
        if self.pb.settings.read_only:
            raise ReadOnly("sending a test message")
        return [self._deliver("test", "test", ch, "painboard: a test message; reminders will come here")
                for ch in self.channels]

    def next_wake(self, now: datetime | None = None) -> datetime:
        now = now or utcnow()
        with self.pb.db.unit_of_work() as con:
            st = self._state(con, now - timedelta(hours=2), now + timedelta(minutes=10))
        return next_wake(st, now, self.tz, self.s)


_URLISH = re.compile(r"\b[a-z][a-z0-9+.-]*:(?://)?[^\s,;]+", re.I)


def _no_url(error: str | None, url: str) -> str | None:
    """A failure's reason without the channel's URL or address (it may hold a token)."""
    return _URLISH.sub("<channel>", error.replace(url, "<channel>"))[:300] if error else error


# -- the rescue check-in's answer -----------------------------------------------------------------
def record_relief(pb, dose_id: Any, score: Any, now: datetime | None = None):
    """The answer to "how is the pain now?" after rescue dose ``dose_id``: a pain entry in the
    window the insights read as the relief after a dose (figures/insights.py, 30-120 min
    after): now if the answer comes in that window, else one hour after the dose (when the
    question was asked), recorded now."""
    from painboard.figures.insights import RESCUE_AFTER
    from painboard.store.repository import plan_event, plan_item

    now = now or utcnow()
    try:
        eid = int(str(dose_id).strip())
    except ValueError:
        raise BadInput(f"{dose_id!r} is not a dose number (the reminder names it)", field="dose") from None
    with pb.db.unit_of_work() as con:
        ev = plan_event(con, eid)
        item = plan_item(con, ev["item_id"]) if ev else None
    if ev is None or item is None or item["kind"] != "as_needed" or ev["status"] != "taken":
        raise BadInput(f"{eid} is not an as-needed dose taken (see the reminder's number)", field="dose")
    first, last = ev["done_at"] + RESCUE_AFTER[0], ev["done_at"] + RESCUE_AFTER[1]
    if now < first:
        raise BadInput(f"too soon after the dose: answer from {pb.local(first):%H:%M}", field="dose")
    at = now if now <= last else min(last, max(first, ev["done_at"] + remind_settings().rescue_check_after))
    return pb.log_pain(intensity=score, occurred_at=at, note=f"pain after the as-needed dose {eid}")
