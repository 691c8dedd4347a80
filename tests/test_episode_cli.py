"""`painboard episode` with a duration and no --at: an episode that has just ended."""

from __future__ import annotations

from datetime import timedelta

import pytest

pytestmark = pytest.mark.usefixtures("fixed_env")


def _episodes(pb):
    with pb.db.unit_of_work() as con:
        from painboard.store import repository as repo

        return repo.episodes(con)


def test_a_duration_without_a_time_ends_now(cli_run, pb, fixed_env):
    r = cli_run("episode", "8", "--duration", "20", "--trigger", "coughing")
    assert r.exit_code == 0, r.output
    (ep,) = _episodes(pb)
    assert ep["end_at"] == fixed_env and ep["onset"] == fixed_env - timedelta(minutes=20)
    assert ep["peak"] == 8 and ep["trigger"] == "coughing"


def test_a_bad_duration_names_the_option_and_writes_nothing(cli_run, pb):
    pb.db.init()
    r = cli_run("episode", "8", "--duration", "a while")
    assert r.exit_code == 2
    assert "duration" in r.stderr and "duration_min" not in r.stderr
    assert _episodes(pb) == []


def test_with_a_time_the_duration_runs_from_it(cli_run, pb, fixed_env):
    r = cli_run("episode", "6", "--at", "13:00", "--duration", "15")
    assert r.exit_code == 0, r.output
    (ep,) = _episodes(pb)
    onset = ep["onset"].astimezone(pb.tz)
    assert (onset.hour, onset.minute) == (13, 0)
    assert ep["end_at"] - ep["onset"] == timedelta(minutes=15)
