"""What a snapshot reads is let go once it is shown: the dashboard reads one a minute for as
long as it runs (issue 22's memory)."""

from __future__ import annotations

import gc
from datetime import date

import pytest

from painboard.demo import load_demo
from painboard.figures.period import figures_of
from painboard.store.period_view import PeriodView

pytestmark = pytest.mark.usefixtures("fixed_env")


@pytest.fixture
def pb(db_path, make_pb, built_once):
    """14 demo days: built once, copied for each test."""
    built_once("demo-14-7", db_path, lambda path: load_demo(make_pb(path), days=14, seed=7))
    return make_pb(db_path)


def views_alive() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, PeriodView))


def test_no_period_view_outlives_the_snapshots_read_through_it(pb):
    before = views_alive()
    pb.snapshot(30)
    after_one = views_alive()
    for days in (365, None, 30, 7):
        snap = pb.snapshot(days)
        assert snap.metrics and snap.trend  # the figures and the metrics were read through the views
    del snap
    # At most the last one is still held (the idle plugin thread's last call), never one a
    # snapshot: the count after five is the count after one.
    assert after_one - before <= 1
    assert views_alive() == after_one


def test_a_views_figures_are_made_once_and_are_its_own(pb):
    with pb.db.unit_of_work() as con:
        week = pb.period_view(con, date(2026, 11, 22), date(2026, 11, 29))
        narrow = week.narrow(date(2026, 11, 26), date(2026, 11, 29))
        assert figures_of(week) is figures_of(week)
        assert figures_of(narrow) is not figures_of(week)
        assert figures_of(narrow).view is narrow and figures_of(week).view is week
