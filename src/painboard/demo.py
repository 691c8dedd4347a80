"""A deterministic patient story for trying painboard and for every panel and metric.

A person with a painful metastasis in the left hip, on scheduled morphine with oxycodone as
needed and zoledronic acid every four weeks. Pain creeps up, a single 8 Gy fraction is given
around day 45, a flare follows for a few days, then pain eases over the next weeks. A nerve
block is planned after the story ends.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, time, timedelta, timezone

from painboard.errors import BadInput
from painboard.models import DailyReview, Episode, PainEntry, PlanEvent, PlanItem, utcnow
from painboard.services import Painboard
from painboard.store import repository as repo

ACTIVITIES = ["walking", "getting up", "sitting", "standing", "climbing stairs", "lying down",
              "showering", "cooking"]
TRIGGERS = [  # trigger, episode type, share
    ("walking", "incident volitional", 0.35),
    ("coughing", "incident non-volitional", 0.15),
    ("turning in bed", "incident volitional", 0.15),
    ("standing up", "incident volitional", 0.1),
    (None, "spontaneous", 0.15),
    ("before next dose", "end of dose", 0.1),
]


def background(day: int, radiation_day: int) -> float:
    """The story's background pain on a day."""
    if day < radiation_day:
        return 4.0 + 1.5 * day / radiation_day
    since = day - radiation_day
    if since <= 4:
        return 5.5 + 2.2 * math.sin(math.pi * (since + 1) / 6)  # flare
    # back to the pre-treatment level as the flare settles, then a gradual response over weeks
    return 2.5 + 3.0 * math.exp(-(since - 5) / 10)


def _pick_trigger(rng: random.Random) -> tuple[str | None, str]:
    r = rng.random()
    for trig, kind, share in TRIGGERS:
        r -= share
        if r <= 0:
            return trig, kind
    return TRIGGERS[0][0], TRIGGERS[0][1]


class _Story:
    """The story as it is built: its days, its random numbers (drawn in one fixed order, so a
    seed gives the same story) and the records made so far."""

    def __init__(self, tz, days: int, seed: int, now: datetime):
        self.tz, self.seed, self.now = tz, seed, now
        self.rng = random.Random(seed)
        self.today = now.astimezone(tz).date()
        self.first = self.today - timedelta(days=days - 1)
        self.rad_day = min(45, days // 2)
        self.entries: list[PainEntry] = []
        self.episodes: list[Episode] = []
        self.events: list[PlanEvent] = []
        self.reviews: list[DailyReview] = []
        self.ev_id = 0

    def at(self, d: int, h: float) -> datetime:
        base = datetime.combine(self.first + timedelta(days=d), time(0), self.tz)
        return (base + timedelta(minutes=round(h * 60))).astimezone(timezone.utc)

    def plan_items(self) -> list[PlanItem]:
        first, today, rad_day = self.first, self.today, self.rad_day
        items = [
            PlanItem(category="medication", name="Morphine SR", dose=30, unit="mg", route="oral",
                     kind="scheduled", rrule="FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0", start_date=first,
                     mme_factor=1.0),
            PlanItem(category="medication", name="Oxycodone IR", dose=5, unit="mg", route="oral",
                     kind="as_needed", max_per_day=4, start_date=first, mme_factor=1.5),
            PlanItem(category="bone_strengthening", name="Zoledronic acid", dose=4, unit="mg", route="iv",
                     kind="scheduled", rrule="FREQ=WEEKLY;INTERVAL=4", start_date=first + timedelta(days=3)),
            PlanItem(category="supportive", name="Calcium and vitamin D", kind="scheduled",
                     rrule="FREQ=DAILY;BYHOUR=9;BYMINUTE=0", start_date=first),
            PlanItem(category="radiation", name="Radiation to left hip", dose=8, unit="Gy", kind="once",
                     on_date=first + timedelta(days=rad_day), start_date=first),
            PlanItem(category="procedure", name="Nerve block, left hip", kind="once",
                     on_date=today + timedelta(days=10), start_date=first),
            PlanItem(category="supportive", name="Dental review", kind="once",
                     on_date=today + timedelta(days=24), start_date=first),
        ]
        for i, it in enumerate(items, start=1):
            it.id = i
        return items

    def event(self, item_id: int, done_at: datetime, status: str, due_at: datetime | None = None,
              amount: float | None = None) -> PlanEvent:
        self.ev_id += 1
        ev = PlanEvent(id=self.ev_id, item_id=item_id, done_at=done_at, due_at=due_at, status=status,
                       amount=amount, source="demo", key=f"demo-ev-{self.seed}-{self.ev_id}")
        self.events.append(ev)
        return ev

    def doses(self, d: int, morphine: int, zol: int, calcium: int, radiation: int) -> None:
        """The day's scheduled doses, the bone agent every four weeks and the radiation session."""
        at, now, rng, event = self.at, self.now, self.rng, self.event
        for hour in (8, 20):
            due = at(d, hour)
            if rng.random() < 0.04:
                if due < now:
                    event(morphine, due + timedelta(hours=3), "missed", due_at=due)
                continue
            taken = due + timedelta(minutes=rng.randint(0, 40))
            if taken < now:
                event(morphine, taken, "taken", due_at=due, amount=30)
        if at(d, 9.25) < now and rng.random() < 0.9:
            event(calcium, at(d, 9.25), "taken", due_at=at(d, 9))
        if d >= 3 and (d - 3) % 28 == 0 and at(d, 11) < now:
            event(zol, at(d, 11), "taken", due_at=at(d, 0), amount=4)
        if d == self.rad_day and at(d, 10) < now:
            event(radiation, at(d, 10.5), "done", due_at=at(d, 0))

    def ratings(self, d: int, bg: float) -> list[int]:
        """Pain ratings through the day; their intensities, in order."""
        at, now, rng, seed = self.at, self.now, self.rng, self.seed
        day_entries: list[int] = []
        for h in (7.5, 13, 18.5) + ((22.5,) if rng.random() < 0.5 else ()):
            t = at(d, h + rng.uniform(-0.5, 0.5))
            if t >= now:
                continue
            moving = rng.random() < 0.35
            v = round(bg + rng.gauss(0, 0.8) + (1.5 if moving else 0) + (0.5 if h > 22 else 0))
            v = max(0, min(10, v))
            day_entries.append(v)
            self.entries.append(PainEntry(
                occurred_at=t, recorded_at=min(now, t + timedelta(minutes=rng.randint(0, 90))), intensity=v,
                sites=["left hip"] + (["lower back"] if rng.random() < 0.2 else []),
                qualities=["aching"] + (["sharp"] if moving else []) + (["throbbing"] if rng.random() < 0.15 else []),
                pattern="on movement" if moving else "constant",
                activity=rng.choice(ACTIVITIES) if moving else ("lying down" if h > 22 else rng.choice(["sitting", "resting"])),
                worse=["walking"] if moving else (["lying on left side"] if h > 22 else []),
                better=["rest"] + (["heat pad"] if rng.random() < 0.3 else []),
                duration_min=rng.choice([30, 60, 120]) if moving else None,
                note="woke up with it" if h > 22 and v >= 6 else None,
                source="demo", key=f"demo-entry-{seed}-{len(self.entries)}"))
        return day_entries

    def breakthroughs(self, d: int, bg: float, oxy: int) -> None:
        """The day's breakthrough episodes, most with a rescue dose."""
        at, now, rng = self.at, self.now, self.rng
        rate = 1.2 + max(0.0, bg - 4.0) * 1.1
        n_eps = min(8, sum(1 for _ in range(12) if rng.random() < rate / 12))
        for _ in range(n_eps):
            trig, kind = _pick_trigger(rng)
            hour = rng.uniform(1, 5) if trig == "turning in bed" else (
                rng.uniform(18.5, 19.9) if kind == "end of dose" else rng.uniform(7, 22))
            onset = at(d, hour)
            duration = rng.randint(10, 55)
            if onset + timedelta(minutes=duration) >= now:
                continue
            peak = max(min(10, round(bg + rng.uniform(2.5, 4.5))), 1)
            rescue = None
            if rng.random() < 0.8:
                rescue = self.event(oxy, onset + timedelta(minutes=rng.randint(2, 8)), "taken", amount=5).id
            self.episodes.append(Episode(
                onset=onset, peak_at=onset + timedelta(minutes=rng.randint(2, 8)),
                end_at=onset + timedelta(minutes=duration), peak=peak,
                background=min(peak, max(0, round(bg))), type=kind, trigger=trig, site="left hip",
                quality=rng.choice(["stabbing", "sharp", "shooting"]), rescue_event_id=rescue,
                relief_min=rng.randint(15, 45) if rescue else None,
                activity_abandoned=kind == "incident volitional" and rng.random() < 0.5,
                recorded_at=min(now, onset + timedelta(minutes=duration + 5)), source="demo",
                key=f"demo-episode-{self.seed}-{len(self.episodes)}"))

    def review(self, d: int, bg: float, day_entries: list[int]) -> None:
        """A daily review most evenings."""
        rng, rad_day = self.rng, self.rad_day
        review_at = self.at(d, 21.5)
        if day_entries and review_at < self.now and rng.random() < 0.85:
            relief = max(0, min(100, 10 * round(7 - bg * 0.6 + rng.uniform(-1, 1))))
            interf = {k: max(0, min(10, round(bg + rng.gauss(0, 1.2) + off))) for k, off in
                      [("activity", 0.5), ("mood", -0.5), ("walking", 1.5), ("work", 1),
                       ("relations", -1.5), ("sleep", 0.5), ("enjoyment", 0)]}
            self.reviews.append(DailyReview(
                day=self.first + timedelta(days=d), worst=max(day_entries), least=min(day_entries),
                average=round(sum(day_entries) / len(day_entries)), now=day_entries[-1],
                relief_pct=relief, interference=interf,
                note="radiation today" if d == rad_day else ("flare, more rescue doses" if rad_day < d <= rad_day + 4 else None),
                recorded_at=review_at))


def build_story(pb: Painboard, days: int = 90, seed: int = 7, now: datetime | None = None):
    """The story's plan items, entries, episodes, events and reviews (nothing written)."""
    if days < 7:
        raise BadInput("must be at least 7", field="days")
    story = _Story(pb.tz, days, seed, now or utcnow())
    items = story.plan_items()
    morphine, oxy, zol, calcium, radiation = (it.id for it in items[:5])
    for d in range(days):
        bg = background(d, story.rad_day)
        story.doses(d, morphine, zol, calcium, radiation)
        day_entries = story.ratings(d, bg)
        story.breakthroughs(d, bg, oxy)
        story.review(d, bg, day_entries)
    return items, story.entries, story.episodes, story.events, story.reviews


def load_demo(pb: Painboard, days: int = 90, seed: int = 7, force: bool = False,
              now: datetime | None = None) -> dict[str, int]:
    """Write the story into the database in one transaction; refuse a non-empty one, and with
    ``force`` keep a checked copy of what it held first (said in pb.db.notices)."""
    items, entries, episodes, events, reviews = build_story(pb, days, seed, now)
    with pb.db.session():  # one turn for the copy and the replacement: no write lands between
        with pb.db.unit_of_work() as con:
            held = repo.counts(con)
        if any(held.values()):
            if not force:
                raise BadInput(f"{pb.db.path} already holds data ({held['pain_entry']} entries); "
                               "use --force to replace it with the demo story", field="db")
            from painboard.store.maintenance import keep_copy

            kept = keep_copy(pb.db, "before-demo")
            pb.db.notices.append(f"the records the database held are kept in a checked copy at {kept}")
        with pb.db.unit_of_work(write=True) as con:
            repo.clear_records(con)
            write_story(con, items, entries, episodes, events, reviews)
            return repo.counts(con)


def write_story(con, items, entries, episodes, events, reviews) -> None:
    """Append a built story inside the caller's unit of work, linking ids as they are given."""
    ids: dict[int, int] = {}
    for it in items:
        ids[it.id] = repo.insert_one(con, "plan_item", it)
    for ev in events:
        ev.item_id = ids[ev.item_id]
    # events go in bulk; their ids are looked up by key to link rescue doses to episodes
    repo.append(con, "plan_event", events, dedupe=False)
    by_key = repo.ids_by_key(con, "plan_event", [ev.key for ev in events])
    story_to_db = {ev.id: by_key[ev.key] for ev in events}
    for ep in episodes:
        if ep.rescue_event_id is not None:
            ep.rescue_event_id = story_to_db[ep.rescue_event_id]
    repo.append(con, "pain_entry", entries, dedupe=False)
    repo.append(con, "episode", episodes, dedupe=False)
    for r in reviews:
        repo.save_review(con, r)
