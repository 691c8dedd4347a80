"""SQL for mending records: read one row, take it out, put it back (an edit is a take-out and a
put-back of the corrected row, with the same id, in one transaction), and the one undo step.

Every change here keeps the day rollup in step (store/rollup.py) for the days the row leaves
and the days it lands on, in the same transaction. The undo step lives in ``meta`` (key
'undo'): the rows as they were before the last edit or delete, so any face (the CLI in
another process, the dashboard) can put them back.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from painboard.store import rollup

# What the user calls a kind -> (table, the column naming one row)
TABLES = {"entry": ("pain_entry", "id"), "episode": ("episode", "id"), "review": ("daily_review", "day"),
          "event": ("plan_event", "id"), "item": ("plan_item", "id")}
UNDO_KEY = "undo"


def _rows(con, sql: str, params: list) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def one(con, kind: str, ref: Any) -> dict[str, Any] | None:
    table, col = TABLES[kind]
    rows = _rows(con, f"SELECT * FROM {table} WHERE {col} = ?", [ref])
    for r in rows:
        if "interference" in r:
            r["interference"] = dict(r["interference"] or {})
    return rows[0] if rows else None


def _touch(con, table: str, row: dict[str, Any] | None) -> None:
    if row is not None and table in rollup.TIME_COLUMN:
        at = row[rollup.TIME_COLUMN[table]]
        rollup.touch(con, at, at)


def take_out(con, kind: str, row: dict[str, Any]) -> None:
    table, col = TABLES[kind]
    con.execute(f"DELETE FROM {table} WHERE {col} = ?", [row[col]])
    _touch(con, table, row)


def put_back(con, kind: str, row: dict[str, Any]) -> None:
    """Insert the row with every column as given (its id included)."""
    table, _ = TABLES[kind]
    names = [c for c in _columns(con, table) if c in row]
    marks = []
    params: list = []
    for n in names:
        if n == "interference":
            marks.append("MAP(?::VARCHAR[], ?::TINYINT[])")
            inter = {k: v for k, v in (row[n] or {}).items() if v is not None}
            params += [list(inter), list(inter.values())]
        else:
            marks.append("?")
            params.append(row[n])
    con.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(marks)})", params)
    _touch(con, table, row)


def replace(con, kind: str, before: dict[str, Any], after: dict[str, Any]) -> None:
    take_out(con, kind, before)
    put_back(con, kind, after)


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def events_of_item(con, item_id: int) -> list[dict[str, Any]]:
    return _rows(con, "SELECT * FROM plan_event WHERE item_id = ? ORDER BY id", [item_id])


def episodes_with_rescue(con, event_id: int) -> list[dict[str, Any]]:
    return _rows(con, "SELECT * FROM episode WHERE rescue_event_id = ? ORDER BY id", [event_id])


# -- the one undo step ------------------------------------------------------------------------
def _enc(v: Any) -> Any:
    if isinstance(v, datetime):
        return {"$t": v.isoformat()}
    if isinstance(v, date):
        return {"$d": v.isoformat()}
    return v


def _dec(v: Any) -> Any:
    if isinstance(v, dict) and "$t" in v:
        return datetime.fromisoformat(v["$t"])
    if isinstance(v, dict) and "$d" in v:
        return date.fromisoformat(v["$d"])
    return v


def save_undo(con, what: str, steps: list[tuple[str, Any, dict[str, Any] | None]]) -> None:
    """Keep how to undo the change just made: for each (kind, key, row as it was or None when the
    row is new), the row now stored under that key is replaced by the one kept."""
    data = {"what": what, "steps": [[k, _enc(key), None if r is None else {c: _enc(v) for c, v in r.items()}]
                                     for k, key, r in steps]}
    con.execute("DELETE FROM meta WHERE key = ?", [UNDO_KEY])
    con.execute("INSERT INTO meta VALUES (?, ?)", [UNDO_KEY, json.dumps(data)])


def undo(con) -> str | None:
    """Put back the rows the last edit or delete changed; returns what was undone (None: nothing)."""
    got = con.execute("SELECT value FROM meta WHERE key = ?", [UNDO_KEY]).fetchone()
    if got is None:
        return None
    data = json.loads(got[0])
    for kind, key, row in reversed(data["steps"]):
        now = one(con, kind, _dec(key))
        if now is not None:
            take_out(con, kind, now)
        if row is not None:
            put_back(con, kind, {c: _dec(v) for c, v in row.items()})
    con.execute("DELETE FROM meta WHERE key = ?", [UNDO_KEY])
    return data["what"]


def pending_undo(con) -> str | None:
    got = con.execute("SELECT value FROM meta WHERE key = ?", [UNDO_KEY]).fetchone()
    return json.loads(got[0])["what"] if got else None
