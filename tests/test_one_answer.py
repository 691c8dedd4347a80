"""Issue 18: one answer for each figure. Each test builds a small scenario through the real CLI
(or the services the dashboard reads through), with the expected figures counted by hand in a
comment beside it, and reads them back from every face that shows them: the dashboard's
snapshot (Today, the checklist, the metric tiles), `painboard metrics --json`, and the
Markdown and HTML visit reports. The clock is Saturday 28 Nov 2026 14:05 in London (GMT)."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from painboard import models
from painboard.config import Settings
from painboard.services import Painboard

from tests.conftest import metrics_of

pytestmark = pytest.mark.usefixtures("fixed_env")


def export(cli_ok, fmt: str, since: str, until: str) -> str:
    return cli_ok("export", fmt, "-o", "-", "--since", since, "--until", until).stdout


def markers_md(md: str) -> str:
    return md.split("## Worth raising with your care team", 1)[1]


def markers_html(page: str) -> str:
    return page.split('id="markers"', 1)[1].split("</section>", 1)[0]


# -- 1. a day's worst includes its breakthrough peaks ------------------------------------------
def test_worst_includes_episode_peaks_on_every_face(cli_ok, db_path):
    cli_ok("log", "6", "--at", "2026-11-28T09:00")
    cli_ok("episode", "8", "--at", "2026-11-28T11:00", "--duration", "20")
    # by hand: entries 6; episode peak 8 -> the day's worst max(6, 8) = 8, a severe day (>= 7);
    # least and average come from the entries only: 6 and 6.0
    snap = Painboard(Settings.load(db=db_path)).snapshot(range_days=7, metrics=False)
    assert snap.today.worst == 8 and snap.today.average == 6.0
    assert {d["day"]: d["worst"] for d in snap.trend.days}[date(2026, 11, 28)] == 8
    m = metrics_of(cli_ok, "2026-11-28", "2026-11-29")
    assert m["worst-pain"]["value"] == 8 and m["least-pain"]["value"] == 6
    assert m["average-pain"]["value"] == 6.0
    md = export(cli_ok, "markdown", "2026-11-28", "2026-11-29")
    assert "average 6.0, worst 8, least 6." in md
    assert "Days with worst pain 7 or more (severe): 1 of 1." in md
    page = export(cli_ok, "html", "2026-11-28", "2026-11-29")
    assert "average 6.0, worst 8, least 6." in page
    assert "(severe): 1 of 1." in page


# -- 2. the review's prefill covers the last 24 h, the open episode included ---------------------
def test_review_prefill_is_the_last_24_hours(cli_ok, db_path, monkeypatch):
    at = datetime(2026, 11, 29, 2, 18, tzinfo=timezone.utc)  # 02:18 GMT the next night
    monkeypatch.setenv("PAINBOARD_NOW", at.isoformat())
    models.freeze_clock(at)
    cli_ok("log", "9", "--at", "2026-11-28T01:00")   # 25 h 18 min before the answer: outside
    cli_ok("log", "7", "--at", "2026-11-28T22:05")   # yesterday evening: inside
    cli_ok("log", "3", "--at", "2026-11-29T01:30")
    pb = Painboard(Settings.load(db=db_path))
    pb.start_episode(8, onset=datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc))  # still open
    # by hand over 28 Nov 02:18 .. 29 Nov 02:18: entries 7 and 3, the open episode's peak 8:
    # worst max(7, 3, 8) = 8; least min(7, 3) = 3 (a peak is not a least); average (7+3)/2 = 5;
    # now = the latest entry, 3. Since midnight would give 3, 3, 3.
    pre = pb.review_prefill()
    assert pre["day"] == date(2026, 11, 29)
    assert (pre["worst"], pre["least"], pre["average"], pre["now"]) == (8, 3, 5, 3)
    # the command line's `review --yes` takes the same suggestions and saves them
    cli_ok("review", "--yes")
    saved = pb.review_prefill()
    assert (saved["worst"], saved["least"], saved["average"], saved["now"]) == (8, 3, 5, 3)


# -- 3. each rescue item against its own cap, on the days it is active ----------------------------
def rescue_plan(cli_ok):
    cli_ok("plan", "add", "Oramorph", "--dose", "5", "--unit", "ml", "--strength", "10 mg/5 ml",
        "--as-needed", "--max-per-day", "6", "--start", "2026-11-01", "--end", "2026-11-20")
    cli_ok("plan", "add", "Oxycodone IR", "--dose", "5", "--unit", "mg", "--as-needed",
        "--max-per-day", "4", "--start", "2026-11-21")
    for h in (8, 10, 12, 14, 16):
        cli_ok("plan", "done", "Oramorph", "--at", f"2026-11-20T{h:02d}:00")
    for h in (9, 12):
        cli_ok("plan", "done", "Oxycodone IR", "--at", f"2026-11-28T{h:02d}:00")


def test_rescue_cap_per_item_and_only_while_active(cli_ok, db_path, cli_story):
    cli_story(rescue_plan)
    # by hand, today 28 Nov: Oramorph ended 20 Nov (not active), Oxycodone IR 2 doses of its
    # own cap 4 -> "2 of 4 today"; never 6 + 4 = 10
    snap = Painboard(Settings.load(db=db_path)).snapshot(range_days=7, metrics=False)
    assert [(r["item"], r["n"], r["cap"]) for r in snap.today.rescue_items] == [("Oxycodone IR 5 mg", 2, 4)]
    assert snap.today.rescue_doses == 2
    m = metrics_of(cli_ok, "2026-11-22", "2026-11-29")["rescue-doses-today"]
    assert m["value"] == 2 and "Oxycodone IR 5 mg 2 of 4 today" in m["text"] and "of 10" not in m["text"]
    # a week ending 20 Nov: Oramorph 5 of its 6; Oxycodone IR had not started -> not named
    m = metrics_of(cli_ok, "2026-11-14", "2026-11-21")["rescue-doses-today"]
    assert "Oramorph 5 ml 5 of 6 on 2026-11-20" in m["text"] and "Oxycodone" not in m["text"]
    assert "of 10" not in m["text"]


# -- 4 and 5. radiation baseline over recorded days; one recorded day makes a week ---------------
def radiation_story(cli_ok):
    cli_ok("plan", "add", "Morphine MR", "--dose", "75", "--unit", "mg", "--times", "08:00", "--start", "2026-10-01")
    cli_ok("plan", "add", "Radiation to spine", "--category", "radiation", "--dose", "8", "--unit", "Gy",
        "--on", "2026-10-20", "--start", "2026-10-01")
    cli_ok("plan", "done", "Radiation to spine", "--at", "2026-10-20T10:00")
    for day, worst in (("10-17", 5), ("10-18", 5), ("10-19", 5), ("10-21", 5), ("10-22", 7), ("10-23", 5),
                       ("11-01", 3)):
        cli_ok("log", str(worst), "--at", f"2026-{day}T12:00")
        cli_ok("plan", "done", "Morphine MR", "--at", f"2026-{day}T08:00")


def test_radiation_baseline_leaves_out_days_with_no_record(cli_ok, cli_story):
    cli_story(radiation_story)
    # by hand: baseline 13-19 Oct has records on 17, 18, 19 Oct only: worst (5+5+5)/3 = 5,
    # OMED (75+75+75)/3 = 75 mg (not 225/7 = 32.1). 21 Oct: worst 5, 75 mg stable -> no flare;
    # 22 Oct: worst 7 (+2), OMED stable -> flare; 23 Oct: worst 5, 75 mg -> back to baseline.
    f = metrics_of(cli_ok, "2026-10-13", "2026-11-29")["radiation-flare"]
    c = f["details"]["courses"][0]
    assert c["baseline"]["omed"] == 75.0 and c["baseline"]["worst"] == 5.0 and c["baseline"]["days_with_worst"] == 3
    assert c["flare_days"] == ["2026-10-22"] and c["returned_on"] == "2026-10-23"
    assert f["value"] == "flare" and f["level"] == "watch"
    assert "possible progression" not in f["text"]


def test_radiation_response_one_recorded_day_is_enough(cli_ok, cli_story):
    cli_story(radiation_story)
    # by hand: week 1 ends 27 Oct (21-27 Oct): worst (5+7+5)/3 = 5.67 -> 6 (+1), OMED 75 stable
    # -> indeterminate; week 2 ends 3 Nov (28 Oct-3 Nov): one day, 1 Nov, worst 3 (-2), OMED 75
    # stable -> partial response; week 4 (11-17 Nov) has no record -> not enough data
    r = metrics_of(cli_ok, "2026-10-13", "2026-11-29")["radiation-response"]
    weeks = {w["week"]: w for w in r["details"]["courses"][0]["weeks"]}
    assert weeks[1]["result"] == "indeterminate" and weeks[1]["omed"] == 75.0
    assert weeks[2]["result"] == "partial response"
    assert (weeks[2]["worst"], weeks[2]["omed"], weeks[2]["days_with_worst"]) == (3.0, 75.0, 1)
    assert weeks[4]["result"] == "not enough data"


# -- 6. end-of-dose per long-acting item against its own interval --------------------------------
def end_of_dose_story(cli_ok):
    cli_ok("plan", "add", "OxyContin", "--dose", "10", "--unit", "mg", "--times", "08:00,20:00",
        "--start", "2026-11-01")
    cli_ok("plan", "add", "Fentanyl patch", "--dose", "25", "--unit", "mcg/h",
        "--rrule", "FREQ=DAILY;INTERVAL=3;BYHOUR=9", "--start", "2026-11-21")
    for at in ("21T07:00", "22T19:30", "23T12:00", "24T06:30", "25T14:00", "26T10:00", "27T12:00"):
        cli_ok("episode", "6", "--at", f"2026-11-{at}", "--duration", "30")


def test_end_of_dose_per_item_against_its_own_interval(cli_ok, cli_story):
    cli_story(end_of_dose_story)
    # by hand, period 21-27 Nov (168 h):
    # OxyContin every 12 h, window 2 h before 08:00 and 20:00: 21 07:00, 22 19:30, 24 06:30 in
    #   a window -> 3 of 7 = 42.9 %; by chance 4 h a day of 24 = 16.7 %; 42.9 >= 2 x 16.7 -> watch
    # Fentanyl patch, changed every 72 h at 09:00 from 21 Nov 09:00: window the 24 h before a
    #   change (23 09:00-24 09:00, 26 09:00-27 09:00); its episodes are those from 21 Nov 09:00
    #   (6: 21 07:00 is before it): 23 12:00, 24 06:30, 26 10:00 -> 3 of 6 = 50 %; by chance
    #   48 h of 159 h = 30.2 %
    m = metrics_of(cli_ok, "2026-11-21", "2026-11-28")["end-of-dose"]
    items = {i["item"]: i for i in m["details"]["items"]}
    oxy, patch = items["OxyContin"], items["Fentanyl patch"]
    assert (oxy["before_dose"], oxy["episodes"], oxy["pct"], oxy["expected_pct"]) == (3, 7, 42.9, 16.7)
    assert (oxy["window_h"], oxy["interval_h"]) == (2, 12)
    assert (patch["before_dose"], patch["episodes"], patch["pct"], patch["expected_pct"]) == (3, 6, 50.0, 30.2)
    assert (patch["window_h"], patch["interval_h"]) == (24, 72)
    assert m["level"] == "watch"
    assert "OxyContin: 3 of 7 episodes (42.9 %) began in the 2 h before a dose; by chance 16.7 %" in m["text"]
    assert "Fentanyl patch: 3 of 6 episodes (50 %) began in the 24 h before a change; by chance 30.2 %" in m["text"]


def test_end_of_dose_names_only_items_active_in_the_period(cli_ok, cli_story):
    cli_story(end_of_dose_story)
    # the patch starts 21 Nov: a week of 10-16 Nov knows only OxyContin
    m = metrics_of(cli_ok, "2026-11-10", "2026-11-17")["end-of-dose"]
    assert "Fentanyl" not in m["text"] and [i["item"] for i in m["details"]["items"]] == ["OxyContin"]


# -- 7. a skipped bone-agent dose shows, with the next due date as of the report's end -----------
def test_skipped_bone_agent_dose_shows_on_every_face(cli_ok, db_path):
    cli_ok("plan", "add", "Zoledronic acid", "--category", "bone_strengthening", "--dose", "4", "--unit", "mg",
        "--route", "iv", "--every-weeks", "4", "--start", "2026-10-01")
    cli_ok("plan", "done", "Zoledronic acid", "--at", "2026-10-01T10:00")
    cli_ok("plan", "done", "Zoledronic acid", "--at", "2026-10-29T10:00", "--skipped")
    # by hand: last given 1 Oct -> next due 1 Oct + 28 days = 29 Oct, skipped that day; as of the
    # report's end 14 Nov: overdue by 16 days; as of today 28 Nov: overdue by 30 days
    m = metrics_of(cli_ok, "2026-11-01", "2026-11-15")["bone-agent"]
    assert m["value"] == -16
    assert "overdue by 16 days" in m["text"] and "skipped 29 Oct 2026" in m["text"]
    for fmt in ("markdown", "html"):
        text = export(cli_ok, fmt, "2026-11-01", "2026-11-15")
        assert "Zoledronic acid 4 mg: overdue by 16 days (due 29 Oct 2026; skipped 29 Oct 2026; " \
               "last given 1 Oct 2026)" in text, fmt
    snap = Painboard(Settings.load(db=db_path)).snapshot(range_days=7, metrics=False)
    line = [c for c in snap.checklist if c.label.startswith("Zoledronic")][0]
    assert line.text == "Zoledronic acid 4 mg, overdue by 30 days (skipped 29 Oct)"


# -- 8. the reports agree with themselves ---------------------------------------------------------
def test_worth_raising_box_holds_everything_flagged_above_it(cli_ok, cli_story):
    cli_story(end_of_dose_story)
    cli_ok("log", "8", "--at", "2026-11-27T18:00")
    # flagged above the box: worst pain 8 (severe, alert) and end-of-dose OxyContin 42.9 % vs
    # 16.7 % by chance ("worth raising")
    md = export(cli_ok, "markdown", "2026-11-21", "2026-11-28")
    page = export(cli_ok, "html", "2026-11-21", "2026-11-28")
    assert "End-of-dose timing" in markers_md(md) and "Worst pain" in markers_md(md)
    assert "End-of-dose timing" in markers_html(page) and "Worst pain" in markers_html(page)
    assert 'data-metric="end-of-dose"' in page


def test_period_report_says_no_today_and_lists_only_its_plan(cli_ok, cli_story):
    cli_story(rescue_plan)
    cli_ok("plan", "add", "Radiation to rib", "--category", "radiation", "--dose", "8", "--unit", "Gy",
        "--on", "2026-11-26", "--start", "2026-11-25")
    # a 30-day report ending today: its figures are the period's, never "today"
    for fmt in ("markdown", "html"):
        text = export(cli_ok, fmt, "2026-10-30", "2026-11-29")
        assert not re.search(r"\btoday\b", text, re.I), fmt
    # a report of 1-14 Nov: the rib course (from 25 Nov) and Oxycodone IR (from 21 Nov) are not in it
    for fmt in ("markdown", "html"):
        text = export(cli_ok, fmt, "2026-11-01", "2026-11-15")
        assert "Radiation to rib" not in text and "Oxycodone" not in text, fmt


def test_flare_text_names_the_flares_own_dates(cli_ok, cli_story):
    cli_story(radiation_story)
    # the course's flare window is 21-30 Oct (the day after the session to 10 days after it)
    f = metrics_of(cli_ok, "2026-11-01", "2026-11-29")["radiation-flare"]
    assert "flare window 21 Oct 2026 to 30 Oct 2026" in f["text"]
    assert "Period 1 Nov" not in f["text"]


def test_one_statistic_and_one_rounding_for_daily_omed_and_average(cli_ok, db_path):
    cli_ok("plan", "add", "Oxycodone IR", "--dose", "5", "--unit", "mg", "--as-needed", "--max-per-day", "4",
        "--start", "2026-11-01")
    cli_ok("plan", "done", "Oxycodone IR", "--at", "2026-11-26T09:00")
    cli_ok("plan", "done", "Oxycodone IR", "--at", "2026-11-27T09:00")
    cli_ok("plan", "done", "Oxycodone IR", "--at", "2026-11-27T15:00")
    for v, h in ((4, 8), (4, 10), (4, 12), (5, 13)):
        cli_ok("log", str(v), "--at", f"2026-11-28T{h:02d}:00")
    # by hand: 5 mg x 1.5 = 7.5 mg a dose; 26 Nov 7.5, 27 Nov 15 -> mean 11.25, shown half up
    # 11.3 (half to even would give 11.2), range 7.5 to 15, on 2 of 7 days.
    # pain 28 Nov: (4+4+4+5)/4 = 4.25 -> 4.3 half up (4.2 half to even)
    m = metrics_of(cli_ok, "2026-11-22", "2026-11-29")
    assert m["omed"]["value"] == 11.3
    assert m["omed"]["text"].startswith("mean 11.3 mg a day on 2 of 7 days (range 7.5 to 15)")
    assert m["average-pain"]["value"] == 4.3
    snap = Painboard(Settings.load(db=db_path)).snapshot(range_days=7)
    assert snap.today.average == 4.3
    assert {x.name: x.value for x in snap.metrics}["omed"] == 11.3
    for fmt in ("markdown", "html"):
        text = export(cli_ok, fmt, "2026-11-22", "2026-11-29")
        assert "mean 11.3 mg a day on 2 of 7 days (range 7.5 to 15)" in text, fmt
        assert "average 4.3," in text, fmt
