"""Issue 20: the visit reports list warning signs first (when reported, to whom) and side effects
as a per-week table, through the one escaping rule; the wording never says what a sign means."""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timezone

import pytest

from tests.wording import check_wording

pytestmark = pytest.mark.usefixtures("fixed_env")


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)


@pytest.fixture
def logged(pb):
    pb.log_pain(intensity=5, occurred_at=at(27))
    pb.log_symptom("new weakness in an arm or leg", severity="severe", note="left leg <b>|*x*", occurred_at=at(26, 9, 30))
    pb.mark_reported(1, "oncology nurse", at=at(26, 10, 15))
    pb.log_symptom("difficulty walking", occurred_at=at(28, 13))
    pb.log_symptom("constipation", severity="moderate", occurred_at=at(23))
    pb.log_symptom("constipation", severity="mild", occurred_at=at(27))
    pb.log_symptom("itching", severity="mild", occurred_at=at(27))
    return pb


def _export(pb, fmt, tmp_path):
    out = tmp_path / f"report.{fmt}"
    pb.export(fmt, str(out), since=date(2026, 11, 15))
    return out.read_text()


def test_markdown_lists_warning_signs_first(logged, tmp_path):
    text = _export(logged, "markdown", tmp_path)
    heads = re.findall(r"^## (.*)$", text, re.M)
    assert heads[0] == "Warning signs the care team asked to be told about"
    assert heads.index("Side effects, per week") > heads.index("Plan")
    assert ("- Thu 26 Nov 2026 09:30: new weakness in an arm or leg (severe; note: left leg &lt;b&gt;\\|\\*x\\*). "
            "Reported Thu 26 Nov 2026 10:15 to oncology nurse.") in text
    assert "- Sat 28 Nov 2026 13:00: difficulty walking. Not marked as reported." in text
    table = text.split("## Side effects, per week\n\n")[1].split("\n\n")[0].splitlines()
    assert table == ["| Week | constipation | itching |", "|---|---|---|",
                     "| 15 Nov to 21 Nov | - | - |",
                     "| 22 Nov to 28 Nov | 2 days, worst moderate | 1 day, worst mild |"]
    signs = text.split("## Pain (0-10)")[0]
    check_wording(signs.split("\n", 2)[2])  # the sections after the title line


def test_html_lists_warning_signs_first(logged, tmp_path):
    text = _export(logged, "html", tmp_path)
    body = text.split("<body>")[1]
    assert body.index('id="warning-signs"') < body.index('id="trend"') < body.index('id="side-effects"')
    sec = body.split('<section id="warning-signs"')[1].split("</section>")[0]
    assert "left leg &lt;b&gt;|*x*" in sec and "<b>" not in sec
    assert ("Thu 26 Nov 2026 09:30: new weakness in an arm or leg (severe; note: left leg &lt;b&gt;|*x*). "
            "Reported Thu 26 Nov 2026 10:15 to oncology nurse.") in sec
    check_wording(html.unescape(re.sub(r"<[^>]+>", " ", sec)))
    table = body.split('<section id="side-effects">')[1].split("</section>")[0]
    cells = re.findall(r"<t[hd]>(.*?)</t[hd]>", table)
    assert cells == ["Week", "constipation", "itching", "15 Nov to 21 Nov", "-", "-",
                     "22 Nov to 28 Nov", "2 days, worst moderate", "1 day, worst mild"]


def test_no_symptoms_no_sections(pb, tmp_path):
    pb.log_pain(intensity=5, occurred_at=at(27))
    md = _export(pb, "markdown", tmp_path)
    assert "Warning signs" not in md and "Side effects, per week" not in md
    assert 'id="warning-signs"' not in _export(pb, "html", tmp_path)


def test_omed_beside_constipation_in_both_reports(pb, tmp_path):
    pb.add_plan_item(name="Oxycodone IR", dose=5, unit="mg", route="oral", kind="as_needed", max_per_day=6,
                     start_date=date(2026, 11, 1))
    # 7.5 mg OMED a dose. Period 22-28 Nov: constipation on 23, 26 and 28 (2 doses each: 15 mg);
    # the other 4 days one dose on 22 and 25 (7.5 mg), none on 24 and 27: (7.5 + 7.5) / 4 = 3.75.
    for day, n in {22: 1, 23: 2, 25: 1, 26: 2, 28: 2}.items():
        for i in range(n):
            pb.mark_done("oxycodone", at=at(day, 8 + i))
    for day in (23, 26, 28):
        pb.log_symptom("constipation", severity="mild", occurred_at=at(day, 7))
    out = tmp_path / "r.md"
    pb.export("markdown", str(out), since=date(2026, 11, 22))
    line = ("Oral morphine equivalents on the 3 days with constipation: 15.0 mg; on the 4 days without: "
            "3.8 mg (shown side by side, not as a cause).")
    assert f"- {line}" in out.read_text()
    out = tmp_path / "r.html"
    pb.export("html", str(out), since=date(2026, 11, 22))
    assert line in out.read_text()
