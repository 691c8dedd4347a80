"""The SQL of pain entries, breakthrough episodes and daily reviews: reads by period, by
local day, and the streams exports read. Re-exported from painboard.store.repository."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Sequence

from painboard.models import DailyReview
from painboard.store import rollup
from painboard.store.repo_base import _execute, _rows, _rows_in_order


# -- pain entries ---------------------------------------------------------------------------
def watch_queries(con) -> None:
    """Let another thread see whether a query is running on con (con.query_progress() is -1
    otherwise), without DuckDB drawing a progress bar on the terminal: the export deadline
    counts a running query as progress."""
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")


def entries(con, since: datetime | None = None, until: datetime | None = None,
            limit: int | None = None, newest_first: bool = False) -> list[dict[str, Any]]:
    if newest_first and limit and since is None and until is None:
        # The newest few are almost always in the last month: a range lets DuckDB skip old row groups.
        recent = _rows(con, "SELECT * FROM pain_entry WHERE occurred_at >= "
                            "(SELECT max(occurred_at) FROM pain_entry) - INTERVAL 31 DAY "
                            f"ORDER BY occurred_at DESC, id DESC LIMIT {int(limit)}")
        if len(recent) == limit:
            return recent
    sql = "SELECT * FROM pain_entry WHERE (? IS NULL OR occurred_at >= ?) AND (? IS NULL OR occurred_at < ?)"
    if not newest_first and not limit:
        return _rows_in_order(con, sql, [since, since, until, until], "occurred_at", "id")
    sql += " ORDER BY occurred_at DESC, id DESC" if newest_first else " ORDER BY occurred_at, id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return _rows(con, sql, [since, since, until, until])


def pain_entry(con, entry_id: int) -> dict[str, Any] | None:
    rows = _rows(con, "SELECT * FROM pain_entry WHERE id = ?", [entry_id])
    return rows[0] if rows else None


def delete_entry(con, entry_id: int) -> None:
    at = con.execute("SELECT occurred_at FROM pain_entry WHERE id = ?", [entry_id]).fetchone()
    con.execute("DELETE FROM pain_entry WHERE id = ?", [entry_id])
    if at:  # the day's rollup follows the delete in the same transaction
        rollup.touch(con, at[0], at[0])


def daily_pain(con, tz: str, since: datetime | None, until: datetime | None,
               days: tuple[date, date] | None = None) -> list[dict[str, Any]]:
    """Per local day: average, worst, least and count of entries. With ``days`` (the local
    dates [d0, d1) that since and until are the midnights of), read from the daily rollup."""
    if days is not None and rollup.ready(con, tz, (days[1] - days[0]).days):
        return rollup.daily_pain(con, tz, *days)
    return _rows(con, """
        SELECT CAST(timezone(?, occurred_at) AS DATE) AS day,
               avg(intensity) AS average, max(intensity) AS worst, min(intensity) AS least,
               count(*) AS n
        FROM pain_entry
        WHERE (? IS NULL OR occurred_at >= ?) AND (? IS NULL OR occurred_at < ?)
        GROUP BY ALL ORDER BY day""", [tz, since, since, until, until])


def daily_rollup(con, tz: str, days: tuple[date, date], kept: bool = False, fill: bool = True
                 ) -> list[tuple] | None:
    """The local days [d0, d1) from the daily rollup in one read (rollup.days: day, average,
    worst, least, n, episodes, worst_peak), when it serves them; None when it does not (read
    daily_pain and daily_episodes from the rows). ``kept``: the caller saw the zone kept
    earlier in this transaction, so it is not looked up again. ``fill`` False: a zone not kept
    is not filled for this read, however long (the file is left as it was)."""
    if not kept and not rollup.ready(con, tz, (days[1] - days[0]).days if fill else 0):
        return None
    return rollup.days(con, tz, *days)


def night_values(con, tz: str, since: datetime, until: datetime, threshold: int = 1) -> list[tuple]:
    """(local wall time, value) of the entries and episode onsets in [since, until) at or above
    threshold; figures/pain_days.pain_nights finds the nights in them. Local times come as
    plain timestamps: an aware one per row costs several times more to make in Python."""
    return _execute(con, """
        SELECT timezone(?, occurred_at), intensity FROM pain_entry
        WHERE occurred_at >= ? AND occurred_at < ? AND intensity >= ?
        UNION ALL
        SELECT timezone(?, onset), peak FROM episode WHERE onset >= ? AND onset < ? AND peak >= ?""",
                    [tz, since, until, threshold, tz, since, until, threshold]).fetchall()


# -- episodes -------------------------------------------------------------------------------
def episodes(con, since: datetime | None = None, until: datetime | None = None,
             newest_first: bool = False, limit: int | None = None, with_open: bool = False
             ) -> list[dict[str, Any]]:
    """Episodes with an onset in [since, until); ``with_open``: and any without an end, whenever
    its onset (in one read; an OR in one WHERE would scan every row)."""
    sql = ("SELECT *, date_diff('minute', onset, end_at) AS duration_min FROM episode "
           "WHERE (? IS NULL OR onset >= ?) AND (? IS NULL OR onset < ?)")
    params = [since, since, until, until]
    if with_open:
        sql += (" UNION ALL SELECT *, NULL FROM episode WHERE end_at IS NULL "
                "AND NOT ((? IS NULL OR onset >= ?) AND (? IS NULL OR onset < ?))")
        params += params
    if not newest_first and not limit:
        return _rows_in_order(con, sql, params, "onset", "id")
    sql += " ORDER BY onset DESC, id DESC" if newest_first else " ORDER BY onset, id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return _rows(con, sql, params)


def open_episode(con) -> dict[str, Any] | None:
    rows = _rows(con, "SELECT * FROM episode WHERE end_at IS NULL ORDER BY onset DESC LIMIT 1")
    return rows[0] if rows else None


def end_episode(con, episode_id: int, end_at: datetime, rescue_event_id: int | None) -> None:
    con.execute("UPDATE episode SET end_at = ?, rescue_event_id = coalesce(?, rescue_event_id) "
                "WHERE id = ?", [end_at, rescue_event_id, episode_id])


def daily_episodes(con, tz: str, since: datetime | None, until: datetime | None,
                   days: tuple[date, date] | None = None) -> list[dict[str, Any]]:
    """Per local day with episodes: count and worst peak (``days``: as daily_pain)."""
    if days is not None and rollup.ready(con, tz, (days[1] - days[0]).days):
        return rollup.daily_episodes(con, tz, *days)
    return _rows(con, """
        SELECT CAST(timezone(?, onset) AS DATE) AS day, count(*) AS n, max(peak) AS worst_peak
        FROM episode WHERE (? IS NULL OR onset >= ?) AND (? IS NULL OR onset < ?)
        GROUP BY ALL ORDER BY day""", [tz, since, since, until, until])


# -- daily reviews --------------------------------------------------------------------------
def save_review(con, review: DailyReview) -> None:
    """One review a day: a new one replaces the day's earlier one."""
    con.execute("DELETE FROM daily_review WHERE day = ?", [review.day])
    interference = {k: v for k, v in review.interference.items() if v is not None}
    con.execute("INSERT INTO daily_review VALUES (?, ?, ?, ?, ?, ?, MAP(?::VARCHAR[], ?::TINYINT[]), ?, ?)",
                [review.day, review.worst, review.least, review.average, review.now,
                 review.relief_pct, list(interference), list(interference.values()), review.note,
                 review.recorded_at])


def reviews(con, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
    # The interference MAP comes as JSON text: DuckDB's MAP-to-dict conversion cost more than
    # the rest of the row together (76 reviews: 1.8 ms against 1.1 ms with json.loads).
    rows = _rows_in_order(con, "SELECT * REPLACE (to_json(interference) AS interference) FROM daily_review "
                               "WHERE (? IS NULL OR day >= ?) AND (? IS NULL OR day < ?)",
                          [since, since, until, until], "day")
    for r in rows:
        r["interference"] = json.loads(r["interference"]) if r["interference"] else {}
    return rows


def review_for(con, day: date) -> dict[str, Any] | None:
    rows = reviews(con, day, day.fromordinal(day.toordinal() + 1))
    return rows[0] if rows else None


def iter_entries(con, since: datetime | None, until: datetime | None, batch: int = 5000):
    """Pain entries oldest first, fetched batch by batch so exports stream."""
    cur = _execute(con, "SELECT * FROM pain_entry WHERE (? IS NULL OR occurred_at >= ?) "
                        "AND (? IS NULL OR occurred_at < ?) ORDER BY occurred_at, id",
                   [since, since, until, until])
    names = [d[0] for d in cur.description]
    while True:
        rows = cur.fetchmany(batch)
        if not rows:
            return
        for r in rows:
            yield dict(zip(names, r))


def copy_entries_parquet(con, since: datetime | None, until: datetime | None, path: str) -> int:
    """Pain entries of a period written by DuckDB as a Parquet file; returns the row count."""
    where = "WHERE (? IS NULL OR occurred_at >= ?) AND (? IS NULL OR occurred_at < ?)"
    params = [since, since, until, until]
    n = con.execute(f"SELECT count(*) FROM pain_entry {where}", params).fetchone()[0]
    quoted = path.replace("'", "''")
    con.execute(f"COPY (SELECT * EXCLUDE (id) FROM pain_entry {where} ORDER BY occurred_at, id) "
                f"TO '{quoted}' (FORMAT parquet, COMPRESSION zstd)", params)
    return n


def review_days(con, days: Sequence[date]) -> set[date]:
    """Which of these days already have a daily review."""
    if not days:
        return set()
    rows = con.execute("SELECT DISTINCT day FROM daily_review WHERE list_contains(?::DATE[], day)",
                       [list(days)]).fetchall()
    return {r[0] for r in rows}
