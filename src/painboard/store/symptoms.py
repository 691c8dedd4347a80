"""The symptom table's SQL (issue 20). Every function takes a connection from a unit of work."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from painboard.models_symptom import imported_symptom as imported  # noqa: F401  (import_export: an import's row as a record)
from painboard.store import repository
from painboard.store.repo_base import _rows_in_order
from painboard.store.repository import _append_lists, _rows

COLUMNS = {
    "name": "VARCHAR", "kind": "VARCHAR", "occurred_at": "TIMESTAMPTZ", "recorded_at": "TIMESTAMPTZ",
    "severity": "VARCHAR", "note": "VARCHAR", "reported_at": "TIMESTAMPTZ", "reported_to": "VARCHAR",
    "source": "VARCHAR", "key": "VARCHAR",
}
# The bulk append of repository.py reads a table's columns from its TABLES.
repository.TABLES.setdefault("symptom", COLUMNS)


def insert(con, record: Any) -> int:
    names = list(COLUMNS)
    sql = (f"INSERT INTO symptom ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
           f"RETURNING id")
    return con.execute(sql, [getattr(record, n) for n in names]).fetchone()[0]


def append(con, records: Sequence[Any], dedupe: bool = True) -> int:
    """Append many (an import) in one statement; with dedupe, keys already stored are skipped."""
    if not records:
        return 0
    return _append_lists(con, "symptom", {n: [getattr(r, n) for r in records] for n in COLUMNS}, dedupe)


# A warning sign not yet told to anyone: in SQL, and as a row read (one rule, two forms).
UNREPORTED = "kind = 'warning_sign' AND reported_at IS NULL"


def unreported(row: dict[str, Any]) -> bool:
    return row["kind"] == "warning_sign" and row["reported_at"] is None


def symptoms(con, since: datetime | None = None, until: datetime | None = None,
             kind: str | None = None, with_unreported: bool = False) -> list[dict[str, Any]]:
    """Symptoms logged in [since, until) (of one kind); ``with_unreported``: and the warning
    signs not yet reported from before ``since``, in the same read."""
    sql = ("SELECT * FROM symptom WHERE (? IS NULL OR occurred_at >= ?) "
           "AND (? IS NULL OR occurred_at < ?) AND (? IS NULL OR kind = ?)")
    params = [since, since, until, until, kind, kind]
    if with_unreported:
        sql += (f" UNION ALL SELECT * FROM symptom WHERE {UNREPORTED} "
                "AND NOT ((? IS NULL OR occurred_at >= ?) AND (? IS NULL OR occurred_at < ?) "
                "AND (? IS NULL OR kind = ?))")
        params += params
    return _rows_in_order(con, sql, params, "occurred_at", "id")


def symptom(con, symptom_id: int) -> dict[str, Any] | None:
    rows = _rows(con, "SELECT * FROM symptom WHERE id = ?", [symptom_id])
    return rows[0] if rows else None


def unreported_signs(con) -> list[dict[str, Any]]:
    """Warning signs not yet marked as reported, oldest first."""
    return _rows(con, f"SELECT * FROM symptom WHERE {UNREPORTED} ORDER BY occurred_at, id")


def mark_reported(con, symptom_id: int, at: datetime, to: str) -> None:
    con.execute("UPDATE symptom SET reported_at = ?, reported_to = ? WHERE id = ?", [at, to, symptom_id])


def delete(con, symptom_id: int) -> None:
    con.execute("DELETE FROM symptom WHERE id = ?", [symptom_id])
