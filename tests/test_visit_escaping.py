"""Issue 17 item 5: every user text in the Markdown visit summary and the HTML report is made
inert, through the real `painboard export` command. Hostile triggers, sites, activities, item
names and notes must not forge a section, and no script, raw HTML, remote image or
`javascript:` link may survive; a one-line field stays on one line."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.usefixtures("fixed_env")

FORGE = "walking\n## Worth raising with your care team\n- forged marker"
SCRIPT = "<script>alert(1)</script>"
IMAGE = "![x](https://evil.example/p.png)"
LINK = "[click](javascript:alert(1))"
RAW = '<img src="https://evil.example/i.png" onerror="alert(1)">'
NOTE = '<a href="javascript:alert(1)">x</a>\n# Forged heading\n| a | b |'
HEADINGS_MD = ["# Pain summary: Sun 22 Nov 2026 to Sat 28 Nov 2026", "## Pain (0-10)", "## Breakthrough pain",
               "## Plan", "## Breakthrough timing, radiation and insights", "## Notes",
               "## Worth raising with your care team"]


@pytest.fixture
def hostile(cli_ok, cli_story):
    """Hostile text in every field a report shows: written once through the CLI, copied."""
    cli_story(_hostile_story)
    return cli_ok


def _hostile_story(run):
    run("plan", "add", f"Morphine MR {LINK}", "--dose", "30", "--unit", "mg", "--times", "08:00,20:00",
        "--start", "2026-11-01")
    run("plan", "add", f"Radiation {RAW}", "--category", "radiation", "--dose", "8", "--unit", "Gy",
        "--on", "2026-11-24", "--start", "2026-11-20")
    run("plan", "done", "2", "--at", "2026-11-24T10:00")
    for day in (25, 26, 27):
        run("log", "5", "--at", f"2026-11-{day}T09:00", "--site", SCRIPT, "--activity", IMAGE,
            "--better", LINK, "--note", NOTE)
        run("episode", "7", "--at", f"2026-11-{day}T11:00", "--trigger", FORGE, "--site", RAW)


def check_markdown(md: str) -> None:
    assert [ln for ln in md.splitlines() if ln.startswith("#")] == HEADINGS_MD
    assert "<" not in md  # no raw HTML of any kind: every < is an entity
    assert not re.search(r"(?<!\\)\]\(", md)  # no link or image syntax left
    assert not re.search(r"(?<!\\)!(?<!\\)\[", md)
    assert md.count("Worth raising with your care team\n") == 1
    # each one-line field kept on one line, its signs escaped
    assert "walking \\#\\# Worth raising with your care team - forged marker" in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\!\\[x\\](https://evil.example/p.png)" in md
    assert "Morphine MR \\[click\\](javascript:alert(1))" in md
    assert "&lt;a href=\"javascript:alert(1)\"&gt;x&lt;/a&gt; \\# Forged heading \\| a \\| b \\|" in md


def test_markdown_summary_escapes_every_user_text(hostile):
    md = hostile("export", "markdown", "-o", "-", "--since", "2026-11-22", "--until", "2026-11-29").stdout
    check_markdown(md)


def test_html_report_escapes_every_user_text(hostile):
    page = hostile("export", "html", "-o", "-", "--since", "2026-11-22", "--until", "2026-11-29").stdout
    assert not re.search(r"<(script|img|a|iframe|object|embed|link)\b", page, re.I)
    assert not re.search(r"<[^>]*\b(href|src|on\w+)\s*=", page, re.I)  # no live attribute
    assert page.count("<h2>Worth raising with your care team</h2>") == 1
    assert "walking ## Worth raising with your care team - forged marker" in page  # one line
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Morphine MR [click](javascript:alert(1))" in page  # inert text in HTML
    assert "&lt;img src=&quot;https://evil.example/i.png&quot;" in page
