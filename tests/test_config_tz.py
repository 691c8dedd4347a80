"""tz in config.toml passes the same check as PAINBOARD_TZ (issue 17 item 9): a name DuckDB
would not know (posix/..., localtime) is the zone it stands for, an unknown one is refused
with the setting and the file named, and nothing is written."""

from __future__ import annotations

import pytest

from .conftest import ok, refused

pytestmark = pytest.mark.usefixtures("fixed_env")


def _config(tmp_path, monkeypatch, tz: str):
    conf = tmp_path / "config.toml"
    conf.write_text(f'tz = "{tz}"\n')
    monkeypatch.delenv("PAINBOARD_TZ")
    monkeypatch.delenv("TZ", raising=False)
    monkeypatch.setenv("PAINBOARD_CONFIG", str(conf))
    return conf


@pytest.mark.parametrize("tz", ["posix/Asia/Tokyo", "right/Asia/Tokyo", ":Asia/Tokyo"])
def test_config_zone_under_another_folder_is_the_iana_zone(cli_run, tmp_path, monkeypatch, tz):
    _config(tmp_path, monkeypatch, tz)
    ok(cli_run("log", "5", "--at", "2026-11-28T09:30:00+00:00"))
    assert "18:30" in ok(cli_run("entries")).stdout  # 09:30 UTC is 18:30 in Tokyo
    assert "<html" in ok(cli_run("export", "html", "-o", "-")).stdout  # DuckDB reads in the zone


def test_config_localtime_is_the_system_zone(cli_run, tmp_path, monkeypatch):
    _config(tmp_path, monkeypatch, "localtime")  # /etc/localtime here: Etc/UTC
    ok(cli_run("log", "5", "--at", "2026-11-28T09:30:00+00:00"))
    assert "09:30" in ok(cli_run("entries")).stdout
    assert "<html" in ok(cli_run("export", "html", "-o", "-")).stdout


def test_config_unknown_zone_is_refused_naming_setting_and_file(cli_run, tmp_path, monkeypatch, db_path):
    conf = _config(tmp_path, monkeypatch, "Mars/Olympus_Mons")
    refused(cli_run("log", "5"), 2, "'Mars/Olympus_Mons' is not a time zone", str(conf), "tz")
    assert not db_path.exists()
