"""Timing helpers of the benchmarks: figures interleaved with their floor, and the load
average beside each figure."""

from __future__ import annotations

import os
import random
import statistics


def interleaved(fns: dict, n: int) -> dict:
    """Median of each of fns, each called once a round, n rounds, in an order shuffled each
    round (seeded: the same orders every run), so no figure always follows the same one: a
    refresh measured right after the floor's fresh DuckDB instance closed took 2-4 ms longer
    than one after a refresh, whichever view it was (and a turning order keeps who follows whom)."""
    times: dict = {k: [] for k in fns}
    order = list(fns)
    shuffle = random.Random(22).shuffle
    for _ in range(n):
        for k in order:
            times[k].append(fns[k]())
        shuffle(order)
    return {k: statistics.median(v) for k, v in times.items()}


class Load:
    """The 1-minute load average over a figure's run: the mean of its start and end."""

    def __init__(self, results: dict, figure: str):
        self.results, self.figure = results, figure

    def __enter__(self):
        self.start = os.getloadavg()[0]

    def __exit__(self, *exc):
        self.results.setdefault("load", {})[self.figure] = round((self.start + os.getloadavg()[0]) / 2, 2)
