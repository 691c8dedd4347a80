"""Hand-worked scenarios for the issue-12 figures (breakthrough profile, end-of-dose timing,
radiation flare and response, insights), through the real CLI: `painboard metrics --since
--until --json` and `painboard export markdown`. Expected values are worked out here from the
inputs. The zone is Europe/London (conftest.TZ), whose clocks went back on 25 Oct 2026."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import pytest

pytestmark = pytest.mark.usefixtures("fixed_env")


def ok(r):
    assert r.exit_code == 0, (r.output, r.stderr)
    return r


@pytest.fixture
def run(cli_run):
    return lambda *a: ok(cli_run(*a))


def metrics(run, since: str, until: str) -> dict:
    r = run("metrics", "--since", since, "--until", until, "--json")
    return {m["name"]: m for m in json.loads(r.stdout)}


def markdown(run, tmp_path, since: str, until: str) -> str:
    out = tmp_path / f"v-{since}.md"
    run("export", "markdown", "-o", str(out), "--since", since, "--until", until, "--force")
    return out.read_text()


def whole(x: float) -> int:  # round half up, as the figures compare whole points
    return math.floor(x + 0.5)


def test_no_data_says_so_everywhere(run, tmp_path):
    m = metrics(run, "2026-11-01", "2026-11-08")
    assert m["breakthrough"]["value"] is None
    assert m["breakthrough"]["text"].startswith("no breakthrough episodes logged.")
    assert "1 Nov 2026 to 7 Nov 2026" in m["breakthrough"]["text"]
    assert m["end-of-dose"]["value"] is None and "no scheduled long-acting opioid" in m["end-of-dose"]["text"]
    for name in ("radiation-flare", "radiation-response"):
        assert m[name]["value"] is None and m[name]["text"].startswith("no radiation session recorded")
        assert m[name]["error"] is None
    ins = m["insights"]
    assert ins["value"] == 0 and ins["text"].split(" Period ")[0].count("too little data") == 5
    md = markdown(run, tmp_path, "2026-11-01", "2026-11-08")
    assert "- Radiation pain flare: no radiation session recorded" in md
    assert "- Breakthrough profile: no breakthrough episodes logged." in md


def test_one_day_with_one_episode_across_midnight(run):
    # 23:50 for 40 minutes: it ends on the next day but belongs to the day of its onset.
    run("episode", "8", "--at", "2026-11-20T23:50", "--type", "spontaneous", "--duration", "40")
    m = metrics(run, "2026-11-20", "2026-11-21")["breakthrough"]
    d = m["details"]
    assert m["value"] == 1.0 and d["n"] == 1 and d["per_day_counts"] == {"2026-11-20": 1}
    assert d["median_min"] == 40 and d["night_pct"] == 100.0 and d["trigger_pct"] == 0.0
    assert metrics(run, "2026-11-21", "2026-11-22")["breakthrough"]["value"] is None


def test_radiation_flare_and_response_with_zero_baseline_omed_and_a_dst_change(run, tmp_path):
    run("plan", "add", "Oxycodone IR", "--dose", "5", "--unit", "mg", "--as-needed", "--max-per-day", "4",
        "--start", "2026-10-01")
    run("plan", "add", "Radiation to spine", "--category", "radiation", "--dose", "8", "--unit", "Gy",
        "--on", "2026-10-20", "--start", "2026-10-01")
    # Baseline: the 7 days before the session, 13-19 Oct; no opioid taken (OMED 0).
    base_worst = [4, 4, 4, 5, 5, 4, 4]
    for i, w in enumerate(base_worst):
        day = date(2026, 10, 13) + timedelta(days=i)
        run("log", "2", "--at", f"{day}T09:00")
        run("log", str(w), "--at", f"{day}T18:00")
    run("plan", "done", "Radiation to spine", "--at", "2026-10-20T10:00")
    b = sum(base_worst) / 7  # 4.29, 4 as a whole point
    bw = whole(b)
    # After: 21 Oct worst 7 (+3), 22 Oct 6 (+2); 23 Oct 4 (+0) with a first rescue dose: from a
    # baseline of 0 mg any dose is "up", so a flare day too. 24 Oct (BST, UTC+1): one entry at
    # 00:30 local, which is 23 Oct in UTC: worst 3 on the local 24th, back to baseline.
    run("log", "7", "--at", "2026-10-21T15:00")
    run("log", "6", "--at", "2026-10-22T15:00")
    run("log", "4", "--at", "2026-10-23T15:00")
    run("plan", "done", "Oxycodone", "--at", "2026-10-23T12:00")
    run("log", "3", "--at", "2026-10-23T23:30:00+00:00")
    run("log", "4", "--at", "2026-10-25T12:00")  # the day the clocks went back (25 hours)
    run("log", "3", "--at", "2026-10-27T12:00")
    for d in (28, 29, 30):
        run("log", "2", "--at", f"2026-10-{d}T12:00")
    for d in (12, 14, 16):
        run("log", "0", "--at", f"2026-11-{d}T12:00")

    m = metrics(run, "2026-10-21", "2026-11-28")
    flare = m["radiation-flare"]
    c = flare["details"]["courses"][0]
    assert c["baseline"]["worst"] == round(b, 2) and c["baseline"]["omed"] == 0
    assert c["baseline"]["since"] == "2026-10-13" and c["baseline"]["until"] == "2026-10-19"
    assert 7 - bw >= 2 and 6 - bw >= 2 and 4 - bw == 0 and 3 <= bw  # worked by hand
    assert c["flare_days"] == ["2026-10-21", "2026-10-22", "2026-10-23"]
    assert c["returned_on"] == "2026-10-24"
    assert flare["value"] == "flare" and flare["level"] == "watch"
    assert "flare on 21 Oct (worst 7, OMED 0 mg), 22 Oct (worst 6, OMED 0 mg), 23 Oct (worst 4, OMED 7.5 mg)" \
        in flare["text"]
    assert "Hird et al., IJROBP 2009" in flare["text"] and "flare window 21 Oct 2026 to 30 Oct 2026" in flare["text"]

    resp = m["radiation-response"]
    weeks = {w["week"]: w for w in resp["details"]["courses"][0]["weeks"]}
    # week 1 = 21-27 Oct: worsts 7, 6, 4, 3, 4, 3 (none on the 26th); OMED 7.5 mg over the 6 days
    # with records (the 26th has none: unknown, left out, not 0 mg).
    w1 = [7, 6, 4, 3, 4, 3]
    assert weeks[1]["worst"] == round(sum(w1) / 6, 2) and weeks[1]["days_with_worst"] == 6
    assert weeks[1]["omed"] == round(7.5 / 6, 2)
    assert whole(sum(w1) / 6) - bw == 1  # pain up by 1 with OMED up from 0: progression
    assert weeks[1]["result"] == "progression"
    # week 2 = 28 Oct-3 Nov: worst 2 on three days, no dose: down 2 with OMED stable.
    assert weeks[2]["worst"] == 2 and weeks[2]["result"] == "partial response"
    # week 4 = 11-17 Nov: worst 0 on three days: complete.
    assert weeks[4]["result"] == "complete response" and weeks[4]["days_with_worst"] == 3
    # weeks 8 (15 Dec) and 12 are after the period's last day (27 Nov)
    assert weeks[8]["result"] == weeks[12]["result"] == "not yet"
    assert resp["value"] == "complete response" and resp["level"] == "alert"
    assert "week 2 (3 Nov) partial response" in resp["text"] and "Chow et al. 2002" in resp["text"]

    md = markdown(run, tmp_path, "2026-10-21", "2026-11-28")
    assert ("- Radiation pain flare: Radiation to spine 8 Gy, session 20 Oct 2026, flare window 21 Oct 2026 "
            "to 30 Oct 2026: flare on 21 Oct") in md
    assert "back to baseline 24 Oct 2026" in md
    assert "week 4 (17 Nov) complete response" in md


def test_missing_baseline_says_which_data(run):
    run("plan", "add", "Radiation to hip", "--category", "radiation", "--on", "2026-11-10", "--start", "2026-11-01")
    run("log", "5", "--at", "2026-11-05T12:00")
    run("log", "5", "--at", "2026-11-08T12:00")
    run("plan", "done", "Radiation to hip", "--at", "2026-11-10T09:00")
    for d in range(11, 25):
        run("log", "3", "--at", f"2026-11-{d}T12:00")
    m = metrics(run, "2026-11-10", "2026-11-28")
    assert m["radiation-flare"]["value"] == "not enough data"
    assert "2 of 7 days before the first session" in m["radiation-flare"]["text"]
    weeks = m["radiation-response"]["details"]["courses"][0]["weeks"]
    assert weeks[0]["result"] == "not enough data" and "baseline worst pain (2 of 7 days)" in weeks[0]["missing"]


def test_end_of_dose_and_insights_by_hand(run, tmp_path):
    run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--times", "08:00,20:00",
        "--start", "2026-11-01")
    run("plan", "add", "Oxycodone IR", "--dose", "5", "--unit", "mg", "--as-needed", "--start", "2026-11-01")
    # Six episodes over 2-4 Nov; in the 2 h before 08:00 or 20:00: 07:00, 19:30, 06:30 (3 of 6).
    onsets = [("2026-11-02T07:00", "walking", 7), ("2026-11-02T19:30", "walking", 8),
              ("2026-11-03T12:00", "walking", 6), ("2026-11-03T06:30", "coughing", 6),
              ("2026-11-04T05:30", None, 5), ("2026-11-04T21:00", None, 5)]
    for at, trig, peak in onsets:
        run("episode", str(peak), "--at", at, "--duration", "20", *(["--trigger", trig] if trig else []))
    # Three rescue doses at 10:30 with an entry at 10:00 before and at 11:30 after.
    pairs = [(7, 4), (8, 5), (6, 4)]
    for i, (before, after) in enumerate(pairs):
        day = f"2026-11-0{2 + i}"
        run("log", str(before), "--at", f"{day}T10:00", "--better", "heat pad", "--activity", "walking")
        run("plan", "done", "Oxycodone", "--at", f"{day}T10:30")
        run("log", str(after), "--at", f"{day}T11:30", "--activity", "sitting")
    m = metrics(run, "2026-11-02", "2026-11-05")
    eod = m["end-of-dose"]
    ms = eod["details"]["items"][0]
    # chance: 2 h before each of two doses a day = 4 h of 24 h over the 3 days
    assert ms["item"] == "Morphine SR" and ms["before_dose"] == 3 and ms["episodes"] == 6
    assert eod["value"] == 50.0 and ms["expected_pct"] == round(100 * 12 / 72, 1)
    assert ms["doses_due"] == 6 and ms["interval_h"] == 12
    assert eod["level"] == "watch"  # 50 % is more than twice 16.7 %
    assert "Morphine SR: 3 of 6 episodes (50 %) began in the 2 h before a dose" in eod["text"]

    d = m["insights"]["details"]
    drops = [b - a for b, a in pairs]
    assert d["rescue"]["n"] == 3 and d["rescue"]["mean_drop"] == round(sum(drops) / 3, 2)
    assert d["rescue"]["before"] == round(sum(p[0] for p in pairs) / 3, 2)
    assert d["helps"][0] == {"name": "heat pad", "n": 3, "mean": round(sum(drops) / 3, 2), "enough": True,
                             "change": round(sum(drops) / 3, 2), "lower": True}
    trig = {t["name"]: t for t in d["triggers"]}
    assert trig["walking"]["n"] == 3 and trig["walking"]["mean"] == round((7 + 8 + 6) / 3, 2)
    assert trig["coughing"]["mean"] is None and not trig["coughing"]["enough"]
    hours = {h["hour"]: h for h in d["by_hour"]}
    assert hours[10]["n"] == 3 and hours[10]["mean"] == round(21 / 3, 2)
    assert hours[11]["mean"] == round(13 / 3, 2) and hours[12]["mean"] is None
    assert d["activities"][0]["name"] in ("walking", "sitting") and d["activities"][0]["n"] == 3
    bt = m["breakthrough"]["details"]
    assert bt["n"] == 6 and bt["per_day"] == 2.0 and bt["trigger_pct"] == round(100 * 4 / 6, 1)
    # at night (22:00-06:00): only 05:30
    assert bt["at_night"] == 1
    md = markdown(run, tmp_path, "2026-11-02", "2026-11-05")
    assert "3 of 6 episodes (50 %)" in md and "after heat pad, pain" in md


def test_rescue_relief_reads_the_same_figure_in_the_insights_and_the_breakthrough_profile(fixed_env, tmp_path):
    """Issue 19, item 11: the insights view said "too little data (n=0)" for rescue relief while
    M's breakthrough profile said n=8: two figures under one name. Now one (figures/episodes.py)."""
    from datetime import datetime, timezone

    from painboard.config import Settings
    from painboard.services import Painboard
    from painboard.tui.screens.insights import insight_lines

    pb = Painboard(Settings.load(db=tmp_path / "r.db"))
    # the clock: fixed_env's, Saturday 28 November 2026 14:05
    pb.add_plan_item(name="Oxycodone IR", dose=5, unit="mg", kind="as_needed", category="medication")
    # three episodes with the rescue dose linked and a relief time (20, 40, 30 min); no pain
    # scores around the doses, so the before/after figure has none (n=0 of 3 doses).
    for day, relief in ((24, 20), (25, 40), (26, 30)):
        ep = pb.record_episode(peak=7, onset=datetime(2026, 11, day, 10, tzinfo=timezone.utc),
                               duration_min=45, rescue_item="Oxycodone")
        pb.edit_record("episode", ep.id, {"relief": str(relief)})
    res = {r.name: r for r in pb.compute_metrics(date(2026, 11, 22), date(2026, 11, 29))}
    relief = res["insights"].details["rescue_relief"]
    assert relief == {"n": 3, "median_min": 30}
    assert res["breakthrough"].details["relief_n"] == 3
    assert "relief a median 30 min after a rescue dose (n=3)" in res["breakthrough"].text
    assert "relief a median 30 min after a rescue dose (n=3)" in res["insights"].text
    lines = insight_lines(res["insights"].model_dump())
    assert "rescue dose: relief a median 30 min after (n=3)" in lines
    assert "  pain scores before and after: too little data (0 of 3 doses)" in lines
