"""What a period view offers: the typing.Protocol metrics, exporters and the figures read.

The store's PeriodView (store/period_view.py) is the one painboard passes; the plugin contract
(plugin_api) and the figures (figures/) depend on this protocol only, so importing them loads
no database driver. Standard library only.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any, Iterator, Protocol


class PeriodView(Protocol):
    """A read-only view of a period [start, end) of local days; every query defaults to the
    period and takes since/until (local dates) to look further back. Rows are plain dicts
    (docs/plugins.md lists their fields); ``plan_items`` are PlanItem models."""

    start: date
    end: date
    tz: tzinfo
    now: datetime
    lo: datetime
    hi: datetime
    night_start: time
    night_end: time
    options: dict[str, str]
    metric_results: list | None  # a report's metric results (Exporter.uses_metrics), else None

    @property
    def tz_name(self) -> str: ...

    @property
    def today(self) -> date: ...

    def days(self) -> list[date]: ...

    def bounds(self, since: date | None = None, until: date | None = None) -> tuple[datetime, datetime]: ...

    def entries(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]: ...

    def iter_entries(self, batch: int = 5000) -> Iterator[dict[str, Any]]: ...

    def pain_summary(self, since: date | None = None, until: date | None = None) -> dict[str, Any]: ...

    def daily_pain(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]: ...

    def episodes(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]: ...

    def daily_episodes(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]: ...

    def trend_days(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]: ...

    def events(self, since: date | None = None, until: date | None = None,
               item_ids: list[int] | None = None) -> list[dict[str, Any]]: ...

    def events_due(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]: ...

    def plan_item_rows(self) -> list[dict[str, Any]]: ...

    def plan_items(self, include_stopped: bool = True) -> list[Any]: ...

    def reviews(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]: ...

    def symptoms(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]: ...

    def daily_mme(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]: ...

    def nights_with_pain(self, threshold: int = 1, since: date | None = None,
                         until: date | None = None) -> int: ...

    def pain_nights(self, threshold: int = 1, since: date | None = None,
                    until: date | None = None) -> list[dict[str, Any]]: ...

    def last_events(self, item_ids: list[int], until: date | None = None) -> dict[int, dict[str, Any]]: ...

    def opioid_factors(self) -> dict[str, float]: ...

    def write_entries_parquet(self, path: str | Path) -> int: ...
