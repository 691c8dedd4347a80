"""Issue 18, "Done means": the demo's dashboard (the services snapshot: Today and the metric
tiles), `painboard metrics --json`, the Markdown summary and the HTML report agree on every
figure they share, over several periods: the last week, 30 days ending today, two weeks that
ended before today, and a month holding the demo's radiation session."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pytest

from painboard.config import Settings
from painboard.services import Painboard

pytestmark = [pytest.mark.usefixtures("fixed_env"), pytest.mark.slow]

TODAY = date(2026, 11, 28)
PERIODS = [("2026-11-22", "2026-11-29"),   # the dashboard's week
           ("2026-10-30", "2026-11-29"),   # 30 days ending today
           ("2026-11-01", "2026-11-15"),   # ended before today
           ("2026-10-05", "2026-11-05")]   # the radiation session (about day 45 of 90)


def ok(r):
    assert r.exit_code == 0, (r.output, r.stderr)
    return r


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's file, with every face's output for each period, read once for the module."""
    from _pytest.monkeypatch import MonkeyPatch
    from click.testing import CliRunner

    from painboard import models
    from painboard.cli import cli
    from tests.conftest import NOW, TZ

    mp = MonkeyPatch()
    for k, v in {"PAINBOARD_TZ": TZ, "PAINBOARD_NOW": NOW.isoformat(), "PAINBOARD_LOAD_PLUGINS": "",
                 "PAINBOARD_CONFIG": "/nonexistent/painboard-test-config.toml"}.items():
        mp.setenv(k, v)
    mp.delenv("PAINBOARD_DB", raising=False)
    models.freeze_clock(NOW)
    db = tmp_path_factory.mktemp("agree") / "demo.db"
    run = lambda *a: ok(CliRunner().invoke(cli, ["--db", str(db), *a], catch_exceptions=False))  # noqa: E731
    run("demo")
    faces = {}
    for since, until in PERIODS + [(TODAY.isoformat(), (TODAY + timedelta(days=1)).isoformat())]:
        m = {x["name"]: x for x in json.loads(run("metrics", "--since", since, "--until", until, "--json").stdout)}
        md = run("export", "markdown", "-o", "-", "--since", since, "--until", until).stdout
        page = run("export", "html", "-o", "-", "--since", since, "--until", until).stdout
        faces[since] = (m, md, page)
    snap = Painboard(Settings.load(db=db)).snapshot(range_days=7)
    yield faces, snap
    models.freeze_clock(None)
    mp.undo()


def visible(page: str) -> str:
    """The page's text as a reader sees it: tags dropped, entities read, white space folded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def box_md(md: str) -> list[str]:
    part = md.split("## Worth raising with your care team\n", 1)[1].split("\n_Markers", 1)[0]
    return [ln[2:] for ln in part.splitlines() if ln.startswith("- ")]


def box_html(page: str) -> list[str]:
    part = page.split('id="markers"', 1)[1].split("</section>", 1)[0]
    return [" ".join(html.unescape(x).split()) for x in re.findall(r"<li>(.*?)</li>", part)]


@pytest.mark.parametrize("since,until", PERIODS)
def test_metrics_markdown_and_html_agree(demo, since, until):
    from painboard.builtin._visit import md_text  # the Markdown summary's one escaping rule

    faces, _ = demo
    m, md, page = faces[since]
    seen = visible(page)
    # pain: the same average (half up), worst (episode peaks in) and least
    pain = (f"average {m['average-pain']['value']:.1f}, worst {m['worst-pain']['value']:g}, "
            f"least {m['least-pain']['value']:g}.")
    assert pain in md and pain in seen
    # daily OMED: one statistic, one rounding
    omed = m["omed"]["text"].split(";")[0]
    assert omed.startswith("mean ")
    line = f"Oral morphine equivalents from doses recorded: {omed}."
    assert line in md and line in seen
    # the bone-strengthening drug as of the period's end
    bone = m["bone-agent"]["text"]
    assert md_text(bone) in md and bone in seen
    # breakthrough episodes, scheduled doses and nights
    n_eps = m["breakthrough"]["details"]["n"]
    assert f"- {n_eps} episodes (" in md and f"{n_eps} episodes (" in seen
    taken, due = re.match(r"(\d+) of (\d+) scheduled", m["scheduled-adherence"]["text"]).groups()
    assert f"Scheduled medication doses: {taken} of {due} recorded as taken" in md
    assert f"Scheduled medication doses: {taken} of {due} recorded as taken" in seen
    nights = m["nights-with-pain"]["text"].split(" nights")[0]  # "3 of 7"
    assert re.search(rf"Nights with pain logged between \S+ and \S+: {nights}\.", md)
    assert re.search(rf"Nights with pain logged between \S+ and \S+: {nights}\.", seen)
    # end-of-dose: the whole text in the Markdown, each item's figures in the HTML
    eod = m["end-of-dose"]["text"]
    assert md_text(eod) in md
    assert eod.split(". Period ")[0] in seen
    # radiation: the same result in both reports
    for name in ("radiation-flare", "radiation-response"):
        assert md_text(m[name]["text"]) in md
        if m[name]["value"] is not None:
            assert str(m[name]["value"]) in page.split('id="radiation"', 1)[1]
    # the Worth raising box: the same lines in both, and every flagged figure in it
    assert box_md(md) == [md_text(x) for x in box_html(page)]
    flagged = [x for x in m.values() if x["name"] != "rescue-doses-today"
               and (x["level"] == "alert" or "worth raising" in x["text"])]
    for x in flagged:
        assert any(b.startswith(x["label"] + ":") for b in box_html(page)), x["name"]
    # a period report says nothing of "today"
    for text in (md, seen):
        assert not re.search(r"\btoday\b", text.replace("radiation today", ""), re.I)


def test_dashboard_agrees_with_the_metrics(demo):
    faces, snap = demo
    week, _, _ = faces["2026-11-22"]
    tiles = {t.name: t for t in snap.metrics}
    for name, m in week.items():
        assert tiles[name].text == m["text"] and tiles[name].value == m["value"], name
    day, _, _ = faces[TODAY.isoformat()]
    t = snap.today
    assert t.worst == day["worst-pain"]["value"] and t.average == day["average-pain"]["value"]
    assert t.rescue_doses == day["rescue-doses-today"]["value"]
    assert t.mme == day["omed"]["value"]  # one day: its mean is its total
    per_item = "; ".join(f"{r['item']} {r['n']}" + (f" of {r['cap']}" if r["cap"] else "") for r in t.rescue_items)
    assert day["rescue-doses-today"]["text"].startswith(f"{per_item} today")


def test_the_radiation_period_has_a_course(demo):
    faces, _ = demo
    m, md, page = faces["2026-10-05"]
    assert m["radiation-flare"]["value"] is not None and m["radiation-response"]["value"] is not None
    assert 'id="radiation"' in page and "flare window" in md
