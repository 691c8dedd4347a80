"""What a plugin author needs: the contract types, and ``hookimpl`` to mark hook functions.

A plugin module imports from here only::

    from painboard.plugin_api import Exporter, Metric, MetricValue, PeriodView, hookimpl

Importers read a file (an ImportSource) into Rows or Columns and never touch the database;
metrics and exporters read a period through a PeriodView (a typing.Protocol: importing this
module loads no database driver and no pydantic). Discovery and the registry live in
painboard.plugins, which re-exports these names for plugins written against it.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Literal, NamedTuple, get_args

from dataclasses import asdict, dataclass

from painboard.errors import PluginError
from painboard.hookspecs import hookimpl
from painboard.notifiers import Notifier, NotifyError  # noqa: F401  (hook register_notifiers)
from painboard.kinds import RECORD_KINDS
from painboard.view_protocol import PeriodView

__all__ = ["Row", "Columns", "ImportSource", "Importer", "Exporter", "Metric", "MetricValue",
           "MetricResult", "PeriodView", "PluginError", "Level", "KINDS", "hookimpl",
           "Notifier", "NotifyError"]

# The kinds of record (one table each) an importer may yield and the store holds.
KINDS = RECORD_KINDS
Level = Literal["ok", "watch", "alert"]
SHOWN_EVERYWHERE = ("dashboard", "metrics", "report")


class Row(NamedTuple):
    """One record an importer read: its kind (a table name in KINDS), raw fields, and line.

    ``data`` holds the record's fields as text or Python values; painboard validates them with
    the domain models, so an importer only maps names. Provenance goes in ``source`` (one per
    row); a score mapped from a level sets ``derived=True`` and ``original_level``. Fields a
    row leaves out take the model's default; ``key`` (the de-duplication key) may be left out
    and is then a hash of source and content. Cross references inside one file: a plan item
    may carry ``ref``, a plan event ``item_ref``; an episode may name its rescue dose by
    ``rescue_event_key``.
    """

    kind: str
    data: dict[str, Any]
    line: int | None = None


class Columns(NamedTuple):
    """Many records of one kind at once, field by field: a faster alternative to Rows.

    ``data`` maps a field name to one value per record (every list the same length), with
    the same meaning as a Row's ``data`` (text is fine; ``None`` or ``""`` means "not given",
    so the model's default applies). ``lines`` gives each record's line for error messages
    (None: records are counted from 1). An importer may yield Rows and Columns in any mix;
    painboard validates every value exactly as it validates a Row's.
    """

    kind: str
    data: dict[str, list[Any]]
    lines: list[int] | None = None

    @property
    def size(self) -> int:
        """How many records the batch holds."""
        return len(next(iter(self.data.values()), ()))

    def rows(self) -> Iterator[Row]:
        """The same records as Rows."""
        names = list(self.data)
        for i, values in enumerate(zip(*self.data.values())):
            yield Row(self.kind, dict(zip(names, values)), None if self.lines is None else self.lines[i])


class ImportSource:
    """The file an importer reads. ``open()`` counts bytes so painboard can show progress.

    ``options`` holds the user's ``--option KEY=VALUE`` pairs (for example ``date_order=dmy``
    or a column mapping); an importer reads the keys it knows and documents them.
    """

    def __init__(self, path: Path, on_progress: Callable[[int], None] | None = None,
                 options: dict[str, str] | None = None):
        self.path = Path(path)
        self.name = self.path.name
        self.size = self.path.stat().st_size
        self.options: dict[str, str] = dict(options or {})
        self._on_progress = on_progress

    def open(self) -> BinaryIO:
        return _CountingReader(open(self.path, "rb"), self._on_progress)  # type: ignore[return-value]

    def open_text(self, encoding: str = "utf-8-sig") -> io.TextIOWrapper:
        return io.TextIOWrapper(self.open(), encoding=encoding, newline="")  # type: ignore[arg-type]


class _CountingReader(io.RawIOBase):
    def __init__(self, raw: BinaryIO, on_progress: Callable[[int], None] | None):
        self._raw, self._cb, self.done = raw, on_progress, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        n = self._raw.readinto(b)
        if n:
            self.done += n
            if self._cb:
                self._cb(self.done)
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Named:
    """A registered thing's name: letters, digits, '-', '_' or '.', kept in lower case."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _check_name(self.name))


@dataclass(frozen=True, kw_only=True)
class Importer(_Named):
    """Reads a file into Rows. It never touches the database."""

    name: str
    label: str
    extensions: tuple[str, ...] = ()
    description: str = ""
    sniff: Callable[[bytes, str], bool]  # (first 64 KiB, file name) -> "I can read this"
    read: Callable[[ImportSource], Iterable[Row | Columns]]

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "extensions", tuple(self.extensions))
        _require(self, "sniff", "read")


@dataclass(frozen=True, kw_only=True)
class Exporter(_Named):
    """Writes a period's data to a file, streaming; returns how many records it wrote."""

    name: str
    extension: str
    label: str
    description: str = ""
    # (view, out) -> count. ``out`` is a real file opened for binary writing (out.name is its
    # path, created 0600): painboard renames it into place on success and removes it on failure.
    write: Callable[["PeriodView", BinaryIO], int]
    # True (or the names of the metrics it words): painboard runs those metrics shown in
    # reports first (one runner, with the deadline) and hands their MetricResults to ``write``
    # on ``view.metric_results``.
    uses_metrics: bool | tuple[str, ...] = False

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(self, "write")
        if not isinstance(self.uses_metrics, bool):
            object.__setattr__(self, "uses_metrics", tuple(self.uses_metrics))

    def default_file_name(self, day: date) -> str:
        """The file an export goes to when none is named: painboard-DATE.EXT."""
        return f"painboard-{day.isoformat()}.{self.extension.lstrip('.')}"


# A metric's result is drawn in a tile and a line of `painboard metrics`: a plugin's text (or a
# text value) beyond TEXT_LIMIT characters is cut to its first TEXT_KEPT, a series beyond
# SERIES_LIMIT days to the most recent ones, where results are taken in, and the text says so
# (docs/plugins.md). A 5 MB text took 30 s and 150 MB to draw. (The room between the two
# leaves a text already cut, with its note, as it is when it is taken in again.)
TEXT_LIMIT = 1200
TEXT_KEPT = 1000
SERIES_LIMIT = 3660


def _bounded(data: Any) -> Any:
    """The one bound on what a metric hands in, before the fields are validated."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    notes = []
    text = data.get("text")
    if isinstance(text, str) and len(text) > TEXT_LIMIT:
        data["text"] = text[:TEXT_KEPT]
        notes.append(f"text cut at {TEXT_KEPT:,} of {len(text):,} characters")
    value = data.get("value")
    if isinstance(value, str) and len(value) > TEXT_LIMIT:
        data["value"] = value[:TEXT_KEPT]
        notes.append(f"value cut at {TEXT_KEPT:,} characters")
    series = data.get("series")
    if isinstance(series, (list, tuple)) and len(series) > SERIES_LIMIT:
        data["series"] = list(series[-SERIES_LIMIT:])
        notes.append(f"series cut to the last {SERIES_LIMIT:,} of {len(series):,} days")
    if notes and isinstance(data.get("text"), str):
        data["text"] += f" … [{'; '.join(notes)}]"
    return data


class _Dumped:
    def model_dump(self) -> dict[str, Any]:
        """The fields as a dict (JSON-ready when the values are)."""
        return asdict(self)  # type: ignore[call-overload]


@dataclass(kw_only=True)
class MetricValue(_Dumped):
    """What a metric computes (bounded: see TEXT_LIMIT)."""

    value: float | int | str | None = None
    text: str
    series: list[float | None] | None = None  # one value per day of the period, oldest first
    level: Level = "ok"
    details: dict[str, Any] | None = None  # a breakdown behind the figure (JSON-ready), optional

    def __post_init__(self) -> None:
        _check_value(self)

    @classmethod
    def model_validate(cls, obj: Any) -> "MetricValue":
        """A MetricValue from what a metric returned: one already, or a dict of its fields."""
        if isinstance(obj, cls):
            return obj
        if isinstance(obj, dict):
            return cls(**obj)
        raise TypeError(f"a metric must return a MetricValue or a dict, not {type(obj).__name__}")


@dataclass(frozen=True, kw_only=True)
class Metric(_Named):
    """A figure computed over a read-only view of a period."""

    name: str
    label: str
    unit: str = ""
    description: str = ""
    order: int = 100  # tiles sort by this, then by name
    compute: Callable[["PeriodView"], MetricValue]
    # Where the figure is shown: the dashboard's metrics, `painboard metrics`, the visit
    # reports. A figure the Today panel words in its own lines leaves out "dashboard".
    shown: tuple[str, ...] = SHOWN_EVERYWHERE

    def __post_init__(self) -> None:
        super().__post_init__()
        _require(self, "compute")
        object.__setattr__(self, "order", int(self.order))
        object.__setattr__(self, "shown", tuple(self.shown))


@dataclass(kw_only=True)
class MetricResult(_Dumped):
    """A metric's result as the faces show it; ``error`` is set when the metric raised
    (bounded: see TEXT_LIMIT)."""

    name: str
    label: str
    unit: str = ""
    value: float | int | str | None = None
    text: str = ""
    series: list[float | None] | None = None
    level: Level = "ok"
    details: dict[str, Any] | None = None
    error: str | None = None
    plugin: str | None = None
    shown: tuple[str, ...] = SHOWN_EVERYWHERE

    def __post_init__(self) -> None:
        _check_value(self)


def _check_name(v: str) -> str:
    v = str(v).strip().lower()
    if not v or not all(c.isalnum() or c in "-_." for c in v):
        raise ValueError(f"{v!r} must be letters, digits, '-', '_' or '.'")
    return v


def _require(obj: Any, *names: str) -> None:
    for n in names:
        if not callable(getattr(obj, n)):
            raise TypeError(f"{type(obj).__name__} {obj.name!r}: {n} must be a function")


def _check_value(v: Any) -> None:
    """A metric's text, level and series as the faces need them (what pydantic checked)."""
    bounded = _bounded({"text": v.text, "value": v.value, "series": v.series})
    v.text, v.value, v.series = bounded["text"], bounded["value"], bounded["series"]
    if not isinstance(v.text, str):
        raise TypeError(f"a metric's text must be a string, not {type(v.text).__name__}")
    if v.level not in get_args(Level):
        raise ValueError(f"a metric's level must be one of {', '.join(get_args(Level))}, not {v.level!r}")
    if v.value is not None and not isinstance(v.value, (int, float, str)):
        raise TypeError(f"a metric's value must be a number or text, not {type(v.value).__name__}")
    if v.series is not None:
        v.series = [None if x is None else float(x) for x in v.series]
