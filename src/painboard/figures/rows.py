"""Reading plan rows the same way everywhere: a row is a dict or an object with the same
field names (plan items: id, kind, category, status, dose, max_per_day, mme_factor, name;
plan events: item_id, status, amount, done_at, due_at)."""

from __future__ import annotations

from typing import Any, Iterable, Iterator


def value(row: Any, key: str) -> Any:
    """A field of a row given as a dict or as an object."""
    return row.get(key) if isinstance(row, dict) else getattr(row, key, None)


# An event that happened: a dose taken, a session or procedure done (not skipped or missed).
GIVEN = ("taken", "done")


def taken(events: Iterable[dict[str, Any]]) -> Iterator:
    """The events that are doses taken."""
    return (e for e in events if e["status"] == "taken")
