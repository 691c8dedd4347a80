"""Fixtures for the plugin tests: real DuckDB files, real plugin folders, a frozen clock."""

from __future__ import annotations

import os
import types
from datetime import datetime, timezone
from pathlib import Path

import pytest

from painboard.config import Settings
from painboard.models import freeze_clock
from painboard.plugins import load_registry
from painboard.services import Painboard

NOW = datetime(2026, 11, 28, 14, 5, tzinfo=timezone.utc)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for k in ("PAINBOARD_LOAD_PLUGINS", "PAINBOARD_STRICT_PLUGINS", "PAINBOARD_PLUGINS_DIR"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("PAINBOARD_TZ", "Europe/Berlin")
    freeze_clock(NOW)
    yield
    freeze_clock(None)


@pytest.fixture
def plugin_dir(tmp_path) -> Path:
    d = tmp_path / "plugins"
    d.mkdir(mode=0o700)
    os.chmod(d, 0o700)
    return d


def make_pb(tmp_path: Path, name: str = "p.db", plugins_dir: Path | None = None, extra=()) -> Painboard:
    pb = Painboard(Settings.load(db=tmp_path / name, plugins_dir=plugins_dir or tmp_path / "no-plugins"))
    if extra:
        pb.use_registry(load_registry(plugins_dir or tmp_path / "no-plugins", extra=extra))
    return pb


@pytest.fixture
def pb(tmp_path) -> Painboard:
    return make_pb(tmp_path)


@pytest.fixture
def demo_pb(tmp_path, built_once) -> Painboard:
    """30 demo days (Berlin, the frozen clock): built once, copied for each test."""
    from painboard.demo import load_demo

    built_once("plugins-demo-30-3", tmp_path / "demo.db",
               lambda path: load_demo(make_pb(path.parent, path.name), days=30, seed=3))
    return make_pb(tmp_path, "demo.db")


def fake_plugin(name: str, **hooks) -> types.ModuleType:
    """A plugin module built in the test: hook functions by name."""
    from painboard.hookspecs import hookimpl

    mod = types.ModuleType(name)
    for hook, fn in hooks.items():
        fn.__name__ = hook
        setattr(mod, hook, hookimpl(fn))
    return mod
