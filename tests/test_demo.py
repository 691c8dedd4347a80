"""The demo story: deterministic, refuses to overwrite, and tells the story it claims to."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from statistics import mean

import pytest

from painboard import models
from painboard.demo import load_demo
from painboard.errors import BadInput
from painboard.models import Episode, PainEntry, PlanEvent

pytestmark = pytest.mark.usefixtures("fixed_env")

FROZEN = datetime(2026, 11, 28, 14, 5, tzinfo=timezone.utc)  # the same instant as conftest's NOW
TABLES = ("plan_item", "plan_event", "pain_entry", "episode", "daily_review")


def dump(pb):
    with pb.db.unit_of_work() as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def _load(make_pb, path, **kw):
    pb = make_pb(path)
    counts = load_demo(pb, **kw)
    return pb, counts


def test_same_seed_and_clock_give_identical_records(make_pb, tmp_path):
    a, ca = _load(make_pb, tmp_path / "a.db", days=40, seed=11)
    b, cb = _load(make_pb, tmp_path / "b.db", days=40, seed=11)
    assert ca == cb
    da, db_ = dump(a), dump(b)
    assert da == db_
    assert all(da[t] for t in TABLES)
    c, _ = _load(make_pb, tmp_path / "c.db", days=40, seed=12)
    assert dump(c)["pain_entry"] != da["pain_entry"]


def test_refuses_a_database_with_data(pb, db_counts, db_path):
    pb.log_pain(intensity=4)
    before = db_counts(db_path)
    with pytest.raises(BadInput) as info:
        load_demo(pb, days=20)
    assert info.value.field == "db" and "--force" in str(info.value)
    assert db_counts(db_path) == before
    load_demo(pb, days=20, force=True)
    assert [r for r in pb.entries() if r["source"] != "demo"] == []  # replaced, not mixed


class Story:
    def __init__(self, pb):
        self.pb = pb
        self.now = models.utcnow()
        self.today = pb.today()
        self.first = self.today - timedelta(days=89)
        with pb.db.unit_of_work() as con:
            q = lambda sql: [dict(zip([d[0] for d in con.execute(sql).description], r))  # noqa: E731
                             for r in con.execute(sql).fetchall()]
            self.items = {r["id"]: r for r in q("SELECT * FROM plan_item")}
            self.events = q("SELECT * FROM plan_event ORDER BY done_at")
            self.entries = q("SELECT * FROM pain_entry ORDER BY occurred_at")
            self.episodes = q("SELECT * FROM episode ORDER BY onset")
            self.reviews = q("SELECT * FROM daily_review ORDER BY day")

    def day(self, dt):
        return (self.pb.local(dt).date() - self.first).days

    def item(self, word):
        [it] = [i for i in self.items.values() if word in i["name"].lower()]
        return it

    def worst_by_day(self):
        w = defaultdict(int)
        for e in self.entries:
            d = self.day(e["occurred_at"])
            w[d] = max(w[d], e["intensity"])
        return w


@pytest.fixture(scope="module")
def _story(tmp_path_factory):
    """One 90-day story for the read-only checks below (loading it is the slow part)."""
    from painboard.config import Settings
    from painboard.services import Painboard

    path = tmp_path_factory.mktemp("story") / "demo.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAINBOARD_TZ", "Europe/London")
        models.freeze_clock(FROZEN)
        try:
            pb = Painboard(Settings.load(db=path))
            load_demo(pb, days=90, seed=7)
            return Story(pb)
        finally:
            models.freeze_clock(None)


@pytest.fixture
def story(_story, fixed_env):
    assert fixed_env == FROZEN
    return _story


def test_radiation_then_flare_then_response(story):
    rt = story.item("radiation")
    done = [e for e in story.events if e["item_id"] == rt["id"] and e["status"] == "done"]
    assert len(done) == 1
    rd = story.day(done[0]["done_at"])
    assert 40 <= rd <= 50
    worst = story.worst_by_day()
    before = mean(worst[d] for d in range(rd - 7, rd))
    flare = mean(worst[d] for d in range(rd + 1, rd + 6))
    later = mean(worst[d] for d in range(rd + 28, rd + 42))
    assert flare > before  # a flare in the days after the fraction
    assert flare >= before + 1
    assert later <= before - 2  # a partial response (worst pain down by 2 or more) weeks later
    # the flare settles back rather than dropping off a cliff the day it ends
    settle = mean(worst[d] for d in range(rd + 6, rd + 10))
    assert settle >= later


def test_rescue_doses_and_missed_doses(story):
    oxy = story.item("oxycodone")
    per_day = Counter(story.day(e["done_at"]) for e in story.events
                      if e["item_id"] == oxy["id"] and e["status"] == "taken")
    assert any(n > 4 for n in per_day.values())
    morphine = story.item("morphine")
    missed = [e for e in story.events if e["item_id"] == morphine["id"] and e["status"] == "missed"]
    assert missed and all(e["due_at"] is not None for e in missed)
    taken = [e for e in story.events if e["item_id"] == morphine["id"] and e["status"] == "taken"]
    assert len(taken) > 150
    # every episode's rescue dose is a real as-needed dose, taken after the onset
    events = {e["id"]: e for e in story.events}
    linked = [ep for ep in story.episodes if ep["rescue_event_id"] is not None]
    assert linked
    for ep in linked:
        ev = events[ep["rescue_event_id"]]
        assert ev["item_id"] == oxy["id"] and ev["done_at"] >= ep["onset"]


def test_night_episodes_and_end_of_dose(story):
    hours = [story.pb.local(ep["onset"]).hour for ep in story.episodes]
    assert sum(1 for h in hours if h < 6 or h >= 22) >= 5
    assert any(ep["type"] == "end of dose" for ep in story.episodes)
    assert story.pb.snapshot().today.nights_with_pain >= 1


def test_plan_has_the_future_and_bone_strengthening(story):
    block = story.item("nerve block")
    assert block["kind"] == "once" and block["on_date"] > story.today
    zol = story.item("zoledronic")
    given = [story.day(e["done_at"]) for e in story.events if e["item_id"] == zol["id"]]
    assert len(given) >= 3 and {b - a for a, b in zip(given, given[1:])} == {28}


def test_nothing_in_the_future_and_every_row_valid(story):
    limit = story.now + models.FUTURE_SLACK
    for e in story.entries:
        assert e["occurred_at"] <= limit and e["recorded_at"] <= story.now
        assert e["recorded_at"] >= e["occurred_at"]
        PainEntry.build(**{k: v for k, v in e.items() if k != "id"})
    for ep in story.episodes:
        assert ep["onset"] <= limit and ep["recorded_at"] <= story.now and ep["end_at"] <= limit
        Episode.build(**{k: v for k, v in ep.items() if k != "id"})
    for ev in story.events:
        assert ev["done_at"] <= limit
        PlanEvent.build(**{k: v for k, v in ev.items() if k != "id"})
    assert story.reviews and all(r["day"] <= story.today for r in story.reviews)
    assert len({e["key"] for e in story.entries}) == len(story.entries)


def test_dashboard_reads_the_story(story):
    snap = story.pb.snapshot(range_days=90)
    assert len(snap.trend.days) >= 85
    cats = Counter(m["category"] for m in snap.trend.markers)
    assert cats["radiation"] == 1 and cats["bone_strengthening"] >= 3
    states = {l.label.split()[0]: l.state for l in snap.checklist}
    assert states["Nerve"] == "upcoming"
