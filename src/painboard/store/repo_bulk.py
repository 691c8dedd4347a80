"""Writing records in bulk: one record, a list of records, validated columns packed into one
string, and the staging table of an import. Re-exported from painboard.store.repository."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Sequence

from painboard.store import rollup
from painboard.store.repo_base import TABLES


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
    select = [f"{unpack(f'r[{i + 1}]', t)} AS {c}" for i, (c, t) in enumerate(cols.items())]
    src = (f"SELECT ord, {', '.join(select)} FROM (SELECT string_split(line, '{_FIELD}') AS r, ord "
           f"FROM unnest(string_split($1::VARCHAR, '{_ROW}')) WITH ORDINALITY AS u(line, ord))")
    return src, [whole]


def unpack(x: str, sql_type: str) -> str:
    """The SQL turning ``x``, a value packed by pack_value, back into its column's type."""
    if sql_type.endswith("[]"):
        return (f"CASE WHEN {x} = '{_NULL}' THEN NULL WHEN {x} = '' THEN []::VARCHAR[] "
                f"ELSE string_split({x}, '{_ITEM}') END")
    return f"CAST(nullif({x}, '{_NULL}') AS {sql_type})"


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
