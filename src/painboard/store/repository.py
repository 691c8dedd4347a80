"""All of painboard's SQL: writes, and the read views that services and metrics query.

Every function takes an open connection from a unit of work; none commits.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Iterable, Sequence

from painboard.kinds import RECORD_KINDS
from painboard.models import DailyReview
from painboard.store import rollup

# Column name -> DuckDB type for the columnar (unnest) bulk insert.
ENTRY_COLUMNS = {
    "occurred_at": "TIMESTAMPTZ", "recorded_at": "TIMESTAMPTZ", "intensity": "TINYINT",
    "sites": "VARCHAR[]", "qualities": "VARCHAR[]", "pattern": "VARCHAR", "activity": "VARCHAR",
    "worse": "VARCHAR[]", "better": "VARCHAR[]", "duration_min": "INTEGER", "note": "VARCHAR",
    "source": "VARCHAR", "derived": "BOOLEAN", "original_level": "VARCHAR", "key": "VARCHAR",
}
EPISODE_COLUMNS = {
    "onset": "TIMESTAMPTZ", "peak_at": "TIMESTAMPTZ", "end_at": "TIMESTAMPTZ", "peak": "TINYINT",
    "background": "TINYINT", "type": "VARCHAR", "trigger": "VARCHAR", "site": "VARCHAR",
    "quality": "VARCHAR", "rescue_event_id": "BIGINT", "relief_min": "INTEGER",
    "activity_abandoned": "BOOLEAN", "note": "VARCHAR", "recorded_at": "TIMESTAMPTZ",
    "source": "VARCHAR", "key": "VARCHAR",
}
EVENT_COLUMNS = {
    "item_id": "BIGINT", "due_at": "TIMESTAMPTZ", "done_at": "TIMESTAMPTZ", "status": "VARCHAR",
    "amount": "DOUBLE", "note": "VARCHAR", "episode_id": "BIGINT", "source": "VARCHAR",
    "key": "VARCHAR",
}
ITEM_COLUMNS = {
    "category": "VARCHAR", "name": "VARCHAR", "dose": "DOUBLE", "unit": "VARCHAR",
    "route": "VARCHAR", "kind": "VARCHAR", "rrule": "VARCHAR", "max_per_day": "INTEGER",
    "on_date": "DATE", "sessions": "INTEGER", "start_date": "DATE", "end_date": "DATE",
    "status": "VARCHAR", "mme_factor": "DOUBLE", "note": "VARCHAR", "strength": "VARCHAR",
}
TABLES = {"pain_entry": ENTRY_COLUMNS, "episode": EPISODE_COLUMNS, "plan_event": EVENT_COLUMNS,
          "plan_item": ITEM_COLUMNS}


# "(? IS NULL OR col >= ?)": an optional bound. Bound here, so DuckDB sees a plain range it
# can use to skip row groups (zonemaps), or nothing at all when the bound is None.
_OPTIONAL = re.compile(r"\(\? IS NULL OR ([^()?]+?)\?\)|\?")


def _bind(sql: str, params: Sequence[Any]) -> tuple[str, list]:
    if "? IS NULL OR" not in sql:
        return sql, list(params)
    it = iter(params)
    out: list = []

    def one(m: re.Match) -> str:
        if m.group(1) is None:
            out.append(next(it))
            return "?"
        flag, value = next(it), next(it)
        if flag is None:
            return "TRUE"
        out.append(value)
        return f"({m.group(1)}?)"

    return _OPTIONAL.sub(one, sql), out


def _execute(con, sql: str, params: Sequence[Any] = ()):
    return con.execute(*_bind(sql, params))


def _rows(con, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = _execute(con, sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def append(con, table: str, records: Sequence[Any], dedupe: bool = True) -> int:
    """Append records (models) in one statement, in their order; with dedupe, keys already
    stored are skipped and of records sharing a key the first is kept. Returns rows added."""
    if not records:
        return 0
    columns = {n: [getattr(r, n) for r in records] for n in TABLES[table]}
    return _append_lists(con, table, columns, dedupe)


def insert_one(con, table: str, record: Any) -> int:
    """Insert one record and return its new id."""
    cols = TABLES[table]
    names = list(cols)
    sql = (f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
           f"RETURNING id")
    new_id = con.execute(sql, [getattr(record, n) for n in names]).fetchone()[0]
    if table in rollup.TIME_COLUMN:
        at = getattr(record, rollup.TIME_COLUMN[table])
        rollup.touch(con, at, at)
    return new_id


def restart_if_aborted(con) -> bool:
    """If a failed statement aborted the open transaction, roll it back and begin a new one
    (DuckDB has no savepoints), so the unit of work can go on reading. True if it did."""
    import duckdb

    try:
        con.execute("SELECT 1").fetchall()
        return False
    except duckdb.TransactionException:
        con.execute("ROLLBACK")
        con.execute("BEGIN TRANSACTION")
        return True


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


def revision(con) -> int:
    return int(con.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])


def clear_records(con) -> None:
    """Remove every record (the demo's --force); the schema and revision stay."""
    for table in ("pain_entry", "episode", "daily_review", "plan_event", "plan_item"):  # children first
        con.execute(f"DELETE FROM {table}")
    rollup.clear(con)


def count(con, table: str) -> int:
    if table not in RECORD_KINDS:
        raise ValueError(table)
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def counts(con) -> dict[str, int]:
    return {t: count(con, t) for t in RECORD_KINDS}


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


def daily_rollup(con, tz: str, days: tuple[date, date]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """daily_pain and daily_episodes of the local days [d0, d1) in one read, when the daily
    rollup serves them; None when it does not (read each from the rows)."""
    if not rollup.ready(con, tz, (days[1] - days[0]).days):
        return None
    return rollup.daily_both(con, tz, *days)


def first_entry_day(con, tz: str) -> date | None:
    """The local day of the first pain entry from the daily rollup, when it keeps the zone
    (one row a day, not 1M entries to sort); None when it does not or holds no entry."""
    return rollup.first_day(con, tz)


def night_pain(con, tz: str, since: datetime, until: datetime, start_minute: int,
               end_minute: int, threshold: int = 1) -> list[dict[str, Any]]:
    """The nights (local), one row each (``night``), with an entry or episode at or above
    threshold inside the night window; figures/ counts them.

    A night is named by the date it starts on; minutes are local minutes after midnight.
    """
    return _rows(con, """
        WITH t AS (
            SELECT timezone(?, occurred_at) AS lt, intensity AS v FROM pain_entry
            WHERE occurred_at >= ? AND occurred_at < ?
            UNION ALL
            SELECT timezone(?, onset), peak FROM episode WHERE onset >= ? AND onset < ?
        ), m AS (
            SELECT lt, v, hour(lt) * 60 + minute(lt) AS mm FROM t
        )
        SELECT DISTINCT CASE WHEN mm >= ? THEN CAST(lt AS DATE) ELSE CAST(lt AS DATE) - 1 END AS night
        FROM m WHERE v >= ? AND (mm >= ? OR mm < ?) ORDER BY night""",
                 [tz, since, until, tz, since, until, start_minute, threshold, start_minute,
                  end_minute])


# -- episodes -------------------------------------------------------------------------------
def episodes(con, since: datetime | None = None, until: datetime | None = None,
             newest_first: bool = False, limit: int | None = None) -> list[dict[str, Any]]:
    sql = ("SELECT *, date_diff('minute', onset, end_at) AS duration_min FROM episode "
           "WHERE (? IS NULL OR onset >= ?) AND (? IS NULL OR onset < ?)")
    sql += " ORDER BY onset DESC, id DESC" if newest_first else " ORDER BY onset, id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return _rows(con, sql, [since, since, until, until])


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
    rows = _rows(con, "SELECT * FROM daily_review WHERE (? IS NULL OR day >= ?) AND (? IS NULL OR day < ?) "
                      "ORDER BY day", [since, since, until, until])
    for r in rows:
        r["interference"] = dict(r["interference"] or {})
    return rows


def review_for(con, day: date) -> dict[str, Any] | None:
    rows = reviews(con, day, day.fromordinal(day.toordinal() + 1))
    return rows[0] if rows else None


# -- plan ------------------------------------------------------------------------------------
def plan_items(con, include_stopped: bool = True) -> list[dict[str, Any]]:
    sql = "SELECT * FROM plan_item"
    if not include_stopped:
        sql += " WHERE status = 'active'"
    return _rows(con, sql + " ORDER BY id")


def plan_item(con, item_id: int) -> dict[str, Any] | None:
    rows = _rows(con, "SELECT * FROM plan_item WHERE id = ?", [item_id])
    return rows[0] if rows else None


def set_item_status(con, item_id: int, status: str, end_date: date | None) -> None:
    con.execute("UPDATE plan_item SET status = ?, end_date = coalesce(?, end_date) WHERE id = ?",
                [status, end_date, item_id])


def events(con, since: datetime | None = None, until: datetime | None = None,
           item_id: int | None = None, item_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """Events done in [since, until), of one item or of item_ids when given."""
    sql = """
        SELECT * FROM plan_event
        WHERE (? IS NULL OR done_at >= ?) AND (? IS NULL OR done_at < ?)
          AND (? IS NULL OR item_id = ?)"""
    params: list = [since, since, until, until, item_id, item_id]
    if item_ids is not None:
        sql += " AND list_contains(?::BIGINT[], item_id)"
        params.append(list(item_ids))
    return _rows(con, sql + " ORDER BY done_at, id", params)


def events_due_between(con, since: datetime, until: datetime, item_id: int | None = None) -> list[dict[str, Any]]:
    """Events recorded against a due time in [since, until) (of one item), whenever they were done."""
    return _rows(con, "SELECT * FROM plan_event WHERE due_at >= ? AND due_at < ? "
                      "AND (? IS NULL OR item_id = ?) ORDER BY due_at", [since, until, item_id, item_id])


def plan_event(con, event_id: int) -> dict[str, Any] | None:
    rows = _rows(con, "SELECT * FROM plan_event WHERE id = ?", [event_id])
    return rows[0] if rows else None


def events_for_due(con, item_id: int, due_at: datetime) -> list[dict[str, Any]]:
    """Events recorded against one due time of one plan item."""
    return _rows(con, "SELECT * FROM plan_event WHERE item_id = ? AND due_at = ? ORDER BY id",
                 [item_id, due_at])


def last_events(con, statuses: Iterable[str] = ("taken", "done"),
                item_ids: Iterable[int] | None = None, until: datetime | None = None) -> dict[int, dict[str, Any]]:
    """Each plan item's (or each of item_ids') most recent event with one of the statuses
    (done before ``until`` when given)."""
    sql = "SELECT * FROM plan_event WHERE list_contains(?, status)"
    params: list = [list(statuses)]
    if until is not None:
        sql += " AND done_at < ?"
        params.append(until)
    if item_ids is not None:
        sql += " AND list_contains(?::BIGINT[], item_id)"
        params.append(list(item_ids))
    rows = _rows(con, sql + " QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY done_at DESC, id DESC) = 1",
                 params)
    return {r["item_id"]: r for r in rows}


def delete_event(con, event_id: int) -> None:
    con.execute("UPDATE episode SET rescue_event_id = NULL WHERE rescue_event_id = ?", [event_id])
    con.execute("DELETE FROM plan_event WHERE id = ?", [event_id])


def marker_events(con, tz: str, since: datetime, until: datetime,
                  categories: Sequence[str]) -> list[dict[str, Any]]:
    """Done plan events of the given categories (infusions, radiation, procedures) per local day."""
    return _rows(con, """
        SELECT CAST(timezone(?, e.done_at) AS DATE) AS day, i.category, i.name AS label
        FROM plan_event e JOIN plan_item i ON i.id = e.item_id
        WHERE e.done_at >= ? AND e.done_at < ? AND list_contains(?, i.category)
          AND e.status IN ('done', 'taken')
        ORDER BY e.done_at""", [tz, since, until, list(categories)])


# -- import, export and metric views (the plugin pipelines) --------------------------------
_NULL, _ROW, _ITEM, _FIELD = "\x02", "\x1f", "\x1e", "\x1d"  # control characters no validated text holds
_SEPS = (_NULL, _ROW, _ITEM, _FIELD)


def pack_value(v: Any, sql_type: str) -> str | None:
    """One validated value as text DuckDB casts back, or None when its text holds a separator."""
    if v is None:
        return _NULL
    if sql_type.endswith("[]"):
        if any(x == "" for x in v) or not safe_texts(v):
            return None
        return _ITEM.join(v)
    if sql_type == "BOOLEAN":
        return "true" if v else "false"
    t = v.isoformat() if isinstance(v, (datetime, date)) else str(v)
    return None if any(c in t for c in _SEPS) else t


def safe_texts(values: Sequence[str]) -> bool:
    """Whether these texts can be packed as they are (no separator in any)."""
    joined = "".join(values)
    return not any(c in joined for c in _SEPS)


def _pieces(values: list, sql_type: str) -> list[str] | None:
    if sql_type in ("VARCHAR", "TIMESTAMPTZ") and all(type(v) is str for v in values):
        return list(values) if safe_texts(values) else None
    out = [pack_value(v, sql_type) for v in values]
    return None if None in out else out  # type: ignore[return-value]


def append_columns(con, table: str, columns: dict[str, list], dedupe: bool = True,
                   pieces: dict[str, list[str]] | None = None) -> int:
    """Append columns of validated values in one statement; with dedupe, stored keys are skipped.

    Rows keep their order, so new ids follow it; of rows sharing a key, the first is kept.
    TIMESTAMPTZ values may be ISO 8601 text with an offset (DuckDB casts it). ``pieces``:
    columns already turned into text by pack_value, which saves the work here.
    """
    src, params = _columns_source(table, columns, pieces)
    if src is None:
        return 0
    keys = columns["key"] if dedupe else None
    return _insert(con, table, list(TABLES[table]), src, params, keys)


def _columns_source(table: str, columns: dict[str, list],
                    pieces: dict[str, list[str]] | None) -> tuple[str | None, list]:
    """A SELECT of (ord, every column) over validated columns, and its parameters.

    The rows reach DuckDB as one string (fields and rows joined by control characters that no
    validated text holds): several times faster than Python lists of datetimes or of lists.
    Text holding a separator goes as one list parameter per column instead.
    """
    cols = TABLES[table]
    names = list(cols)
    if not len(columns[names[0]]):
        return None, []
    pieces = dict(pieces or {})
    for c, t in cols.items():
        if c not in pieces:
            got = _pieces(columns[c], t)
            if got is None:
                return _lists_source(table, columns)
            pieces[c] = got
    whole = _ROW.join(map(_FIELD.join, zip(*(pieces[c] for c in names))))
    select = []
    for i, (c, t) in enumerate(cols.items()):
        x = f"r[{i + 1}]"
        if t.endswith("[]"):
            select.append(f"CASE WHEN {x} = '{_NULL}' THEN NULL WHEN {x} = '' THEN []::VARCHAR[] "
                          f"ELSE string_split({x}, '{_ITEM}') END AS {c}")
        else:
            select.append(f"CAST(nullif({x}, '{_NULL}') AS {t}) AS {c}")
    src = (f"SELECT ord, {', '.join(select)} FROM (SELECT string_split(line, '{_FIELD}') AS r, ord "
           f"FROM unnest(string_split($1::VARCHAR, '{_ROW}')) WITH ORDINALITY AS u(line, ord))")
    return src, [whole]


def _lists_source(table: str, columns: dict[str, list]) -> tuple[str, list]:
    """The same as _columns_source with each column a list parameter (text holding a separator)."""
    cols = TABLES[table]
    names = list(cols)
    lists = ", ".join(f"${i + 1}::{t}[] AS {c}" for i, (c, t) in enumerate(cols.items()))
    src = (f"SELECT unnest(range(1, len({names[0]}) + 1)) AS ord, "
           f"{', '.join(f'unnest({c}) AS {c}' for c in names)} FROM (SELECT {lists})")
    return src, [columns[c] for c in names]


def _append_lists(con, table: str, columns: dict[str, list], dedupe: bool) -> int:
    src, params = _lists_source(table, columns)
    return _insert(con, table, list(TABLES[table]), src, params, columns["key"] if dedupe else None)


def _insert(con, table: str, names: list[str], src: str, params: list, keys: list | None,
            repeats: bool | None = None) -> int:
    body = src
    if keys is not None or repeats is not None:
        body = f"SELECT * FROM ({src}) s WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.key = s.key)"
        if repeats if repeats is not None else len(set(keys)) != len(keys):  # type: ignore[arg-type]
            body += " QUALIFY row_number() OVER (PARTITION BY s.key ORDER BY s.ord) = 1"  # the first wins
    cols = ", ".join(names)
    before = rollup.max_id(con, table) if table in rollup.TIME_COLUMN else None
    added = con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM ({body}) ORDER BY ord",
                        params).fetchone()[0]
    if before is not None and added:
        rollup.touch_since_id(con, table, before)
    return added


class Stage:
    """Pain entries of one import, staged batch by batch in a private DuckDB file (``alias``,
    attached to this process's instance; connection.scratch_database) as they are checked,
    then kept in the real table in the import's one write transaction, or dropped with the file.
    Memory stays flat with the file's size."""

    TABLE = "pain_entry"

    def __init__(self, cur, alias: str):
        self.cur, self.name, self.rows = cur, f"{alias}.main.{self.TABLE}", 0
        cols = ", ".join(f"{c} {t}" for c, t in TABLES[self.TABLE].items())
        cur.execute(f"CREATE TABLE {self.name} (ord BIGINT, {cols})")

    def add(self, columns: dict[str, list], pieces: dict[str, list[str]] | None = None) -> None:
        """Append one batch of validated columns, after the ones before it."""
        src, params = _columns_source(self.TABLE, columns, pieces)
        if src is None:
            return
        names = ", ".join(TABLES[self.TABLE])
        self.cur.execute(f"INSERT INTO {self.name} SELECT ord + {self.rows}, {names} FROM ({src})", params)
        self.rows += len(columns["key"])

    def keep(self, con) -> int:
        """Into the real table (``con``: the write unit of work): keys already stored are
        skipped, and of staged rows sharing a key the first is kept. Returns the rows added."""
        if not self.rows:
            return 0
        keys, distinct = con.execute(f"SELECT count(key), count(DISTINCT key) FROM {self.name}").fetchone()
        names = list(TABLES[self.TABLE])
        return _insert(con, self.TABLE, names, f"SELECT ord, {', '.join(names)} FROM {self.name}", [], None,
                       repeats=keys != distinct)


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


def find_plan_item(con, category: str, name: str, kind: str, start_date: date) -> int | None:
    """The id of a plan item with the same identity (imports match items this way)."""
    row = con.execute("SELECT id FROM plan_item WHERE category = ? AND lower(name) = lower(?) "
                      "AND kind = ? AND start_date = ? ORDER BY id LIMIT 1",
                      [category, name, kind, start_date]).fetchone()
    return row[0] if row else None


def review_days(con, days: Sequence[date]) -> set[date]:
    """Which of these days already have a daily review."""
    if not days:
        return set()
    rows = con.execute("SELECT DISTINCT day FROM daily_review WHERE list_contains(?::DATE[], day)",
                       [list(days)]).fetchall()
    return {r[0] for r in rows}


def ids_by_key(con, table: str, keys: Sequence[str]) -> dict[str, int]:
    if table not in ("pain_entry", "episode", "plan_event") or not keys:
        return {}
    return dict(con.execute(f"SELECT key, id FROM {table} WHERE list_contains(?::VARCHAR[], key)",
                            [list(keys)]).fetchall())


def first_record_at(con) -> datetime | None:
    """The earliest instant anything was logged (entries, episodes, plan events)."""
    return con.execute("SELECT min(t) FROM (SELECT min(occurred_at) AS t FROM pain_entry "
                       "UNION ALL SELECT min(onset) FROM episode "
                       "UNION ALL SELECT min(done_at) FROM plan_event)").fetchone()[0]
