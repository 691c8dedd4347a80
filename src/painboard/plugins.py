"""The plugin manager: discovery and the registry (the contracts are in painboard.plugin_api).

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
import os
import stat
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Literal

import pluggy
from pydantic import BaseModel, Field

from painboard import hookspecs
from painboard.errors import PainboardError
# The contract types, re-exported so plugins written against painboard.plugins keep working.
from painboard.plugin_api import (KINDS, Columns, Exporter, Importer, ImportSource,  # noqa: F401
                                  Level, Metric, MetricResult, MetricValue, PeriodView,
                                  PluginError, Row, hookimpl)

GROUP = "painboard"
ENV_LOAD = "PAINBOARD_LOAD_PLUGINS"
ENV_STRICT = "PAINBOARD_STRICT_PLUGINS"

BUILTIN_MODULES = {
    "builtin.csv": "painboard.builtin.csv_format",
    "builtin.json": "painboard.builtin.json_format",
    "builtin.parquet": "painboard.builtin.parquet_format",
    "builtin.markdown": "painboard.builtin.markdown_summary",
    "builtin.metrics": "painboard.builtin.metrics",
    "builtin.figures": "painboard.builtin.figures",
    "builtin.html": "painboard.builtin.html_report",
    "builtin.ical": "painboard.builtin.ical_export",
    "builtin.bearable": "painboard.builtin.bearable",
    "builtin.paindiary": "painboard.builtin.pain_diary",
    "builtin.applehealth": "painboard.builtin.apple_health",
    "builtin.generic_csv": "painboard.builtin.generic_csv",  # after every specific CSV: it sniffs loosely
    "builtin.notify": "painboard.builtin.notify",
}


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
    notifiers: dict[str, Any] = field(default_factory=dict)  # painboard.notifiers.Notifier
    plugins: list[PluginInfo] = field(default_factory=list)
    owner: dict[tuple[str, str], str] = field(default_factory=dict)  # (kind, name) -> plugin
    strict: bool = False
    commands_added: bool = False
    # Settings that name nothing (an unknown PAINBOARD_LOAD_PLUGINS name, a missing folder):
    # the CLI prints them on stderr, so a typo is not silently ignored.
    notices: list[str] = field(default_factory=list)

    def folder_refused(self) -> str | None:
        """Why the plugins folder was refused, if it was."""
        return next((p.error for p in self.plugins if p.source == "folder" and p.error
                     and p.error.startswith("refused")), None)

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
    if wanted:
        unknown = sorted(wanted - {p.name.lower() for p in reg.plugins})
        if unknown:
            reg.notices.append(f"{ENV_LOAD} names no plugin called {', '.join(unknown)} "
                               f"('painboard plugins' lists those found)")

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
        # Said wherever plugins load (the CLI's stderr, the dashboard's notices), not only by
        # 'painboard plugins': a metric that silently vanished looks like a bug.
        reg.notices.append(f"plugins folder {problem}; none of its plugins loaded")
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
    # From the checked source alone: the usual import would run a .pyc from __pycache__ (a
    # folder nobody checked) when its header matches, and write one there.
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise PluginError(f"cannot load {path}: {exc.strerror}") from None
    spec = importlib.util.spec_from_loader(mod_name, loader=None, origin=str(path))
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[mod_name] = module
    try:
        exec(compile(source, str(path), "exec", dont_inherit=True), module.__dict__)
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


def _notifier_type() -> type:
    from painboard.notifiers import Notifier

    return Notifier


def _collect(reg: Registry) -> None:
    """Call each plugin's register_* hooks one plugin at a time, so one failure stays its own."""
    for hook, kind, target, cls in (("register_importers", "importers", reg.importers, Importer),
                                    ("register_metrics", "metrics", reg.metrics, Metric),
                                    ("register_exporters", "exporters", reg.exporters, Exporter),
                                    ("register_notifiers", "notifiers", reg.notifiers, _notifier_type())):
        for impl in getattr(reg.pm.hook, hook).get_hookimpls():  # registration order: built-ins first
            info = reg.info(impl.plugin_name)
            added: list[tuple[str, Any]] = []

            def register(obj, _cls=cls, _added=added) -> None:
                if not isinstance(obj, _cls):
                    raise TypeError(f"expected a painboard.plugin_api.{_cls.__name__}, got {type(obj).__name__}")
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
