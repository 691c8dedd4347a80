"""The HTML visit report: escaped, self-contained, the summary's figures, and a real browser.

The browser tests drive Chromium from the distribution's packages (installed by .ci/run):
the page renders its chart and figures, asks for nothing over the network, and prints to
the expected number of pages.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from painboard.cli import cli

from .conftest import make_pb

BERLIN = ZoneInfo("Europe/Berlin")
EVIL = '<img src=x onerror="alert(1)">'
CHROMIUM = shutil.which("chromium")


def export(pb, out: Path, *args: str) -> CliRunner:
    r = CliRunner().invoke(cli, ["--db", str(pb.db.path), "export", "html", "-o", str(out), *args])
    return r


def at(d: date, h: int, m: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, h, m, tzinfo=BERLIN).astimezone(timezone.utc)


def assert_self_contained(text: str) -> None:
    """Nothing in the file could make a browser fetch anything: the tags and the style sheet.

    (Text from the log is escaped, so it holds no tag; it may say "src=" as words.)"""
    assert text.count("<style>") == 1
    low = (" ".join(re.findall(r"<[^>]*>", text)) + re.search(r"<style>(.*?)</style>", text, re.S).group(1)).lower()
    for bad in ("http:", "https:", "//", "url(", "@import", "<script", "<link", "<iframe", "<object",
                "<embed", "<img", "src=", "srcset", "href=", "xlink"):
        assert bad not in low, f"{bad!r} in the report"


def visible_text(text: str) -> str:
    body = re.sub(r"<style>.*?</style>|<title>.*?</title>", "", text, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def small_pb(tmp_path, built_once):
    """Five days in November 2026 with entries, episodes, a plan, notes and questions: written
    once, copied for each test."""
    built_once("html-report-small", tmp_path / "p.db", lambda path: _five_days(make_pb(path.parent, path.name)))
    return make_pb(tmp_path)


def _five_days(pb):
    d0 = date(2026, 11, 20)
    pb.add_plan_item(name="Morphine SR", dose=30, unit="mg", route="oral", kind="scheduled",
                     rrule="FREQ=DAILY;BYHOUR=8,20;BYMINUTE=0", start_date=d0)
    rad = pb.add_plan_item(name="Radiation to left hip", category="radiation", dose=8, unit="Gy",
                           kind="once", on_date=d0 + timedelta(days=2), start_date=d0)
    scores = {0: [6, 8], 1: [5], 2: [7, 9, 4], 4: [3, 5]}  # day 3 has no entry
    for day, vals in scores.items():
        for j, v in enumerate(vals):
            pb.log_pain(intensity=v, occurred_at=at(d0 + timedelta(days=day), 9 + 3 * j), sites=["left hip"])
    pb.log_pain(intensity=4, occurred_at=at(d0, 18), note=EVIL)
    pb.log_pain(intensity=4, occurred_at=at(d0 + timedelta(days=1), 18), note="? Can the block be repeated")
    pb.log_pain(intensity=4, occurred_at=at(d0 + timedelta(days=4), 18), note="Q: <b>sleep</b> tablets & pain")
    pb.record_episode(8, onset=at(d0, 15), duration_min=20, trigger="walking")
    pb.record_episode(9, onset=at(d0 + timedelta(days=2), 16), duration_min=30, trigger=EVIL)
    pb.mark_done(rad.id, at=at(d0 + timedelta(days=2), 10), due_at=at(d0 + timedelta(days=2), 0))
    pb.mark_done("morphine", at=at(d0, 8, 10), due_at=at(d0, 8))
    pb.save_review(day=d0 + timedelta(days=1), worst=8, average=5, note="slept badly")
    return pb


def test_report_escapes_text_and_collects_questions(small_pb, tmp_path):
    qfile = tmp_path / "q.txt"
    qfile.write_text("# my list\n\nCould the dose time move?\n<script>x</script> question\n")
    out = tmp_path / "visit.html"
    r = export(small_pb, out, "--since", "2026-11-20", "--until", "2026-11-25", "-O", f"questions={qfile}")
    assert r.exit_code == 0, r.output
    assert out.stat().st_mode & 0o777 == 0o600
    text = out.read_text()
    assert_self_contained(text)
    assert "<b>" not in text and "<script>" not in text.lower()
    assert html.escape(EVIL) in text  # the note and the trigger, inert
    qs = re.search(r'<section id="questions">(.*?)</section>', text, re.S).group(1)
    items = [html.unescape(x) for x in re.findall(r"<li[^>]*>(.*?)</li>", qs)]
    assert items == ["Can the block be repeated", "<b>sleep</b> tablets & pain",
                     "Could the dose time move?", "<script>x</script> question"]
    notes = re.search(r'<section id="notes">(.*?)</section>', text, re.S).group(1)
    assert "Can the block" not in notes and "slept badly" in notes and html.escape(EVIL) in notes
    # The radiation course and its session, done on the day.
    rad = re.search(r'<section id="radiation">(.*?)</section>', text, re.S).group(1)
    assert "Radiation to left hip 8 Gy" in rad and "Sun 22 Nov 2026: done" in rad
    for word in ("increase the", "reduce the", "you should", "we recommend", "take more"):
        assert word not in text.lower()


def test_chart_draws_each_day_episode_and_plan_event(small_pb, tmp_path):
    out = tmp_path / "visit.html"
    assert export(small_pb, out, "--since", "2026-11-20", "--until", "2026-11-25").exit_code == 0
    svg = re.search(r"<svg .*?</svg>", out.read_text(), re.S).group(0)
    # Days 0, 1 and 2 joined, day 3 a gap, day 4 alone: one line of 3 points and one dot.
    lines = re.findall(r'<polyline class="avg" points="([^"]+)"', svg)
    assert [len(p.split()) for p in lines] == [3]
    assert len(re.findall(r'<circle class="avg dot"', svg)) == 1
    # The average of day 0 (6, 8, 4) is 6.0: y = top + height * (1 - 6/10).
    from painboard.builtin.html_report import BOTTOM, H, TOP
    y0 = float(lines[0].split()[0].split(",")[1])
    assert y0 == pytest.approx(TOP + (H - TOP - BOTTOM) * (1 - 6 / 10), abs=0.06)
    assert svg.count('class="episode"') == 2
    assert len(re.findall(r'<g class="mark radiation">', svg)) == 1


def test_figures_are_the_summarys_and_the_metrics(demo_pb, tmp_path):
    args = ["--since", "2026-11-10", "--until", "2026-11-29"]
    assert export(demo_pb, tmp_path / "v.html", *args).exit_code == 0
    r = CliRunner().invoke(cli, ["--db", str(demo_pb.db.path), "export", "markdown", "-o", str(tmp_path / "v.md"), *args])
    assert r.exit_code == 0
    page = " ".join(visible_text((tmp_path / "v.html").read_text()).split())
    md = (tmp_path / "v.md").read_text().splitlines()
    # Every figure line of the Markdown summary's pain, breakthrough and plan sections shows
    # (the metrics' own section after them is checked against the metrics below).
    md_all = md
    md = md[:md.index("## Breakthrough timing, radiation and insights")] + md[md.index("## Notes"):]
    wanted = [ln[2:] for ln in md if ln.startswith("- ") and any(
        k in ln for k in ("ratings on", "Trend of", "severe", "Nights with", "episodes (", "By type",
                          "Rescue doses taken", "Scheduled medication", "morphine equivalents"))]
    assert len(wanted) >= 8
    for ln in wanted:
        assert ln in page, ln
    for ln in md[md.index("## Worth raising with your care team") + 2:]:
        if ln.startswith("- "):
            assert ln[2:] in page
    # And the built-in metrics over the same period, each in its place.
    metrics = json.loads(CliRunner().invoke(cli, ["--db", str(demo_pb.db.path), "metrics", "--json", *args]).stdout)
    text = (tmp_path / "v.html").read_text()
    from painboard.builtin._visit import md_text
    from painboard.builtin.html_report import LONG_METRICS, RADIATION_METRICS

    for m in metrics:
        if "report" not in m["shown"]:  # a period report shows no "today" figure (rescue-doses-today)
            assert f'data-metric="{m["name"]}"' not in text
            continue
        if m["name"] in LONG_METRICS + RADIATION_METRICS:  # the Markdown and radiation sections hold them
            assert m["name"] not in LONG_METRICS or f"- {md_text(m['label'])}: {md_text(m['text'])}" in md_all
            continue
        got = re.search(rf'data-metric="{m["name"]}">(.*?)</dd>', text).group(1)
        assert html.unescape(got).startswith(m["text"])


def test_bad_options_write_nothing(small_pb, tmp_path):
    for opt, field in (("paper=a5", "paper"), (f"questions={tmp_path / 'none.txt'}", "questions")):
        out = tmp_path / "v.html"
        r = export(small_pb, out, "-O", opt)
        assert r.exit_code == 2 and field in r.stderr and not out.exists(), r.output


# -- in a real browser ---------------------------------------------------------------------
def chromium(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-default-apps", "--no-pdf-header-footer",
           f"--user-data-dir={profile}", *args,
           page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def pdf_pages(path: Path) -> tuple[int, tuple[float, float]]:
    from pypdf import PdfReader

    r = PdfReader(str(path))
    box = r.pages[0].mediabox
    return len(r.pages), (round(float(box.width)), round(float(box.height)))


browser = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")


@pytest.mark.system
@browser
def test_browser_renders_chart_and_figures_and_fetches_nothing(small_pb, tmp_path):
    out = tmp_path / "visit.html"
    assert export(small_pb, out, "--since", "2026-11-20", "--until", "2026-11-25").exit_code == 0
    netlog = tmp_path / "net.json"
    p = chromium(tmp_path, out, "--dump-dom", f"--log-net-log={netlog}", "--net-log-capture-mode=Everything")
    dom = p.stdout
    assert "<svg" in dom and 'class="chart"' in dom and '<polyline class="avg"' in dom, p.stderr[-2000:]
    assert "Scheduled medication doses: 1 of " in dom and 'data-metric="average-pain"' in dom
    assert '&lt;img src=x onerror="alert(1)"&gt;' in dom  # the note, as text
    # The DOM the browser built holds no element that loads anything.
    assert not re.search(r"<(img|script|link|iframe|object|embed|video|audio|source)\b", dom, re.I)
    # The network log: no request the page started (the browser's own update and clock checks
    # are started by the browser process, "not an origin", and are not the page's doing).
    assert page_requests(netlog) == []
    # The check can fail: a page with an image to fetch is caught.
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><p>x</p><img src="http://127.0.0.1:9/x.png">')
    chromium(tmp_path, bad, "--dump-dom", f"--log-net-log={tmp_path / 'bad.json'}",
             "--net-log-capture-mode=Everything")
    assert page_requests(tmp_path / "bad.json") == ["http://127.0.0.1:9/x.png"]


def page_requests(netlog: Path) -> list[str]:
    """URLs other than file: and data: that a page (not the browser itself) asked for."""
    log = json.loads(netlog.read_text())
    types = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    out = []
    for ev in log["events"]:
        p = ev.get("params") or {}
        # the job's start (its end event carries only the result)
        if types.get(ev["type"]) == "URL_REQUEST_START_JOB" and "url" in p \
                and p.get("initiator") != "not an origin" and not p["url"].startswith(("file:", "data:")):
            out.append(p["url"])
    return sorted(set(out))


@pytest.mark.system
@browser
def test_prints_on_two_pages_and_one_without_the_talk_part(demo_pb, pb, tmp_path):
    # 30 days of the demo story: page 1 the figures, page 2 radiation, notes (and questions).
    for paper, size in (("letter", (612, 792)), ("a4", (595, 842))):
        out = tmp_path / f"demo-{paper}.html"
        assert export(demo_pb, out, "-O", f"paper={paper}").exit_code == 0
        p = chromium(tmp_path, out, f"--print-to-pdf={tmp_path / f'demo-{paper}.pdf'}")
        assert pdf_pages(tmp_path / f"demo-{paper}.pdf") == (2, size), p.stderr[-2000:]
    # No radiation, notes or questions: one page (the browser's default paper).
    for d in range(7):
        pb.log_pain(intensity=3 + d % 4, occurred_at=at(date(2026, 11, 21) + timedelta(days=d), 9))
    out = tmp_path / "plain.html"
    assert export(pb, out, "--since", "2026-11-21", "--until", "2026-11-28").exit_code == 0
    chromium(tmp_path, out, f"--print-to-pdf={tmp_path / 'plain.pdf'}")
    assert pdf_pages(tmp_path / "plain.pdf")[0] == 1


@pytest.mark.system
@browser
def test_long_notes_and_many_questions_still_print_on_two_pages(small_pb, tmp_path):
    d0 = date(2026, 11, 20)
    for i in range(40):
        small_pb.log_pain(intensity=5, occurred_at=at(d0 + timedelta(days=i % 5), 7, i),
                          note=("Q: " if i % 2 else "") + f"long note {i} " + "word " * 400)
    qfile = tmp_path / "q.txt"
    qfile.write_text("\n".join(f"question {i} " + "why " * 80 for i in range(60)))
    out = tmp_path / "long.html"
    assert export(small_pb, out, "--since", "2026-11-20", "--until", "2026-11-25",
                  "-O", f"questions={qfile}", "-O", "paper=letter").exit_code == 0
    text = out.read_text()
    assert "The latest 12 of" in text and "more questions are not shown" in text
    chromium(tmp_path, out, f"--print-to-pdf={tmp_path / 'long.pdf'}")
    assert pdf_pages(tmp_path / "long.pdf") == (2, (612, 792))


def test_the_report_lists_the_radiation_courses_the_figures_assess(small_pb, tmp_path):
    # Issue 18: radiation_courses was written twice with different rules. One home now
    # (figures/radiation.py, the metric's rules): a course is a radiation item with a session
    # done whose baseline, sessions or 12 response weeks overlap the period. A second item
    # planned for after the period, with nothing done yet, is not a course of this period
    # (the HTML used to list it as "planned" beside metrics that knew nothing of it).
    small_pb.add_plan_item(name="Radiation to spine", category="radiation", dose=20, unit="Gy",
                           kind="once", on_date=date(2027, 1, 15), start_date=date(2026, 11, 20))
    out = tmp_path / "visit.html"
    r = export(small_pb, out, "--since", "2026-11-20", "--until", "2026-11-25")
    assert r.exit_code == 0, r.output
    rad = re.search(r'<section id="radiation">(.*?)</section>', out.read_text(), re.S).group(1)
    assert "Radiation to left hip 8 Gy" in rad and "Radiation to spine" not in rad
    r = CliRunner().invoke(cli, ["--db", str(small_pb.db.path), "metrics", "--since", "2026-11-20",
                                 "--until", "2026-11-25", "--json"])
    flare = {m["name"]: m for m in json.loads(r.stdout)}["radiation-flare"]
    assert [c["item"] for c in flare["details"]["courses"]] == ["Radiation to left hip 8 Gy"]
