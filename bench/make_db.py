"""Build a large painboard database for benchmarks: years of entries, episodes and doses.

Rows go through painboard's own store (repository.append), not around it.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from painboard.config import Settings
from painboard.demo import build_story, write_story
from painboard.models import Episode, PainEntry, PlanEvent
from painboard.services import Painboard
from painboard.store import repository as repo


def build(path: Path, entries: int = 1_000_000, years: float = 10, seed: int = 1,
          now: datetime | None = None) -> Painboard:
    """``entries`` pain entries over ``years`` of history, then the demo story's last 90 days.

    Rows go in the order a real user's would (history first), so the file's row groups are in
    time order as they would be after years of daily use.
    """
    now = now or datetime.now(timezone.utc)
    pb = Painboard(Settings.load(db=path))
    pb.db.init()
    rng = random.Random(seed)
    story_start = now - timedelta(days=90)
    span = years * 365.25 * 86400 - 90 * 86400
    start = story_start - timedelta(seconds=span)
    step = span / entries
    batch: list[PainEntry] = []
    episodes: list[Episode] = []
    events: list[PlanEvent] = []

    def flush() -> None:
        with pb.db.unit_of_work(write=True) as con:
            repo.append(con, "pain_entry", batch, dedupe=False)
            repo.append(con, "episode", episodes, dedupe=False)
            repo.append(con, "plan_event", events, dedupe=False)
        batch.clear(), episodes.clear(), events.clear()

    for i in range(entries):
        at = start + timedelta(seconds=i * step)
        v = max(0, min(10, round(4 + 2 * rng.random() + rng.gauss(0, 1))))
        batch.append(PainEntry.model_construct(
            occurred_at=at, recorded_at=at, intensity=v, sites=["left hip"], qualities=["aching"],
            pattern="constant", activity=None, worse=[], better=[], duration_min=None, note=None,
            source="bench", derived=False, original_level=None, key=f"bench-{seed}-{i}"))
        if i % 4 == 0:
            episodes.append(Episode.model_construct(
                onset=at, peak_at=None, end_at=at + timedelta(minutes=20), peak=min(10, v + 3),
                background=v, type="spontaneous", trigger=None, site="left hip", quality=None,
                rescue_event_id=None, relief_min=None, activity_abandoned=None, note=None,
                recorded_at=at, source="bench", key=f"bench-ep-{seed}-{i}"))
        if i % 3 == 0:
            events.append(PlanEvent.model_construct(
                item_id=1, due_at=at, done_at=at, status="taken", amount=30.0, note=None,
                episode_id=None, source="bench", key=f"bench-ev-{seed}-{i}"))
        if len(batch) >= 100_000:
            flush()
    flush()
    story = build_story(pb, days=90, seed=seed, now=now)  # its plan items take ids 1-7
    with pb.db.unit_of_work(write=True) as con:
        write_story(con, *story)
    return pb


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("path", type=Path)
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--years", type=float, default=10)
    a = ap.parse_args()
    t = time.perf_counter()
    pb = build(a.path, a.entries, a.years)
    print(f"built {a.path} in {time.perf_counter() - t:.1f}s: {pb.counts()}")
