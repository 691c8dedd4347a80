"""painboard's own CSV read by DuckDB's CSV reader straight into an import's scratch file: the
SQL of the import's fast path (painboard.import_fast decides; this only reads and looks).

The reader is told everything (no sniffing): UTF-8, comma, double quote escaped by doubling,
strict. One column more than the header is declared, padded with NULL, and no cell text
reads as NULL (``nullstr`` is a text the file was checked not to hold), so a row of the
header's width is exactly one whose extra column is NULL and whose own cells are all not.
Every question asked here only says "certainly as the model would have it" or "not sure":
what is not sure goes to the Python path, which alone refuses and names file, line, field.
"""

from __future__ import annotations

import contextlib

import duckdb

from painboard.store.repo_base import TABLES
from painboard.store.repo_bulk import _insert, unpack

NULL_TEXT = "\x01\x01"  # read as NULL by DuckDB: the file holds no \x01 byte (import_fast checks)
EXTRA = "painboard_extra_cell"
ISO = (r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
       r"(\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])")
# What Python's str.strip() takes off (str.isspace; a test checks this list against it).
SPACE = (r"\t\n\x{0b}\x{0c}\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
         r"\x{202f}\x{205f}\x{3000}")


class NotSure(Exception):
    """DuckDB could not read or look at the file as asked: the Python path decides."""


def _ex(cur, sql: str, params: list | None = None):
    try:
        return cur.execute(sql, params or [])
    except duckdb.Error as exc:
        raise NotSure(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from None


def raw_table(alias: str) -> str:
    """The file's cells as read: in memory (DuckDB spills it into the import's folder past its
    memory limit), about twice as fast to fill as a table in the scratch file."""
    return f"memory.main.{alias}_csv_raw"


def drop(cur, alias: str) -> None:
    """What the fast path staged, when the Python path takes over or the rows are kept."""
    _ex(cur, f"DROP TABLE IF EXISTS {raw_table(alias)}")
    for (name,) in _ex(cur, "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND "
                            "table_name LIKE 'map_%'", [alias]).fetchall():
        _ex(cur, f"DROP TABLE {alias}.main.{name}")


@contextlib.contextmanager
def parallel(cur, threads: int = 2):
    """The reading and checking on ``threads`` (an import's child does nothing else meanwhile);
    the instance's own setting again after, so the write that keeps the rows runs as every
    write does (new ids are given in the order rows reach the insert)."""
    before = _ex(cur, "SELECT current_setting('threads')").fetchone()[0]
    _ex(cur, f"SET threads = {max(int(threads), int(before))}")
    try:
        yield
    finally:
        _ex(cur, f"SET threads = {int(before)}")


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read(cur, alias: str, path: str, header: list[str], max_line: int) -> int:
    """The file's cells, all as text, into raw_table (``rowid``: file
    order); its rows. DuckDB's error (a cut quote, bad UTF-8, a row too wide) is raised."""
    cols = ", ".join(f"{_q(c)}: 'VARCHAR'" for c in [*header, EXTRA])
    _ex(cur, f"CREATE TABLE {raw_table(alias)} AS SELECT * FROM read_csv(?, auto_detect=false, "
                f"header=true, columns={{{cols}}}, delim=',', quote='\"', escape='\"', strict_mode=true, "
                f"null_padding=true, nullstr={_q(NULL_TEXT)}, encoding='utf-8', parallel=false, "
                f"max_line_size={max_line})", [path])
    return _ex(cur, f"SELECT count(*) FROM {raw_table(alias)}").fetchone()[0]


def survey(cur, alias: str, header: list[str]) -> dict:
    """What the whole file holds, in one pass: whether every row has the header's width, every
    key is given, every time is plain ISO 8601 with an offset (DuckDB's cast also refuses a
    day the month lacks); the longest cell; the times' range; whether keys repeat."""
    rec = "recorded_at" if "recorded_at" in header else "NULL::VARCHAR"
    key = "key" if "key" in header else "NULL::VARCHAR"
    width = " AND ".join([f"{EXTRA} IS NULL", *(f"{c} IS NOT NULL" for c in header)])
    longest = ", ".join(f"coalesce(max(strlen({c})), 0)" for c in header)
    row = _ex(cur, f"""SELECT bool_and({width}), bool_and(coalesce({key}, '') <> ''), greatest({longest}),
        bool_and(regexp_full_match(occurred_at, '{ISO}') AND o IS NOT NULL),
        bool_and(coalesce({rec}, '') = '' OR (regexp_full_match({rec}, '{ISO}') AND r IS NOT NULL)),
        min(o), max(o), min(r), max(r), count({key}) <> count(DISTINCT {key})
        FROM (SELECT *, try_cast(occurred_at AS TIMESTAMPTZ) AS o, try_cast(nullif({rec}, '') AS TIMESTAMPTZ) AS r
              FROM {raw_table(alias)})""").fetchone()
    names = ("width", "keys", "longest", "occurred_ok", "recorded_ok", "occurred_min", "occurred_max",
             "recorded_min", "recorded_max", "repeats")
    return dict(zip(names, row))


def plain_text(c: str, max_chars: int) -> str:
    """Text the model keeps as it is (its strip() takes nothing off, it is within the limit,
    no control character, no formula apostrophe to take off): certainly itself."""
    return (f"({c} = '' OR (strlen({c}) <= {max_chars} AND NOT starts_with({c}, '''') AND NOT "
            f"regexp_matches({c}, '^[{SPACE}]|[{SPACE}]$|[\\x00-\\x08\\x{{0b}}-\\x{{1f}}\\x{{7f}}-\\x{{9f}}]')))")


def distinct(cur, alias: str, column: str, cap: int, max_bytes: int, where: str = "TRUE") -> list[str] | None:
    """The distinct texts of a column ('' for empty), or None when there are more than ``cap``
    of them or they hold more than ``max_bytes`` together (they are read into Python)."""
    d = f"SELECT DISTINCT coalesce({column}, '') AS v FROM {raw_table(alias)} WHERE {where} LIMIT {cap + 1}"
    n, size = _ex(cur, f"SELECT count(*), coalesce(sum(strlen(v)), 0) FROM ({d})").fetchone()
    if n > cap or size > max_bytes:
        return None
    return [v for (v,) in _ex(cur, d).fetchall()]


INLINE = 32  # a column of at most this many distinct texts is mapped in the query, not joined


def add_map(cur, alias: str, column: str, pieces: dict[str, str]) -> None:
    """A column's distinct texts and what the model made of each, packed (repo.pack_value):
    a table to join, when there are more than INLINE."""
    if len(pieces) <= INLINE:
        return
    name = f"{alias}.main.map_{column}"
    _ex(cur, f"CREATE TABLE {name} (raw VARCHAR, piece VARCHAR)")
    _ex(cur, f"INSERT INTO {name} SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[])",
        [list(pieces), list(pieces.values())])


class CsvStage:
    """The staged file, kept like repo.Stage: into the real table in the import's one write
    transaction, keys already stored skipped, the first of repeated keys kept, in file order.
    ``maps``: each column's texts and their packed values (add_map); for a column in
    ``partly`` only the texts that are not certainly themselves."""

    TABLE = "pain_entry"

    def __init__(self, cur, alias: str, header: list[str], maps: dict[str, dict[str, str]],
                 partly: list[str], now_text: str, repeats: bool, rows: int):
        self.cur, self.alias, self.header = cur, alias, header
        self.maps, self.partly, self.now_text = maps, partly, now_text
        self.repeats, self.rows = repeats, rows

    def _raw(self, c: str) -> str:
        return f"r.{c}" if c in self.header else "NULL::VARCHAR"

    def _column(self, c: str, t: str) -> str:
        raw = self._raw(c)
        if c == "occurred_at":
            return f"CAST({raw} AS TIMESTAMPTZ)"
        if c == "recorded_at":
            return f"CAST(coalesce(nullif({raw}, ''), {_q(self.now_text)}) AS TIMESTAMPTZ)"
        if c == "key":
            return raw
        other = f"nullif({raw}, '')" if c in self.partly else "NULL"  # not in the map: itself
        m = self.maps[c]
        if len(m) > INLINE:
            return f"CASE WHEN m_{c}.raw IS NULL THEN {other} ELSE {unpack(f'm_{c}.piece', t)} END"
        whens = " ".join(f"WHEN {_q(k)} THEN {unpack(_q(v), t)}" for k, v in m.items())
        return f"CASE coalesce({raw}, '') {whens} ELSE {other} END" if whens else other

    def keep(self, con) -> int:
        if not self.rows:
            return 0
        cols = TABLES[self.TABLE]
        a = self.alias
        joins = " ".join(f"LEFT JOIN {a}.main.map_{c} m_{c} ON m_{c}.raw = coalesce({self._raw(c)}, '')"
                         for c, m in self.maps.items() if len(m) > INLINE)
        src = (f"SELECT r.rowid AS ord, {', '.join(f'{self._column(c, t)} AS {c}' for c, t in cols.items())} "
               f"FROM {raw_table(a)} r {joins}")
        try:
            return _insert(con, self.TABLE, list(cols), src, [], None, repeats=self.repeats)
        finally:
            drop(self.cur, a)
