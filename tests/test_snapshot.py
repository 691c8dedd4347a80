"""The dashboard's snapshot shares one read view between panels and metrics: what it cuts
from wider reads must equal what each part reads on its own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from painboard.demo import load_demo
from painboard.store import repository as repo
from painboard.store import symptoms as symptom_store

pytestmark = pytest.mark.usefixtures("fixed_env")


@pytest.fixture
def story(fixed_env, db_path, make_pb, built_once):
    """60 days of the demo story: built once (a quarter of a second), copied for each test."""
    built_once("demo-60-3", db_path, lambda path: load_demo(make_pb(path), days=60, seed=3))
    return make_pb(db_path)


@pytest.mark.parametrize("range_days", [7, 30, None])
def test_snapshot_metrics_equal_metrics_computed_alone(story, range_days):
    day = story.today()
    snap = story.snapshot(range_days)
    alone = story.compute_metrics(day - timedelta(days=6), day + timedelta(days=1))
    assert [(m.name, m.value, m.text, m.series, m.level) for m in snap.metrics] == \
           [(m.name, m.value, m.text, m.series, m.level) for m in alone]
    assert all(m.error is None for m in snap.metrics)


def test_today_figures_match_direct_queries(story):
    day = story.today()
    lo, hi = story.day_bounds(day)
    today = story.snapshot(30).today
    with story.db.unit_of_work() as con:
        scores = [e["intensity"] for e in repo.entries(con, lo, hi)]
        items = {i["id"]: i for i in repo.plan_items(con)}
        doses = [(e["amount"] if e["amount"] is not None else items[e["item_id"]]["dose"])
                 * items[e["item_id"]]["mme_factor"] for e in repo.events(con, lo, hi)
                 if e["status"] == "taken" and items[e["item_id"]]["mme_factor"] is not None]
    assert today.entries == len(scores) and today.worst == max(scores)
    assert today.average == round(sum(scores) / len(scores), 1)
    assert doses and today.mme == round(sum(doses), 1)


def test_trend_days_match_per_day_query(story):
    day = story.today()
    snap = story.snapshot(30)
    with story.db.unit_of_work() as con:
        lo, hi = story.day_bounds(day - timedelta(days=29))[0], story.day_bounds(day)[1]
        rows = repo.daily_pain(con, "Europe/London", lo, hi)
        peaks = {r["day"]: r["worst_peak"] for r in repo.daily_episodes(con, "Europe/London", lo, hi)}
    # a day's worst is the highest of its entries and its episode peaks (no reviews in the story's last 30 days)
    expected = {r["day"]: r["worst"] for r in rows}
    for d, p in peaks.items():
        expected[d] = max(expected.get(d, p), p)
    assert [(d["day"], d["worst"]) for d in snap.trend.days if d["worst"] is not None] == sorted(expected.items())
    assert len(rows) >= 25  # the story logs most days: the comparison is not vacuous


def test_seven_nights_are_seven(story):
    snap = story.snapshot(7)
    nights = next(m for m in snap.metrics if m.name == "nights-with-pain")
    assert snap.today.nights == 7 and 0 <= snap.today.nights_with_pain <= 7
    assert nights.value == snap.today.nights_with_pain


def test_rescue_doses_are_as_needed_opioids_only(pb):
    pb.add_plan_item(name="Oxycodone IR", dose=5, unit="mg", route="oral", kind="as_needed", max_per_day=4)
    pb.add_plan_item(name="Paracetamol", dose=1000, unit="mg", route="oral", kind="as_needed", max_per_day=4)
    for _ in range(5):
        pb.mark_done("Paracetamol")
    pb.mark_done("Oxycodone")
    today = pb.snapshot(7).today
    assert (today.rescue_doses, today.rescue_max, today.rescue_marker) == (1, 4, False)
    rescue = next(m for m in pb.compute_metrics() if m.name == "rescue-doses-today")
    assert rescue.value == 1 and rescue.level == "ok"


# -- the snapshot's folded reads (store/period_view.py) equal the plain reads they replace -----
def _week(pb, con):
    day = pb.today()
    return pb.period_view(con, day - timedelta(days=6), day + timedelta(days=1))


@pytest.mark.parametrize("limit", [1, 8, 5000])
def test_newest_entries_equal_the_newest_read_alone(story, limit):
    with story.db.unit_of_work() as con:
        alone = repo.entries(con, limit=limit, newest_first=True)
        week = _week(story, con)
        got = week.newest_entries(limit)
        period = week.entries()
        assert period == repo.entries(con, week.lo, week.hi) and period  # cut from the same read
    assert got == alone and len(alone) == min(limit, len(alone))
    assert limit < 5000 or len(alone) > 100  # beyond the week's: the whole read, not a cut


def test_open_episode_from_before_the_week_is_found(story):
    day = story.today()
    onset = story.day_bounds(day - timedelta(days=20))[0] + timedelta(hours=9)
    ep = story.start_episode(peak=8, onset=onset)
    snap = story.snapshot(30)
    assert snap.today.open_episode["id"] == ep.id
    with story.db.unit_of_work() as con:
        week = _week(story, con)
        assert week.open_episode()["id"] == ep.id
        # the week's episodes are only those with an onset in it, as read alone
        assert week.episodes() == repo.episodes(con, week.lo, week.hi)
        assert all(e["end_at"] is not None for e in week.episodes())


def test_done_and_due_events_in_one_read_equal_each_read(story):
    with story.db.unit_of_work() as con:
        week = _week(story, con)
        since = week.start - timedelta(days=3)
        week.read_events(since, week.end)
        lo, hi = week.bounds(since, week.end)
        due = repo.events_due_between(con, week.lo, week.hi)
        assert week.events(since, week.end) == repo.events(con, lo, hi)
        assert sorted(week.events_due(), key=lambda r: r["id"]) == sorted(due, key=lambda r: r["id"])
        assert [r["due_at"] for r in week.events_due()] == sorted(r["due_at"] for r in due) and due


def test_markers_and_last_events_of_occasional_and_daily_items(story):
    """Infusion, radiation and one-off items' events are read whole once; a daily item's are not:
    both give what plain queries give."""
    with story.db.unit_of_work() as con:
        items = {i["id"]: i for i in repo.plan_items(con)}
        day = story.today()
        lo, hi = story.day_bounds(day - timedelta(days=59))[0], story.day_bounds(day)[1]
        expected = [{"day": e["done_at"].astimezone(story.tz).date(), "category": items[e["item_id"]]["category"],
                     "label": items[e["item_id"]]["name"]} for e in repo.events(con, lo, hi)
                    if items[e["item_id"]]["category"] in ("radiation", "bone_strengthening", "medication")
                    and e["status"] in ("taken", "done")]
        week = _week(story, con)
        got = week.plan_markers(("radiation", "bone_strengthening", "medication"), day - timedelta(days=59),
                                day + timedelta(days=1))
        assert got == expected and {m["category"] for m in got} >= {"bone_strengthening", "medication"}
        every = list(items)
        assert week.last_events(every) == repo.last_events(con, item_ids=every)
        assert week.last_events(every, until=day - timedelta(days=10)) == \
            repo.last_events(con, item_ids=every, until=story.day_bounds(day - timedelta(days=10))[0])


@pytest.mark.parametrize("threshold", [1, 6])
def test_nights_from_the_snapshots_reads_equal_the_nights_read_alone(story, threshold):
    with story.db.unit_of_work() as con:
        alone = _week(story, con).pain_nights(threshold)  # read for themselves
        week = _week(story, con)
        week.newest_entries(8), week.open_episode()  # the snapshot's two reads
        assert week._cut("entries", week.lo, week.hi, lambda r: r["occurred_at"]) is not None
        assert week.pain_nights(threshold) == alone
    assert 0 < len(alone) <= 7 and (threshold == 6 or len(alone) >= 3)


def test_warning_signs_and_symptoms_from_one_read(story):
    day = story.today()
    at = story.day_bounds(day - timedelta(days=30))[0] + timedelta(hours=10)
    old = story.log_symptom("fever", warning=True, occurred_at=at).symptom
    told = story.log_symptom("new weakness in the legs", warning=True, occurred_at=at + timedelta(days=28)).symptom
    story.mark_reported(told.id, to="oncology nurse")
    story.log_symptom("nausea", severity="mild", occurred_at=at + timedelta(days=29))
    snap = story.snapshot(30)
    with story.db.unit_of_work() as con:
        unreported = story.banner_signs(symptom_store.unreported_signs(con))
        week = _week(story, con)
        signs = week.unreported_signs()
        assert week.symptoms() == symptom_store.symptoms(con, week.lo, week.hi)
        assert {r["name"] for r in week.symptoms()} >= {"nausea", "new weakness in the legs"}
    assert [s["id"] for s in snap.warning_signs] == [s["id"] for s in unreported] == [old.id]
    assert [s["id"] for s in signs] == [old.id] and snap.warning_signs[0]["shown"]


def test_the_weeks_events_are_read_from_a_radiation_courses_baseline(story):
    from painboard.figures.period import figures_of, omed_events_since

    with story.db.unit_of_work() as con:
        week = _week(story, con)
        f = figures_of(week)
        assert f.radiation_courses  # the story has a course within the look-back: not vacuous
        first = min(c["sessions"][0] for c in f.radiation_courses)
        assert f.events_from == min(first - timedelta(days=7), omed_events_since(week.start))
        week.read_events(f.events_from, week.end)
        lo, hi = week.bounds(f.events_from, week.end)
        assert week.events(first - timedelta(days=7), week.end) == \
            repo.events(con, week.bounds(first - timedelta(days=7))[0], hi) and lo < week.lo
    flare = next(m for m in story.snapshot(30).metrics if m.name == "radiation-flare")
    assert flare.error is None and flare.value is not None


def test_cuts_found_by_halving_equal_each_days_read(story):
    """The week's reads are cut by halving their rows' instants: an entry at a local midnight
    belongs to the day it starts, one a microsecond before to the day before."""
    day = story.today()
    midnight = story.day_bounds(day - timedelta(days=2))[0]
    story.log_pain(intensity=6, occurred_at=midnight)
    story.log_pain(intensity=2, occurred_at=midnight - timedelta(microseconds=1))
    with story.db.unit_of_work() as con:
        week = _week(story, con)
        week.newest_entries(1)  # the wide reads the snapshot makes first
        week.open_episode()
        for d in (day - timedelta(days=k) for k in range(7)):
            lo, hi = week.bounds(d, d + timedelta(days=1))
            assert week.entries(d, d + timedelta(days=1)) == repo.entries(con, lo, hi)
            assert week.episodes(d, d + timedelta(days=1)) == repo.episodes(con, lo, hi)
        on_the_day = week.entries(day - timedelta(days=2), day - timedelta(days=1))
        assert [e["intensity"] for e in on_the_day if e["occurred_at"] == midnight] == [6]
        before = week.entries(day - timedelta(days=3), day - timedelta(days=2))
        assert before[-1]["occurred_at"] == midnight - timedelta(microseconds=1)


def test_a_kept_read_out_of_order_is_cut_row_by_row(story):
    """Rows not in order of their instants (a plugin's read, a change of sort) are still cut
    right: halving is used only on a read that is in order."""
    with story.db.unit_of_work() as con:
        week = _week(story, con)
        week.newest_entries(1)  # the kept read of entries from a day before the week on
        week._memo[next(k for k in week._memo if k[0] == "entries")].reverse()
        d = story.today() - timedelta(days=1)
        lo, hi = week.bounds(d, d + timedelta(days=1))
        got = week.entries(d, d + timedelta(days=1))
        assert sorted(got, key=lambda e: e["occurred_at"]) == repo.entries(con, lo, hi) and got
        assert got[0]["occurred_at"] > got[-1]["occurred_at"]  # in the kept read's order
