"""The repository's ground: each table's columns (for the bulk inserts) and running SQL with
optional bounds. Re-exported from painboard.store.repository."""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Any, Sequence


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


def _rows_in_order(con, sql: str, params: Sequence[Any], *key: str) -> list[dict[str, Any]]:
    """_rows of a statement with no ORDER BY, put in order of the ``key`` columns (ascending,
    none of them NULL) here: DuckDB's sort costs 0.1-0.4 ms a statement whatever the rows (a
    refresh's seven reads at 1M entries: 1.5 ms), Python's of rows that come nearly in order a
    few microseconds (a run of them is found in one pass)."""
    rows = _rows(con, sql, params)
    rows.sort(key=itemgetter(*key))
    return rows
