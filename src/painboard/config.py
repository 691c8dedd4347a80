"""Settings: where the data lives, the user's time zone, what counts as night."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import time, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import platformdirs

APP = "painboard"
# URL-like database locations (s3://, https://, md:...): refused, data stays on this machine.
_REMOTE = re.compile(r"^[a-z][a-z0-9+.-]+:/|^(md|motherduck|s3|gcs|gs|r2|az|abfss|hf):", re.I)


def is_remote(path) -> bool:
    """A URL-like location (s3://, https://, md:...): refused, the data stays on this machine."""
    return bool(_REMOTE.match(str(path)))


def zone_name(tz: tzinfo) -> str:
    """The IANA name DuckDB's timezone() takes; UTC for a fixed offset without one."""
    return getattr(tz, "key", None) or "UTC"


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir(APP)) / "painboard.db"


def default_plugins_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP)) / "plugins"


def local_zone() -> tzinfo:
    """The user's zone: PAINBOARD_TZ, else TZ, else the system's."""
    name = os.environ.get("PAINBOARD_TZ") or os.environ.get("TZ")
    if name:
        try:
            return ZoneInfo(name.lstrip(":"))
        except Exception:
            pass
    try:
        link = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in link:
            return ZoneInfo(link.split("zoneinfo/", 1)[1])
    except Exception:
        pass
    from datetime import datetime

    return datetime.now().astimezone().tzinfo  # fixed offset fallback


@dataclass(frozen=True)
class Settings:
    # A plain dataclass: the dashboard reads it before its first paint, so no pydantic here.
    db_path: Path
    read_only: bool = False
    tz: tzinfo = field(default_factory=local_zone)
    night_start: time = time(22, 0)
    night_end: time = time(6, 0)
    plugins_dir: Path | None = None

    @classmethod
    def load(cls, db: str | Path | None = None, read_only: bool = False,
             plugins_dir: str | Path | None = None) -> "Settings":
        raw = db or os.environ.get("PAINBOARD_DB") or default_db_path()
        if is_remote(raw):  # before Path() folds "https://" into "https:/"
            from painboard.errors import BadInput

            raise BadInput(f"{raw} is a remote location: painboard keeps data on this machine only",
                           field="db")
        db_path = Path(raw).expanduser()
        pdir = plugins_dir or os.environ.get("PAINBOARD_PLUGINS_DIR")
        return cls(db_path=db_path, read_only=read_only, tz=local_zone(),
                   plugins_dir=Path(pdir).expanduser() if pdir else default_plugins_dir())
