"""The SQL of the treatment plan: plan items and the doses and sessions done (plan events).
Re-exported from painboard.store.repository."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Sequence

from painboard.figures.rows import GIVEN
from painboard.store.repo_base import _rows, _rows_in_order


# -- plan ------------------------------------------------------------------------------------
def plan_items(con, include_stopped: bool = True) -> list[dict[str, Any]]:
    sql = "SELECT * FROM plan_item"
    if not include_stopped:
        sql += " WHERE status = 'active'"
    return _rows_in_order(con, sql, (), "id")


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
    return _rows_in_order(con, sql, params, "done_at", "id")


def events_done_or_due(con, done: tuple[datetime, datetime], due: tuple[datetime, datetime]
                       ) -> list[dict[str, Any]]:
    """Events done in [done) or recorded against a due time in [due), in one read, oldest done first."""
    return _rows_in_order(con, "SELECT * FROM plan_event WHERE (done_at >= ? AND done_at < ?) "
                               "OR (due_at >= ? AND due_at < ?)", [*done, *due], "done_at", "id")


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


def last_events(con, statuses: Iterable[str] = GIVEN,
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


def find_plan_item(con, category: str, name: str, kind: str, start_date: date) -> int | None:
    """The id of a plan item with the same identity (imports match items this way)."""
    row = con.execute("SELECT id FROM plan_item WHERE category = ? AND lower(name) = lower(?) "
                      "AND kind = ? AND start_date = ? ORDER BY id LIMIT 1",
                      [category, name, kind, start_date]).fetchone()
    return row[0] if row else None
