"""The daily rollup (store/rollup.py) gives the same per-day figures as the raw rows.

Each check reads daily_pain and daily_episodes twice in one unit of work: through the rollup
(with ``days``) and straight from pain_entry and episode (without), after inserts, an
import, deletes and on the days a clock changes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from painboard.store import repository as repo
from painboard.store import rollup

pytestmark = pytest.mark.usefixtures("fixed_env")

LONDON = "Europe/London"
SPRING = date(2026, 3, 29)  # London: clocks go forward at 01:00 UTC (a 23-hour day)
AUTUMN = date(2026, 10, 25)  # London: clocks go back at 01:00 UTC (a 25-hour day)


def bounds(tz: str, d0: date, d1: date) -> tuple[datetime, datetime]:
    z = ZoneInfo(tz)
    return tuple(datetime.combine(d, time(0), z).astimezone(timezone.utc) for d in (d0, d1))


def both(pb, tz: str, d0: date, d1: date):
    with pb.db.unit_of_work() as con:
        lo, hi = bounds(tz, d0, d1)
        got = (repo.daily_pain(con, tz, lo, hi, (d0, d1)), repo.daily_episodes(con, tz, lo, hi, (d0, d1)))
        raw = (repo.daily_pain(con, tz, lo, hi), repo.daily_episodes(con, tz, lo, hi))
        kept = [r[0] for r in con.execute("SELECT tz FROM day_rollup_zone").fetchall()]
    return got, raw, kept


def utc(y, mo, d, h, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=timezone.utc)


@pytest.mark.usefixtures("imports_in_process")  # what it reads: see /conftest.py
def test_rollup_matches_the_rows_after_inserts_imports_deletes_and_clock_changes(pb, tmp_path):
    # Around both clock changes: the last minutes of the day before, the hour that is
    # skipped or repeated, the last minute of the day.
    logged = [(utc(2026, 3, 28, 23, 59), 3), (utc(2026, 3, 29, 0, 30), 7), (utc(2026, 3, 29, 1, 30), 2),
              (utc(2026, 3, 29, 22, 59), 9), (utc(2026, 3, 29, 23, 0), 4),
              (utc(2026, 10, 24, 22, 59), 5), (utc(2026, 10, 24, 23, 0), 6), (utc(2026, 10, 25, 0, 30), 1),
              (utc(2026, 10, 25, 1, 30), 8), (utc(2026, 10, 25, 23, 59), 0), (utc(2026, 10, 26, 0, 0), 10)]
    for at, v in logged[:4]:
        pb.log_pain(intensity=v, occurred_at=at)
    pb.record_episode(peak=8, onset=utc(2026, 3, 29, 0, 15), duration_min=20)

    got, raw, kept = both(pb, LONDON, date(2026, 3, 1), date(2026, 12, 1))
    assert kept == [LONDON]  # the first read filled the zone
    assert got == raw
    spring = {r["day"]: r for r in got[0]}[SPRING]
    # By hand: on 29 March 00:30 UTC is 00:30 GMT, 01:30 UTC is 02:30 BST and 22:59 UTC is
    # 23:59 BST, all that day; 28 March 23:59 UTC is the day before.
    assert (spring["n"], spring["worst"], spring["least"]) == (3, 9, 2)
    assert spring["average"] == pytest.approx((7 + 2 + 9) / 3)

    # Inserts after the zone is kept: each lands on its own local day at once.
    for at, v in logged[4:]:
        pb.log_pain(intensity=v, occurred_at=at)
    pb.start_episode(peak=9, onset=utc(2026, 10, 25, 1, 10))
    got, raw, _ = both(pb, LONDON, date(2026, 3, 1), date(2026, 12, 1))
    assert got == raw
    autumn = {r["day"]: r for r in got[0]}[AUTUMN]
    # 24 Oct 23:00 UTC is 25 Oct 00:00 BST; 25 Oct 23:59 UTC is still 25 Oct (GMT).
    assert autumn["n"] == 4 and autumn["worst"] == 8 and autumn["least"] == 0
    assert {r["day"]: r["n"] for r in got[1]} == {SPRING: 1, AUTUMN: 1}

    # An import (all rows in one statement), with a key already stored and one repeated.
    src = tmp_path / "more.csv"
    lines = ["key,occurred_at,intensity"]
    for i in range(60):
        at = utc(2026, 10, 20, 12) + timedelta(hours=5 * i)
        lines.append(f"imp-{i},{at.isoformat()},{i % 11}")
    lines.append(f"imp-0,{utc(2026, 10, 1, 12).isoformat()},9")
    src.write_text("\n".join(lines) + "\n")
    result = pb.import_file(src, fmt="csv")
    assert result.added["pain_entry"] == 60
    got, raw, _ = both(pb, LONDON, date(2026, 3, 1), date(2026, 12, 1))
    assert got == raw
    assert sum(r["n"] for r in got[0]) == len(logged) + 60

    # A delete: the write path reads the rows' times, deletes them and touches those days.
    with pb.db.unit_of_work(write=True) as con:
        lo, hi = con.execute("SELECT min(occurred_at), max(occurred_at) FROM pain_entry "
                             "WHERE intensity >= 8").fetchone()
        con.execute("DELETE FROM pain_entry WHERE intensity >= 8")
        con.execute("DELETE FROM episode WHERE peak = 9")
        rollup.touch(con, lo, hi)
        rollup.touch(con, utc(2026, 10, 25, 1, 10), utc(2026, 10, 25, 1, 10))
    got, raw, _ = both(pb, LONDON, date(2026, 3, 1), date(2026, 12, 1))
    assert got == raw
    assert all(r["worst"] < 8 for r in got[0])
    assert {r["day"] for r in got[1]} == {SPRING}

    # Another zone is filled on its first read and kept in step from then on.
    tokyo = "Asia/Tokyo"
    got, raw, kept = both(pb, tokyo, date(2026, 3, 1), date(2026, 12, 1))
    assert got == raw and sorted(kept) == [tokyo, LONDON]
    pb.log_pain(intensity=6, occurred_at=utc(2026, 10, 25, 15, 30))  # 26 Oct in Tokyo
    for tz in (LONDON, tokyo):
        got, raw, _ = both(pb, tz, date(2026, 3, 1), date(2026, 12, 1))
        assert got == raw


def test_a_read_only_session_reads_the_rows_when_the_zone_is_not_kept(pb, make_pb, db_path):
    pb.log_pain(intensity=5, occurred_at=utc(2026, 11, 27, 10))
    pb.log_pain(intensity=3, occurred_at=utc(2026, 11, 27, 11))
    ro = make_pb(db_path, read_only=True)
    got, raw, kept = both(ro, LONDON, date(2026, 1, 1), date(2026, 12, 1))
    assert kept == [] and got == raw
    assert got[0] == [{"day": date(2026, 11, 27), "average": 4.0, "worst": 5, "least": 3, "n": 2}]


def test_clearing_records_clears_the_days(pb):
    pb.log_pain(intensity=5, occurred_at=utc(2026, 11, 27, 10))
    assert both(pb, LONDON, date(2026, 1, 1), date(2026, 12, 1))[0][0]
    with pb.db.unit_of_work(write=True) as con:
        repo.clear_records(con)
    got, raw, kept = both(pb, LONDON, date(2026, 1, 1), date(2026, 12, 1))
    assert got == raw == ([], []) and kept == [LONDON]


def test_a_short_range_reads_the_rows_and_leaves_the_file_alone(pb, db_path):
    pb.log_pain(intensity=5, occurred_at=utc(2026, 11, 27, 10))
    stamp = db_path.read_bytes()
    got, raw, kept = both(pb, LONDON, date(2026, 11, 1), date(2026, 12, 1))
    assert kept == [] and got == raw and got[0][0]["n"] == 1
    assert db_path.read_bytes() == stamp


def test_deleting_an_entry_through_the_service_keeps_its_day_in_step(pb):
    pb.log_pain(intensity=9, occurred_at=utc(2026, 10, 25, 1, 30))
    pb.log_pain(intensity=2, occurred_at=utc(2026, 10, 25, 12, 0))
    got, raw, kept = both(pb, LONDON, date(2026, 3, 1), date(2026, 12, 1))
    assert kept == [LONDON] and got == raw
    nine = [e for e in pb.entries() if e["intensity"] == 9][0]
    pb.delete_entry(nine["id"])  # what 'painboard delete entry' and the dashboard's d call
    got, raw, _ = both(pb, LONDON, date(2026, 3, 1), date(2026, 12, 1))
    assert got == raw
    assert {r["day"]: (r["n"], r["worst"]) for r in got[0]} == {AUTUMN: (1, 2)}


def _first_day(pb):
    with pb.db.unit_of_work() as con:
        view = pb.period_view(con, date(2026, 11, 1), date(2026, 11, 8))
        return view.first_entry_day()


def test_first_entry_day_comes_from_the_rollup_and_matches_the_rows(pb, db_path, make_pb):
    # 23:30 UTC on 1 May is 00:30 BST on 2 May in London; 28 March 23:59 UTC is 23:59 GMT.
    pb.log_pain(intensity=4, occurred_at=utc(2026, 5, 1, 23, 30))
    first = pb.log_pain(intensity=6, occurred_at=utc(2026, 3, 28, 23, 59))
    assert _first_day(make_pb(db_path, read_only=True)) == date(2026, 3, 28)  # from the rows
    assert _first_day(pb) == date(2026, 3, 28)  # from the rows: the zone is not kept
    with pb.db.unit_of_work(write=True) as con:
        assert not con.execute("SELECT count(*) FROM day_rollup_zone").fetchone()[0]  # nor filled
        assert rollup.ready(con, LONDON, 365)
    assert _first_day(pb) == date(2026, 3, 28)  # from the rollup's days
    pb.delete_entry(first.id)  # the rollup follows the delete
    assert _first_day(pb) == date(2026, 5, 2)
    assert _first_day(make_pb(db_path, read_only=True)) == date(2026, 5, 2)


def test_all_range_snapshot_starts_on_the_first_entry_day_with_or_without_the_rollup(pb, db_path, make_pb):
    at = utc(2026, 1, 10, 23, 30)
    pb.log_pain(intensity=5, occurred_at=at)
    by_hand = at.astimezone(pb.tz).date()  # the first entry's local date in the session's zone
    assert make_pb(db_path, read_only=True).snapshot(None).trend.start == by_hand  # from the rows
    with pb.db.unit_of_work() as con:
        assert not con.execute("SELECT count(*) FROM day_rollup_zone").fetchone()[0]
    assert pb.snapshot(None).trend.start == by_hand
    with pb.db.unit_of_work() as con:  # the all-range read filled the zone
        assert [r[0] for r in con.execute("SELECT tz FROM day_rollup_zone").fetchall()] == [LONDON]
    assert pb.snapshot(None).trend.start == by_hand  # now from the rollup


def test_the_trend_from_the_rollup_has_each_days_figures_with_reviews_and_episode_peaks(pb):
    """The trend over a long period is built from the rollup's days in one pass; a day's worst
    is the highest of its entries, its episodes' peaks and its review (as daily_pain), its
    average the entries' (the review's only on a day without entries)."""
    from painboard.figures.pain_days import trend_days

    day = pb.today()
    d = [day - timedelta(days=k) for k in (100, 60, 40, 20, 10, 5)]
    at = lambda dd, h: datetime.combine(dd, time(h), pb.tz).astimezone(timezone.utc)  # noqa: E731
    pb.log_pain(intensity=3, occurred_at=at(d[0], 9))
    pb.log_pain(intensity=6, occurred_at=at(d[0], 15))          # d0: average 4.5, worst 6
    pb.record_episode(peak=8, onset=at(d[1], 10), duration_min=30)  # d1: an episode alone
    pb.log_pain(intensity=5, occurred_at=at(d[2], 9))
    pb.record_episode(peak=4, onset=at(d[2], 11), duration_min=30)  # d2: a lower peak
    pb.save_review(day=d[3], worst=7, average=4)                # d3: a review alone
    pb.log_pain(intensity=2, occurred_at=at(d[4], 9))
    pb.save_review(day=d[4], worst=9, average=8)                # d4: the review's worst, not its average
    pb.save_review(day=d[5], now=3)                             # d5: no worst, least or average: no day
    with pb.db.unit_of_work() as con:
        view = pb.period_view(con, day - timedelta(days=119), day + timedelta(days=1))
        got = view.trend_days()
        kept = [r[0] for r in con.execute("SELECT tz FROM day_rollup_zone").fetchall()]
        rows = con.execute("SELECT day, total / n, worst, least, n, episodes, worst_peak FROM day_rollup "
                           "WHERE day >= ? ORDER BY day", [d[0]]).fetchall()
        reviews = view.reviews()
    assert kept  # read through the rollup
    assert got == [
        {"day": d[0], "average": 4.5, "worst": 6, "episodes": 0},
        {"day": d[1], "average": None, "worst": 8, "episodes": 1},
        {"day": d[2], "average": 5.0, "worst": 5, "episodes": 1},
        {"day": d[3], "average": 4.0, "worst": 7, "episodes": 0},
        {"day": d[4], "average": 2.0, "worst": 9, "episodes": 0},
    ]
    assert trend_days(rows, reviews) == got


def test_a_short_view_leaves_the_file_as_it_was_however_far_the_snapshot_reads_ahead(pb):
    """The snapshot reads the days from as far back as the radiation figures look (about 120
    days): that read ahead uses a kept zone's days, and never fills one (a plain look at the
    dashboard leaves the file as it was)."""
    noon = pb.day_bounds(pb.today())[0] + timedelta(hours=12)
    for d in range(1, 200, 10):
        pb.log_pain(intensity=3, occurred_at=noon - timedelta(days=d))
    for days in (7, 30, 90):
        assert pb.snapshot(days).trend.days
    with pb.db.unit_of_work() as con:
        assert not con.execute("SELECT count(*) FROM day_rollup_zone").fetchone()[0]
    pb.snapshot(365)  # a long view fills it, as before
    with pb.db.unit_of_work() as con:
        assert con.execute("SELECT count(*) FROM day_rollup_zone").fetchone()[0] == 1
