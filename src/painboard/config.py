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


def _zone_for(name: str) -> ZoneInfo | None:
    """The IANA zone a name means, or None if neither Python nor DuckDB would know it.

    DuckDB (ICU) knows the IANA names only; ``posix/X`` and ``right/X`` are the same places
    under another folder of the system's zoneinfo, and ``localtime`` is the system's own."""
    from zoneinfo import available_timezones

    name = name.strip().lstrip(":")
    if name in ("localtime", "/etc/localtime"):
        link = os.path.realpath("/etc/localtime")
        name = link.split("zoneinfo/", 1)[1] if "zoneinfo/" in link else ""
    elif "zoneinfo/" in name:  # a path to a zone file
        name = name.split("zoneinfo/", 1)[1]
    for prefix in ("posix/", "right/"):
        name = name.removeprefix(prefix)
    if not name or name == "localtime" or name not in available_timezones():
        return None
    try:
        return ZoneInfo(name)
    except Exception:
        return None


def local_zone() -> tzinfo:
    """The user's zone: PAINBOARD_TZ (an unknown one is an error), else TZ, else the system's."""
    own = os.environ.get("PAINBOARD_TZ")
    if own:
        zone = _zone_for(own)
        if zone is None:
            from painboard.errors import BadInput

            raise BadInput(f"{own!r} is not a time zone painboard knows: use an IANA name like "
                           f"Europe/London or America/New_York", field="PAINBOARD_TZ")
        return zone
    name = os.environ.get("TZ")
    if name:
        zone = _zone_for(name)
        if zone is not None:
            return zone
    try:
        link = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in link:
            zone = _zone_for(link.split("zoneinfo/", 1)[1])
            if zone is not None:
                return zone
    except Exception:
        pass
    from datetime import datetime

    return datetime.now().astimezone().tzinfo  # fixed offset fallback (DuckDB is told UTC)


def check_clock_override() -> None:
    """PAINBOARD_NOW (screenshots, tests) must be an ISO 8601 time with its offset."""
    text = os.environ.get("PAINBOARD_NOW")
    if not text:
        return
    from datetime import datetime

    try:
        ok = datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        ok = False
    if not ok:
        from painboard.errors import BadInput

        raise BadInput(f"{text!r} is not a time with its offset, like 2026-11-28T14:05:00+00:00",
                       field="PAINBOARD_NOW")


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
        check_clock_override()
        pdir = plugins_dir or os.environ.get("PAINBOARD_PLUGINS_DIR")
        return cls(db_path=db_path, read_only=read_only, tz=local_zone(),
                   plugins_dir=Path(pdir).expanduser() if pdir else default_plugins_dir())
