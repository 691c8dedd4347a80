"""The plugin manager: the contracts plugins implement, discovery, and the registry.

Discovery order: the built-ins (painboard.builtin, through the same hooks as anyone else),
then the entry-point group ``painboard``, then .py files in the plugins folder. Each plugin
loads inside its own try/except; one that fails is listed with its error and the rest work.
No Textual here, and no SQL: metrics and exporters read through a PeriodView.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import importlib.util
import io
import os
import stat
import sys
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Literal, NamedTuple

import pluggy
from pydantic import BaseModel, ConfigDict, Field, field_validator

from painboard import hookspecs
from painboard.errors import PainboardError
from painboard.config import zone_name
from painboard.hookspecs import hookimpl  # noqa: F401  (re-exported for plugin authors)
from painboard.models import PlanItem, load_opioid_factors
from painboard.store import repository as repo

GROUP = "painboard"
ENV_LOAD = "PAINBOARD_LOAD_PLUGINS"
ENV_STRICT = "PAINBOARD_STRICT_PLUGINS"
KINDS = ("pain_entry", "episode", "daily_review", "plan_item", "plan_event")
Level = Literal["ok", "watch", "alert"]

BUILTIN_MODULES = {
    "builtin.csv": "painboard.builtin.csv_format",
    "builtin.json": "painboard.builtin.json_format",
    "builtin.parquet": "painboard.builtin.parquet_format",
    "builtin.markdown": "painboard.builtin.markdown_summary",
    "builtin.metrics": "painboard.builtin.metrics",
    "builtin.bearable": "painboard.builtin.bearable",
    "builtin.paindiary": "painboard.builtin.pain_diary",
    "builtin.applehealth": "painboard.builtin.apple_health",
    "builtin.generic_csv": "painboard.builtin.generic_csv",  # after every specific CSV: it sniffs loosely
}


class PluginError(PainboardError):
    """A plugin could not load (raised only in strict mode) or failed while running."""


# -- what crosses the plugin boundary ------------------------------------------------------
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


class Importer(BaseModel):
    """Reads a file into Rows. It never touches the database."""

    model_config = ConfigDict(frozen=True)
    name: str
    label: str
    extensions: tuple[str, ...] = ()
    description: str = ""
    sniff: Callable[[bytes, str], bool]  # (first 64 KiB, file name) -> "I can read this"
    read: Callable[[ImportSource], Iterable[Row | Columns]]

    _name = field_validator("name")(lambda v: _check_name(v))


class Exporter(BaseModel):
    """Writes a period's data to a file, streaming; returns how many records it wrote."""

    model_config = ConfigDict(frozen=True)
    name: str
    extension: str
    label: str
    description: str = ""
    # (view, out) -> count. ``out`` is a real file opened for binary writing (out.name is its
    # path, created 0600): painboard renames it into place on success and removes it on failure.
    write: Callable[["PeriodView", BinaryIO], int]

    _name = field_validator("name")(lambda v: _check_name(v))


class MetricValue(BaseModel):
    """What a metric computes."""

    value: float | int | str | None = None
    text: str
    series: list[float | None] | None = None  # one value per day of the period, oldest first
    level: Level = "ok"


class Metric(BaseModel):
    """A figure computed over a read-only view of a period."""

    model_config = ConfigDict(frozen=True)
    name: str
    label: str
    unit: str = ""
    description: str = ""
    order: int = 100  # tiles sort by this, then by name
    compute: Callable[["PeriodView"], MetricValue]

    _name = field_validator("name")(lambda v: _check_name(v))


class MetricResult(BaseModel):
    """A metric's result as the faces show it; ``error`` is set when the metric raised."""

    name: str
    label: str
    unit: str = ""
    value: float | int | str | None = None
    text: str = ""
    series: list[float | None] | None = None
    level: Level = "ok"
    error: str | None = None
    plugin: str | None = None


def _check_name(v: str) -> str:
    v = v.strip().lower()
    if not v or not all(c.isalnum() or c in "-_." for c in v):
        raise ValueError(f"{v!r} must be letters, digits, '-', '_' or '.'")
    return v


# -- the read-only view metrics and exporters get ------------------------------------------
class PeriodView:
    """A period [start, end) of local days, read through one open read unit of work.

    Query helpers default to the period; pass since/until (local dates) to look further back,
    for a baseline. Rows are plain dicts; plan items are PlanItem models. The view is only
    valid while the unit of work is open. ``options`` holds an export's ``--option KEY=VALUE``
    pairs (empty for metrics); an exporter reads the keys it knows and documents them.
    """

    def __init__(self, con, start: date, end: date, tz: tzinfo, now: datetime,
                 night_start: time = time(22, 0), night_end: time = time(6, 0),
                 options: dict[str, str] | None = None):
        self._con = con
        self.options: dict[str, str] = dict(options or {})
        self.start, self.end, self.tz, self.now = start, end, tz, now
        self.night_start, self.night_end = night_start, night_end
        self.lo, self.hi = self.bounds(start, end)
        self._memo: dict[tuple, list] = {}  # the transaction's snapshot cannot change: read once

    # time
    @property
    def tz_name(self) -> str:
        return zone_name(self.tz)

    @property
    def today(self) -> date:
        """The local date of ``now``, or the period's last day if the period ended before it."""
        return min(self.now.astimezone(self.tz).date(), self.end - timedelta(days=1))

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]

    def bounds(self, since: date | None = None, until: date | None = None) -> tuple[datetime, datetime]:
        """UTC instants of local midnight at since and until (until exclusive)."""
        since, until = since or self.start, until or self.end
        lo = datetime.combine(since, time(0), self.tz).astimezone(timezone.utc)
        hi = datetime.combine(until, time(0), self.tz).astimezone(timezone.utc)
        return lo, hi

    def _con_(self):
        if self._con is None:
            raise PluginError("this view was used after its unit of work closed")
        return self._con

    def close(self) -> None:
        self._con = None
        self._memo.clear()

    def narrow(self, start: date, end: date) -> "PeriodView":
        """A view of a shorter period on the same unit of work, sharing what was already read."""
        v = PeriodView(self._con, start, end, self.tz, self.now, self.night_start, self.night_end,
                       self.options)
        v._memo = self._memo
        return v

    def _once(self, key: tuple, read: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        """Rows read once per view; each caller gets its own copies to change as it likes."""
        rows = self._memo.get(key)
        if rows is None:
            rows = self._memo[key] = read()
        return [dict(r) for r in rows]

    def _within(self, name: str, lo: datetime, hi: datetime, read: Callable[[], list[dict[str, Any]]],
                when: Callable[[dict[str, Any]], datetime]) -> list[dict[str, Any]]:
        """Rows of [lo, hi): cut from a wider read of the same kind already made, else read."""
        for key, rows in self._memo.items():
            if key[0] == name and key[1] <= lo and key[2] >= hi:
                return [dict(r) for r in rows if lo <= when(r) < hi]
        return self._once((name, lo, hi), read)

    def _day_start(self, row: dict[str, Any]) -> datetime:
        return datetime.combine(row["day"], time(0), self.tz).astimezone(timezone.utc)

    # queries (all SQL lives in store/repository.py)
    def entries(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        return repo.entries(self._con_(), *self.bounds(since, until))

    def iter_entries(self, batch: int = 5000) -> Iterator[dict[str, Any]]:
        """Pain entries of the period, oldest first, fetched in batches (for exporters)."""
        return repo.iter_entries(self._con_(), self.lo, self.hi, batch)

    def pain_summary(self, since: date | None = None, until: date | None = None) -> dict[str, Any]:
        """Average, worst, least and count over whole local days, from the per-day figures."""
        days = self.daily_pain(since, until)
        n = sum(r["n"] for r in days)
        return {"average": sum(r["average"] * r["n"] for r in days) / n if n else None,
                "worst": max((r["worst"] for r in days), default=None),
                "least": min((r["least"] for r in days), default=None), "n": n}

    def daily_pain(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        lo, hi = self.bounds(since, until)
        return self._within("daily_pain", lo, hi,
                            lambda: repo.daily_pain(self._con_(), self.tz_name, lo, hi), self._day_start)

    def episodes(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        return repo.episodes(self._con_(), *self.bounds(since, until))

    def daily_episodes(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        lo, hi = self.bounds(since, until)
        return self._within("daily_episodes", lo, hi,
                            lambda: repo.daily_episodes(self._con_(), self.tz_name, lo, hi), self._day_start)

    def events(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        lo, hi = self.bounds(since, until)
        return self._within("events", lo, hi, lambda: repo.events(self._con_(), lo, hi),
                            lambda r: r["done_at"])

    def events_due(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        """Plan events recorded against a due time inside the period."""
        lo, hi = self.bounds(since, until)
        return self._within("events_due", lo, hi, lambda: repo.events_due_between(self._con_(), lo, hi),
                            lambda r: r["due_at"])

    def plan_item_rows(self) -> list[dict[str, Any]]:
        return self._once(("plan_items",), lambda: repo.plan_items(self._con_()))

    def plan_items(self, include_stopped: bool = True) -> list[PlanItem]:
        return [PlanItem(**r) for r in self.plan_item_rows() if include_stopped or r["status"] == "active"]

    def reviews(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        return repo.reviews(self._con_(), since or self.start, until or self.end)

    def daily_mme(self, since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
        return repo.daily_mme(self._con_(), self.tz_name, *self.bounds(since, until))

    def nights_with_pain(self, threshold: int = 1, since: date | None = None,
                         until: date | None = None) -> int:
        """Of the nights ending on the mornings of the period's days, those with pain >= threshold
        logged in the night window (22:00-06:00 by default). A 7-day period has 7 nights."""
        ns, ne = self.night_start, self.night_end
        since, until = since or self.start, until or self.end
        lo = datetime.combine(since - timedelta(days=1), ns, self.tz).astimezone(timezone.utc)
        hi = datetime.combine(until - timedelta(days=1), ne, self.tz).astimezone(timezone.utc)
        return self._once(("nights", lo, hi, threshold), lambda: [repo.night_pain(
            self._con_(), self.tz_name, lo, hi, ns.hour * 60 + ns.minute, ne.hour * 60 + ne.minute,
            threshold)])[0]["nights"]

    def write_entries_parquet(self, path: str | Path) -> int:
        """Let DuckDB write the period's pain entries as Parquet; returns the row count."""
        return repo.copy_entries_parquet(self._con_(), self.lo, self.hi, str(path))

    def opioid_factors(self) -> dict[str, float]:
        return load_opioid_factors()


# -- the registry --------------------------------------------------------------------------
class PluginInfo(BaseModel):
    name: str
    version: str | None = None
    source: Literal["builtin", "entry point", "folder"]
    location: str | None = None
    registers: dict[str, list[str]] = Field(default_factory=dict)
    hooks: list[str] = Field(default_factory=list)
    error: str | None = None
    warnings: list[str] = Field(default_factory=list)


@dataclass
class Registry:
    pm: pluggy.PluginManager
    importers: dict[str, Importer] = field(default_factory=dict)
    exporters: dict[str, Exporter] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    plugins: list[PluginInfo] = field(default_factory=list)
    owner: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, name) -> plugin
    strict: bool = False
    commands_added: bool = False

    def info(self, name: str) -> PluginInfo | None:
        return next((p for p in self.plugins if p.name == name), None)

    def importer(self, name: str) -> Importer:
        try:
            return self.importers[name.lower()]
        except KeyError:
            raise _unknown("import format", name, self.importers) from None

    def exporter(self, name: str) -> Exporter:
        try:
            return self.exporters[name.lower()]
        except KeyError:
            raise _unknown("export format", name, self.exporters) from None

    def sorted_metrics(self) -> list[Metric]:
        return sorted(self.metrics.values(), key=lambda m: (m.order, m.name))

    def add_commands(self, cli) -> None:
        """Let each plugin add click commands, one plugin at a time."""
        self.commands_added = True
        for impl in self.pm.hook.register_commands.get_hookimpls():  # registration order
            before = set(getattr(cli, "commands", {}))
            info = self.info(impl.plugin_name)
            try:
                impl.function(cli=cli)
            except Exception as exc:
                self._fail(info, "register_commands", exc)
                continue
            if info is not None:
                info.registers.setdefault("commands", []).extend(sorted(set(cli.commands) - before))

    def _fail(self, info: PluginInfo | None, where: str, exc: BaseException) -> None:
        msg = f"{where}: {describe_error(exc)}"
        if info is not None:
            info.error = f"{info.error}; {msg}" if info.error else msg
        if self.strict:
            raise PluginError(f"plugin {info.name if info else '?'} failed in {msg}") from exc


def _unknown(what: str, name: str, known: dict) -> PainboardError:
    from painboard.errors import BadInput

    return BadInput(f"no {what} named {name!r} (known: {', '.join(sorted(known)) or 'none'}; "
                    f"see 'painboard plugins')", field="format")


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg} ({Path(exc.filename or '?').name}, line {exc.lineno})"
    tb = traceback.extract_tb(exc.__traceback__)
    where = f" ({Path(tb[-1].filename).name}, line {tb[-1].lineno})" if tb else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _wanted(env: dict[str, str]) -> set[str] | None:
    """PAINBOARD_LOAD_PLUGINS: unset loads all; a comma list loads those; empty loads none."""
    raw = env.get(ENV_LOAD)
    if raw is None:
        return None
    return {n.strip().lower() for n in raw.split(",") if n.strip()}


def folder_problem(path: Path) -> str | None:
    """Why a plugins folder or file must not be trusted, or None.

    Code from a place someone else can write would run as this user: refuse it.
    """
    try:
        st = path.stat()
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror}"
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return f"refused: {path} is owned by another user (uid {st.st_uid})"
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        who = "everyone" if st.st_mode & stat.S_IWOTH else "its group"
        return (f"refused: {path} can be changed by {who} (mode {stat.S_IMODE(st.st_mode):04o}); "
                f"run 'chmod go-w {path}' to use it")
    return None


def load_registry(plugins_dir: str | Path | None = None, env: dict[str, str] | None = None,
                  extra: Iterable[tuple[str, object]] = ()) -> Registry:
    """Discover and register plugins. ``extra``: (name, module-or-object) pairs, for tests."""
    env = dict(os.environ if env is None else env)
    strict = env.get(ENV_STRICT, "").strip().lower() in ("1", "true", "yes", "on")
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    reg = Registry(pm=pm, strict=strict)
    wanted = _wanted(env)

    def add(name: str, source: str, load: Callable[[], object], location: str | None,
            version: str | None = None) -> None:
        info = PluginInfo(name=name, source=source, location=location, version=version)  # type: ignore[arg-type]
        reg.plugins.append(info)
        try:
            obj = load()
            info.version = info.version or getattr(obj, "__version__", None)
            pm.register(obj, name=name)
        except BaseException as exc:  # a plugin's SystemExit must not end painboard either
            if isinstance(exc, KeyboardInterrupt):
                raise
            reg._fail(info, "load", exc)

    from painboard import __version__

    for name, module in BUILTIN_MODULES.items():
        add(name, "builtin", lambda m=module: importlib.import_module(m), module, __version__)

    for name, obj in extra:
        add(name, "entry point", lambda o=obj: o, getattr(obj, "__name__", None))

    if wanted is None or wanted:
        for ep in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
            if wanted is not None and ep.name.lower() not in wanted:
                continue
            dist = getattr(ep, "dist", None)
            add(ep.name, "entry point", ep.load, f"{dist.name if dist else '?'} ({ep.value})",
                dist.version if dist else None)
        if plugins_dir is not None:
            _load_folder(Path(plugins_dir).expanduser(), wanted, reg, add)

    _check_hook_names(reg)
    _collect(reg)
    return reg


def _load_folder(folder: Path, wanted: set[str] | None, reg: Registry, add) -> None:
    if not folder.is_dir():
        return
    problem = folder_problem(folder)
    if problem:
        info = PluginInfo(name=folder.name, source="folder", location=str(folder), error=problem)
        reg.plugins.append(info)
        if reg.strict:
            raise PluginError(problem)
        return
    for path in sorted(folder.glob("*.py")):
        name = path.stem
        if name.startswith("_") or (wanted is not None and name.lower() not in wanted):
            continue
        if reg.pm.has_plugin(name):
            reg.plugins.append(PluginInfo(name=name, source="folder", location=str(path),
                                          error=f"a plugin named {name!r} is already loaded"))
            continue
        add(name, "folder", lambda p=path: _import_file(p), str(path))


def _import_file(path: Path):
    problem = folder_problem(path)
    if problem:
        raise PluginError(problem)
    mod_name = f"painboard_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(mod_name, None)
        raise
    return module


def _check_hook_names(reg: Registry) -> None:
    """Report hook implementations that match no hook (a misspelling), as check_pending does."""
    known = [n for n in dir(hookspecs) if n.startswith("register_")]
    for hook_name in dir(reg.pm.hook):
        if hook_name.startswith("_"):
            continue
        caller = getattr(reg.pm.hook, hook_name)
        if not isinstance(caller, pluggy.HookCaller) or caller.has_spec():
            continue
        for impl in caller.get_hookimpls():
            if getattr(impl, "optionalhook", False):
                continue
            guess = difflib.get_close_matches(hook_name, known, n=1)
            hint = f"; did you mean {guess[0]!r}?" if guess else ""
            info = reg.info(impl.plugin_name)
            if info is not None:
                info.warnings.append(f"unknown hook {hook_name!r}{hint}")
    if reg.strict:
        try:
            reg.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {exc.plugin_name if hasattr(exc, 'plugin_name') else ''}: {exc}") from exc
    for info in reg.plugins:
        if info.error is None and reg.pm.has_plugin(info.name):
            info.hooks = sorted(c.name for c in reg.pm.get_hookcallers(reg.pm.get_plugin(info.name)) or [])


def _collect(reg: Registry) -> None:
    """Call each plugin's register_* hooks one plugin at a time, so one failure stays its own."""
    for hook, kind, target, cls in (("register_importers", "importers", reg.importers, Importer),
                                    ("register_metrics", "metrics", reg.metrics, Metric),
                                    ("register_exporters", "exporters", reg.exporters, Exporter)):
        for impl in getattr(reg.pm.hook, hook).get_hookimpls():  # registration order: built-ins first
            info = reg.info(impl.plugin_name)
            added: list[tuple[str, Any]] = []

            def register(obj, _cls=cls, _added=added) -> None:
                if not isinstance(obj, _cls):
                    raise TypeError(f"expected a painboard.plugins.{_cls.__name__}, got {type(obj).__name__}")
                _added.append((obj.name, obj))

            try:
                impl.function(register=register)
            except Exception as exc:
                reg._fail(info, hook, exc)
                continue  # a hook that raised registers nothing, not half
            for name, obj in added:
                if name in target:
                    msg = f"{kind[:-1]} {name!r} is already registered by {reg.owner[(kind, name)]}"
                    if info is not None:
                        info.warnings.append(msg)
                    if reg.strict:
                        raise PluginError(f"plugin {impl.plugin_name}: {msg}")
                    continue
                target[name] = obj
                reg.owner[(kind, name)] = impl.plugin_name
                if info is not None:
                    info.registers.setdefault(kind, []).append(name)
