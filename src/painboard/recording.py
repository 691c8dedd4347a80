"""What every use-case stands on, and logging pain: the database, the user's zone.

services.Painboard builds on this with every other use-case. `painboard log` needs this part
alone, so the CLI makes a Recording for it, and the reading, import, mending and symptom
use-cases (the figures, the read model, the other records: about 15 ms of imports) stay
unloaded. Nothing here that another use-case does not also need."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from painboard.clock import utcnow
from painboard.config import Settings
from painboard.figures.days import day_bounds
from painboard.models_pain import PainEntry
from painboard.store import Database


class Recording:
    """The use-cases' ground over one database: its settings, zone and Database; logging pain."""

    def __init__(self, settings: Settings, db: Database | None = None):
        from painboard.safe_output import check_database_file, private_process

        self.settings = settings
        self.tz = settings.tz
        private_process()
        check_database_file(settings.db_path if db is None else db.path)
        self.db = db or Database(settings.db_path, read_only=settings.read_only)

    # -- time helpers ----------------------------------------------------------------------
    def today(self, now: datetime | None = None) -> date:
        return (now or utcnow()).astimezone(self.tz).date()

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        return day_bounds(day, day + timedelta(days=1), self.tz)

    def local(self, dt: datetime) -> datetime:
        return dt.astimezone(self.tz)

    # -- pain entries ----------------------------------------------------------------------
    def log_pain(self, **fields: Any) -> PainEntry:
        fields.setdefault("occurred_at", utcnow())
        entry = PainEntry.build(**fields)
        entry.id = self.db.insert_one("pain_entry", entry)
        return entry
