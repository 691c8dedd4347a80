"""The trend's days (figures.pain_days.trend_days, made in one pass from the rollup's tuples)
follow the one rule for a day's figures, with_reviews, on any days and reviews."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from painboard.figures.pain_days import trend_days, with_reviews
from tests.conftest import examples

score = st.none() | st.integers(0, 10)


@st.composite
def days_and_reviews(draw):
    rows, day = [], date(2026, 1, 1)
    for _ in range(draw(st.integers(0, 25))):
        day += timedelta(days=draw(st.integers(1, 3)))
        n, episodes = draw(st.integers(0, 3)), draw(st.integers(0, 2))
        if n == 0 and episodes == 0:
            n = 1
        worst = draw(st.integers(0, 10)) if n else None
        average = draw(st.floats(0, 10)) if n else None
        rows.append((day, average, worst, worst, n, episodes, draw(score) if episodes else None))
    review_days = draw(st.lists(st.integers(0, 80), max_size=8))
    reviews = [{"day": date(2026, 1, 1) + timedelta(days=k), "worst": draw(score), "least": draw(score),
                "average": draw(score)} for k in review_days]
    return rows, sorted(reviews, key=lambda r: r["day"])


@settings(max_examples=examples(300), deadline=None)  # the quick run's share: /conftest.py
@given(days_and_reviews())
def test_trend_days_follow_with_reviews(case):
    rows, reviews = case
    daily = [{"day": d, "average": a, "worst": w, "least": least, "n": n} for d, a, w, least, n, _, _ in rows if n > 0]
    episodes = [{"day": d, "n": e, "worst_peak": p} for d, _, _, _, _, e, p in rows if e > 0]
    by_rule = {r["day"]: r for r in with_reviews(daily, [dict(r) for r in reviews], episodes)}
    got = trend_days(rows, [dict(r) for r in reviews])
    count = {d: e for d, _, _, _, _, e, _ in rows}
    # every day with figures or episodes (a breakthrough mark even without a peak), oldest first, once
    assert [r["day"] for r in got] == sorted(set(by_rule) | {d for d, e in count.items() if e})
    for r in got:
        rule = by_rule.get(r["day"], {"average": None, "worst": None})
        assert (r["average"], r["worst"]) == (rule["average"], rule["worst"])
        assert r["episodes"] == count.get(r["day"], 0)
