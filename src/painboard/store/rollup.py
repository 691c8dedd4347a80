"""Per-local-day aggregates of pain entries and episodes, kept in step with every write.

A trend over a year or over all the data reads one row a day here instead of every entry
(at 1M entries the raw aggregate is ~100 ms, the rollup ~1 ms). A local day depends on the
time zone, so the rollup keeps the zones that have read it (``day_rollup_zone``); the first
read in a new zone fills it, and every write that adds or removes entries or episodes
recomputes the days it touched, in each kept zone, in the same transaction.

Only SQL aggregates of the rows are cached (count, sum, worst, least; episodes, worst
peak); averages and every clinical figure are computed from them as before.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

TIME_COLUMN = {"pain_entry": "occurred_at", "episode": "onset"}


def _zones(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT tz FROM day_rollup_zone ORDER BY tz").fetchall()]


def _writable(con) -> bool:
    return not con.execute("SELECT readonly FROM duckdb_databases() "
                           "WHERE database_name = current_database()").fetchone()[0]


def _rebuild(con, tz: str, d0: date | None, d1: date | None) -> None:
    """Recompute the zone's days d0..d1 (inclusive; None: every day) from the rows."""
    if d0 is None or d1 is None:
        con.execute("DELETE FROM day_rollup WHERE tz = ?", [tz])
        lo = hi = None
    else:
        con.execute("DELETE FROM day_rollup WHERE tz = ? AND day BETWEEN ? AND ?", [tz, d0, d1])
        # UTC instants of local midnight at d0 and after d1, as constants so row groups are skipped
        lo, hi = con.execute("SELECT timezone(?, CAST(? AS DATE)::TIMESTAMP), "
                             "timezone(?, (CAST(? AS DATE) + 1)::TIMESTAMP)", [tz, d0, tz, d1]).fetchone()
    cut_p = "" if lo is None else "WHERE occurred_at >= $lo AND occurred_at < $hi"
    cut_e = "" if lo is None else "WHERE onset >= $lo AND onset < $hi"
    params: dict[str, Any] = {"tz": tz}
    if lo is not None:
        params.update(lo=lo, hi=hi)
    con.execute(f"""
        INSERT INTO day_rollup (tz, day, n, total, worst, least, episodes, worst_peak)
        WITH p AS (
            SELECT CAST(timezone($tz, occurred_at) AS DATE) AS day, count(*) AS n,
                   sum(intensity) AS total, max(intensity) AS worst, min(intensity) AS least
            FROM pain_entry {cut_p} GROUP BY ALL
        ), e AS (
            SELECT CAST(timezone($tz, onset) AS DATE) AS day, count(*) AS episodes,
                   max(peak) AS worst_peak
            FROM episode {cut_e} GROUP BY ALL
        )
        SELECT $tz, day, coalesce(n, 0), coalesce(total, 0), worst, least,
               coalesce(episodes, 0), worst_peak
        FROM p FULL OUTER JOIN e USING (day)""", params)


def touch(con, lo: datetime | None, hi: datetime | None) -> None:
    """Recompute, in every kept zone, the local days holding the instants lo..hi (inclusive).

    Every write path that adds or deletes pain entries or episodes calls this (repository's
    inserts do it themselves); a delete passes the deleted rows' earliest and latest times.
    """
    if lo is None or hi is None:
        return
    for tz in _zones(con):
        d0, d1 = con.execute("SELECT CAST(timezone(?, CAST(? AS TIMESTAMPTZ)) AS DATE), "
                             "CAST(timezone(?, CAST(? AS TIMESTAMPTZ)) AS DATE)", [tz, lo, tz, hi]).fetchone()
        _rebuild(con, tz, d0, d1)


def touch_since_id(con, table: str, after_id: int) -> None:
    """After an insert: recompute the days of the rows with an id above ``after_id``."""
    col = TIME_COLUMN[table]
    lo, hi = con.execute(f"SELECT min({col}), max({col}) FROM {table} WHERE id > ?", [after_id]).fetchone()
    touch(con, lo, hi)


def max_id(con, table: str) -> int:
    return con.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]


def clear(con) -> None:
    """Every record was removed: so are the days (the zones stay kept)."""
    con.execute("DELETE FROM day_rollup")


# A zone is filled only for a range longer than this: a shorter one reads the rows fast
# enough, and a plain look at the dashboard then leaves the file as it was.
FILL_AFTER_DAYS = 92


def ready(con, tz: str, days: int) -> bool:
    """Whether the zone's days can be read here: kept, or filled now for a long range (not in
    a read-only attachment, where the caller reads the rows instead)."""
    if con.execute("SELECT count(*) FROM day_rollup_zone WHERE tz = ?", [tz]).fetchone()[0]:
        return True
    if days <= FILL_AFTER_DAYS or not _writable(con):
        return False
    _rebuild(con, tz, None, None)
    con.execute("INSERT INTO day_rollup_zone VALUES (?)", [tz])
    return True


def daily_pain(con, tz: str, d0: date, d1: date) -> list[dict[str, Any]]:
    """Days [d0, d1) with entries: day, average, worst, least, n (as repository.daily_pain)."""
    cur = con.execute("SELECT day, total / n AS average, worst, least, n FROM day_rollup "
                      "WHERE tz = ? AND day >= ? AND day < ? AND n > 0 ORDER BY day", [tz, d0, d1])
    return [dict(zip(("day", "average", "worst", "least", "n"), r)) for r in cur.fetchall()]


def daily_episodes(con, tz: str, d0: date, d1: date) -> list[dict[str, Any]]:
    """Days [d0, d1) with episodes: day, n, worst_peak (as repository.daily_episodes)."""
    cur = con.execute("SELECT day, episodes, worst_peak FROM day_rollup "
                      "WHERE tz = ? AND day >= ? AND day < ? AND episodes > 0 ORDER BY day", [tz, d0, d1])
    return [dict(zip(("day", "n", "worst_peak"), r)) for r in cur.fetchall()]


# The columns of a day's row as days() returns it.
DAY_COLUMNS = ("day", "average", "worst", "least", "n", "episodes", "worst_peak")


def days(con, tz: str, d0: date, d1: date) -> list[tuple]:
    """The days [d0, d1) with entries or episodes, oldest first, as tuples of DAY_COLUMNS:
    one read for daily_pain, daily_episodes and the trend."""
    # sorted here: the rows come nearly in order, which Python sorts in one pass (DuckDB's
    # ORDER BY cost a quarter of the read)
    return sorted(con.execute("SELECT day, total / n AS average, worst, least, n, episodes, worst_peak "
                              "FROM day_rollup WHERE tz = ? AND day >= ? AND day < ? AND (n > 0 OR episodes > 0)",
                              [tz, d0, d1]).fetchall())


def split_days(rows: list[tuple]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """days()' rows as daily_pain's rows and daily_episodes' rows."""
    pain = [{"day": d, "average": a, "worst": w, "least": lst, "n": n} for d, a, w, lst, n, _, _ in rows if n > 0]
    episodes = [{"day": d, "n": e, "worst_peak": p} for d, _, _, _, _, e, p in rows if e > 0]
    return pain, episodes
