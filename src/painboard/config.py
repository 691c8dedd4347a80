"""Settings: where the data lives, the user's time zone, what counts as night."""

from __future__ import annotations

import os
import threading
import re
from dataclasses import dataclass, field
from datetime import time, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

APP = "painboard"
# URL-like database locations (s3://, https://, md:...): refused, data stays on this machine.
_REMOTE = re.compile(r"^[a-z][a-z0-9+.-]+:/|^(md|motherduck|s3|gcs|gs|r2|az|abfss|hf):", re.I)


def is_remote(path) -> bool:
    """A URL-like location (s3://, https://, md:...): refused, the data stays on this machine."""
    return bool(_REMOTE.match(str(path)))


def zone_name(tz: tzinfo) -> str:
    """The IANA name DuckDB's timezone() takes; UTC for a fixed offset without one."""
    return getattr(tz, "key", None) or "UTC"


# platformdirs (about 5 ms to import) is imported where a default folder is wanted: a command
# given its --db and settings file, and the store's child (store/writer.py), never need it.
def default_db_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP)) / "painboard.db"


def default_plugins_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP)) / "plugins"


_PLAIN_ZONE = re.compile(r"(Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)"
                         r"(/[A-Za-z0-9_+-]+){1,2}|UTC")


def _loads(name: str) -> bool:
    try:
        ZoneInfo(name)
        return True
    except Exception:
        return False


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
    # Most names are plain Area/Place names that load: those need no look through the whole
    # zone list (which costs the dashboard's first frame ~10 ms).
    if not (_PLAIN_ZONE.fullmatch(name) and _loads(name)) and (
            not name or name == "localtime" or name not in available_timezones()):
        return None
    try:
        return ZoneInfo(name)
    except Exception:
        return None


def chosen_zone(name: str, setting: str, file: Path | None = None) -> ZoneInfo:
    """The one check of a zone the user chose (PAINBOARD_TZ, tz in the settings file): one both
    Python and DuckDB know, else BadInput naming the setting (and its file)."""
    zone = _zone_for(name)
    if zone is None:
        from painboard.errors import BadInput

        raise BadInput(f"{name!r} is not a time zone painboard knows: use an IANA name like "
                       f"Europe/London or America/New_York", field=setting, file=file)
    return zone


def local_zone() -> tzinfo:
    """The user's zone: PAINBOARD_TZ (an unknown one is an error), else TZ, else the system's."""
    own = os.environ.get("PAINBOARD_TZ")
    if own:
        return chosen_zone(own, "PAINBOARD_TZ")
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


# The user's choices kept between sessions: a small TOML file in the user config folder.
# Keys (README "Settings file"): theme, range, night_start, night_end, tz; and the care team's
# warning-sign list (warning_signs.py): team_words, team_phone and [[warning_signs]] tables.
CONFIG_KEYS = ("theme", "range", "night_start", "night_end", "tz", "team_words", "team_phone", "warning_signs")
TABLE_KEYS = ("warning_signs",)  # lists of tables, written after the plain keys
# Tables of their own ([remind]: reminder times and channels, issue 21): read by their own
# readers, kept as written when the keys above are saved.
CONFIG_TABLES = ("remind",)


def config_path() -> Path:
    """PAINBOARD_CONFIG, else config.toml in the user config folder (~/.config/painboard)."""
    raw = os.environ.get("PAINBOARD_CONFIG")
    if raw:
        return Path(raw).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def _warn(text: str) -> None:
    import sys

    print(f"painboard: warning: {text}", file=sys.stderr)


def read_config(path: Path | None = None) -> dict:
    """The settings file as a dict of known keys; a missing file is empty, a broken one warns."""
    path = path or config_path()
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        _warn(f"{path}: not read ({exc}); using the defaults")
        return {}
    import tomllib  # only when there is a file: the dashboard's first frame waits for this

    try:
        with f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        _warn(f"{path}: not read ({exc}); using the defaults")
        return {}
    unknown = sorted(set(data) - set(CONFIG_KEYS) - set(CONFIG_TABLES))
    if unknown:
        _warn(f"{path}: unknown key(s) {', '.join(unknown)} ignored (known: {', '.join(CONFIG_KEYS)})")
    return {k: v for k, v in data.items() if k in CONFIG_KEYS
            and (isinstance(v, list) if k in TABLE_KEYS else isinstance(v, str))}


def _toml_string(value: str) -> str:
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in value) + '"'


_SAVING = threading.Lock()  # two saves in one process (theme, then range) must not interleave


def save_config(changes: dict, path: Path | None = None) -> Path:
    """Merge changes into the settings file: written to a temporary file (0600) and renamed."""
    with _SAVING:
        return _save_config(changes, path or config_path())


def _save_config(changes: dict, path: Path) -> Path:
    data = {**read_config(path), **{k: v for k, v in changes.items() if k in CONFIG_KEYS and v is not None}}
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("# painboard settings; keys: " + ", ".join(CONFIG_KEYS) + "\n")
            for k in CONFIG_KEYS:
                if k in data and k not in TABLE_KEYS:
                    f.write(f"{k} = {_toml_string(data[k])}\n")
            new_lists = [k for k in TABLE_KEYS if changes.get(k) is not None]
            for k in new_lists:  # a list saved anew replaces the file's tables of that name
                for table in [t for t in data.get(k) or [] if isinstance(t, dict)]:
                    f.write(f"\n[[{k}]]\n" + "".join(f"{_toml_string(str(n))} = {_toml_string(str(v))}\n"
                                                     for n, v in table.items() if v is not None))
            f.write(_tables_text(path, drop=new_lists))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _clock(text: str | None, default: time) -> time:
    if not text:
        return default
    try:
        return time.fromisoformat(text)
    except ValueError:
        _warn(f"{text!r} in {config_path()} is not a time like 22:00; using {default:%H:%M}")
        return default


@dataclass(frozen=True)
class Settings:
    # A plain dataclass: the dashboard reads it before its first paint, so no pydantic here.
    db_path: Path
    read_only: bool = False
    tz: tzinfo = field(default_factory=local_zone)
    night_start: time = time(22, 0)
    night_end: time = time(6, 0)
    plugins_dir: Path | None = None
    theme: str | None = None  # the dashboard's theme, from the settings file
    range: str | None = None  # the chart's range, from the settings file

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
        conf = read_config()
        if conf.get("tz") and not (os.environ.get("PAINBOARD_TZ") or os.environ.get("TZ")):
            tz = chosen_zone(conf["tz"], "tz", config_path())
        else:
            tz = local_zone()
        return cls(db_path=db_path, read_only=read_only, tz=tz,
                   plugins_dir=Path(pdir).expanduser() if pdir else default_plugins_dir(),
                   night_start=_clock(conf.get("night_start"), time(22, 0)),
                   night_end=_clock(conf.get("night_end"), time(6, 0)),
                   theme=conf.get("theme"), range=conf.get("range"))


def _tables_text(path: Path, drop: list[str] | None = None) -> str:
    """The file's tables ([remind] ...) as written: top-level keys come first in TOML, so the
    text from the first table header on is kept whole when the keys above are saved; but the
    [[NAME]] tables of each name in ``drop`` (a list being saved anew) are left out."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    at = re.search(r"^[ \t]*\[", text, re.M)
    if not at:
        return ""
    kept, keep = [], True
    for line in text[at.start():].splitlines(keepends=True):
        head = line.strip()
        if head.startswith("["):  # a table header: does this table stay?
            keep = not any(head.replace(" ", "") == f"[[{name}]]" for name in drop or [])
        if keep:
            kept.append(line)
    return "\n" + "".join(kept) if kept else ""


def read_remind_config(path: Path | None = None) -> dict:
    """The settings file's [remind] table (reminder times, quiet hours, channels with their
    URLs: URLs live only here, a 0600 file, never in the database or an export)."""
    path = path or config_path()
    try:
        with open(path, "rb") as f:
            import tomllib

            data = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        _warn(f"{path}: not read ({exc}); no reminder settings")
        return {}
    table = data.get("remind")
    return table if isinstance(table, dict) else {}
