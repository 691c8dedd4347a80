"""The SQL of reminders (issue 21): what they are worked out from, and the record of what was
sent (table reminder_sent, migration 5). A reminder is claimed for a channel in one write
transaction before it is sent and its result recorded in another after: the database is
never held while a channel waits on the network."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable

from painboard.figures.rows import GIVEN
from painboard.store.repository import _rows, entries, events, last_events, plan_items, review_days


def remind_inputs(con, lo: datetime, hi: datetime, days: list[date]) -> dict[str, Any]:
    """The plan, its events, the saved reviews and the pain entries around [lo, hi]."""
    items = plan_items(con)
    bone = [r["id"] for r in items if r["category"] == "bone_strengthening"]
    return {"items": items, "events": events(con, lo, hi) + _due_between(con, lo, hi),
            "review_days": review_days(con, days),
            "entry_times": [e["occurred_at"] for e in entries(con, lo, hi)],
            "last_given": {k: v["done_at"] for k, v in last_events(con, GIVEN, bone).items()}}


def _due_between(con, lo: datetime, hi: datetime) -> list[dict[str, Any]]:
    # a dose ticked late (done after hi) or early still ticks its due time
    return _rows(con, "SELECT * FROM plan_event WHERE due_at >= ? AND due_at <= ? "
                      "AND (done_at < ? OR done_at >= ?)", [lo, hi, lo, hi])


def ready(con) -> bool:
    """Whether the file has the table (a read-only session on an older file has not)."""
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'reminder_sent' "
                            "AND table_catalog = current_database()").fetchone()[0])


def sent_keys(con, since: datetime) -> set[str]:
    """The keys claimed since ``since`` (any channel, any result): never sent again."""
    return {r["key"] for r in _rows(con, "SELECT DISTINCT key FROM reminder_sent WHERE claimed_at >= ?", [since])}


def first_claim(con) -> datetime | None:
    """When reminders were first run on this database (its 'start' row)."""
    rows = _rows(con, "SELECT min(claimed_at) AS at FROM reminder_sent")
    return rows[0]["at"]


def mark_start(con, now: datetime) -> None:
    """The first run's mark (``now``: the first run less FRESH): reminders from before it are
    never sent."""
    con.execute("INSERT INTO reminder_sent (key, channel, kind, claimed_at, result) "
                "VALUES ('start', '-', 'start', ?, 'start') ON CONFLICT DO NOTHING", [now])


def claim(con, rows: Iterable[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Claim (key, channel) rows not claimed before; returns the ones this run claimed. Two
    runs at once: the lock queue makes their transactions take turns, and UNIQUE (key,
    channel) is the backstop."""
    got = []
    for r in rows:
        new = con.execute(
            "INSERT INTO reminder_sent (key, channel, kind, item_id, record_id, due_at, claimed_at, result) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING key",
            [r["key"], r["channel"], r["kind"], r.get("item_id"), r.get("record_id"), r.get("due_at"), now,
             r.get("result", "claimed")]).fetchall()
        if new:
            got.append(r)
    return got


def record_result(con, key: str, channel: str, result: str, attempts: int, error: str | None,
                  at: datetime) -> None:
    con.execute("UPDATE reminder_sent SET result = ?, attempts = ?, error = ?, sent_at = ? "
                "WHERE key = ? AND channel = ?", [result, attempts, error, at, key, channel])


def recent(con, since: datetime) -> list[dict[str, Any]]:
    """What was sent or tried since ``since``, newest first (the start mark left out)."""
    return _rows(con, "SELECT key, channel, kind, item_id, record_id, due_at, claimed_at, sent_at, result, "
                      "attempts, error FROM reminder_sent WHERE claimed_at >= ? AND kind <> 'start' "
                      "ORDER BY claimed_at DESC, key", [since])


def channel_health(con) -> list[dict[str, Any]]:
    """Each channel's last result: a channel whose last try failed is reported, not dropped."""
    return _rows(con, """
        SELECT channel, result, error, attempts, coalesce(sent_at, claimed_at) AS at, key
        FROM reminder_sent WHERE kind NOT IN ('start', 'summarized') AND result IN ('sent', 'failed')
        QUALIFY row_number() OVER (PARTITION BY channel ORDER BY coalesce(sent_at, claimed_at) DESC, key) = 1
        ORDER BY channel""")
