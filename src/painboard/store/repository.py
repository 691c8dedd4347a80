"""All of painboard's SQL: writes, and the read views that services and metrics query.

Every function takes an open connection from a unit of work; none commits. The SQL lives by
topic beside this module (repo_base: the tables' columns and running SQL; repo_bulk: bulk
writes and an import's staging; repo_pain: entries, episodes, reviews; repo_plan: the plan);
every name is used from here (``repository.f(...)``), and the whole-database ones are below.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from painboard.kinds import RECORD_KINDS
from painboard.store import rollup
from painboard.store.repo_base import (ENTRY_COLUMNS, EPISODE_COLUMNS, EVENT_COLUMNS,  # noqa: F401  (re-exported)
                                       ITEM_COLUMNS, TABLES, _OPTIONAL, _bind, _execute, _rows)
from painboard.store.repo_bulk import (_FIELD, _ITEM, _NULL, _ROW, _SEPS, Stage, _append_lists,  # noqa: F401
                                       _columns_source, _insert, _lists_source, _pieces, append, append_columns,
                                       insert_one, pack_value, safe_texts)
from painboard.store.repo_pain import (copy_entries_parquet, daily_episodes, daily_pain, daily_rollup,  # noqa: F401
                                       delete_entry, end_episode, entries, episodes,
                                       iter_entries, night_values, open_episode, pain_entry, review_days,
                                       review_for, reviews, save_review, watch_queries)
from painboard.store.repo_plan import (delete_event, events, events_done_or_due, events_due_between, events_for_due,  # noqa: F401
                                       find_plan_item, last_events, plan_event, plan_item,
                                       plan_items, set_item_status)


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


def revision(con) -> int:
    return int(con.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])


def clear_records(con) -> None:
    """Remove every record (the demo's --force); the schema and revision stay."""
    for table in ("pain_entry", "episode", "daily_review", "plan_event", "plan_item", "symptom"):  # children first
        con.execute(f"DELETE FROM {table}")
    rollup.clear(con)
    con.execute("DELETE FROM meta WHERE key = 'undo'")  # store/mending.py's undo step: nothing to put back


def count(con, table: str) -> int:
    if table not in RECORD_KINDS:
        raise ValueError(table)
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def counts(con) -> dict[str, int]:
    return {t: count(con, t) for t in RECORD_KINDS}


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
