"""An HTML visit report: one self-contained file to open in a browser or print for the clinic.

Inline CSS and an inline SVG chart, no script, no fonts, images or links to fetch: opening it
makes no network request. It prints on one A4 or Letter page, two when there are radiation
courses, notes or questions (they start the second page, the part to talk through).

The figures are the visit summary's (builtin/_visit.py, the same as the Markdown summary) and
the built-in metrics' results, which painboard's one metric runner (services, with the
deadline) computes over the same period view and hands the report on ``view.metric_results``
(the exporter says ``uses_metrics``); any built-in named radiation-flare or radiation-response
shows in the radiation section; metrics from outside plugins are not included.

Questions for the care team: every entry or daily-review note that starts with "?" or "Q:"
(the mark is dropped), plus the lines of a text file given with ``-O questions=FILE`` (one
question a line; blank lines and lines starting with "#" are skipped). ``-O paper=a4`` or
``-O paper=letter`` sets the page size; by default the browser's paper is used and the layout
fits both.

Every text from the log or a plugin is escaped by the one rule in builtin/_visit.py (html_text). Thresholds show as markers
"worth raising with your care team"; the report never recommends a dose, a drug or a change
of treatment.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, BinaryIO

from painboard.builtin import metrics as builtin_metrics
from painboard.builtin._visit import (RAISE, VisitFigures, bone_line, day_words, html_text, omed_lines, one_line,
                                      report_metrics, rescue_lines, visit_figures)
from painboard.figures.severity import CONTROLLED_MAX, SEVERE_MIN, fixed
from painboard.errors import BadInput
from painboard.figures.days import day_bounds
from painboard.figures.period import figures_of
from painboard.hookspecs import hookimpl
from painboard.models import PlanItem
from painboard.plugins import Exporter, PeriodView
from painboard.terminal_text import plural

RADIATION_METRICS = ("radiation-flare", "radiation-response")
LONG_METRICS = ("breakthrough", "insights")  # in the Markdown summary; too long for this page
LONG_TEXT = {"end-of-dose": 420}  # each item's share against its own chance must show whole
# The built-in metrics in the report's table (builtin/metrics.py and end-of-dose): the runner
# computes these and the radiation ones; the Worth raising box holds those flagged.
TABLE_METRICS = tuple(m.name for m in builtin_metrics.METRICS) + ("end-of-dose",)
MARK_LETTERS = {"radiation": "R", "bone_strengthening": "I", "procedure": "P"}
MARK_WORDS = {"radiation": "radiation", "bone_strengthening": "infusion", "procedure": "procedure"}
NOTES_SHOWN, QUESTIONS_SHOWN, MARKS_LISTED = 12, 12, 5  # caps that keep the report to two pages
NOTE_CHARS = 140
PAPER = {"a4": "A4", "letter": "letter"}

# The chart's drawing box (SVG user units; it scales to the page width).
W, H = 720, 180
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 22, 26


e = html_text  # the one escaping rule of the report (builtin/_visit.py): one line, inert


def _short(text: str, n: int = NOTE_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


# -- what goes in ----------------------------------------------------------------------------
def metric_rows(view: PeriodView, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Each built-in metric's row from the runner's results (report_metrics), but those named
    in ``skip``."""
    return [{"name": r.name, "label": r.label, "text": r.text, "level": r.level, "value": r.value,
             "error": r.error} for r in report_metrics(view) if r.name not in skip]


def is_question(note: str) -> str | None:
    """The question in a note marked with a leading '?' or 'Q:', else None."""
    t = note.strip()
    if t.startswith("?"):
        t = t[1:]
    elif t[:2].lower() == "q:":
        t = t[2:]
    else:
        return None
    return t.strip() or None


def questions_from_file(path: str) -> list[str]:
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read the questions file {p}: {getattr(exc, 'strerror', None) or exc}",
                       field="questions") from None
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def radiation_courses(view: PeriodView) -> list[dict[str, Any]]:
    """The radiation courses the radiation figures assess (figures_of(view).radiation_courses),
    each with its planned sessions and the events recorded for it, to list."""
    out = []
    for c in figures_of(view).radiation_courses:
        it: PlanItem = c["item"]
        last = it.end_date or max(view.end, it.start_date) + timedelta(days=365)
        planned = it.occurrences(*day_bounds(it.start_date, last + timedelta(days=1), view.tz), view.tz)
        if it.kind == "scheduled":  # an open-ended rule: the sessions of the period only
            planned = [t for t in planned if view.lo <= t < view.hi]
        planned = [t for t in planned if t < view.hi]  # a report lists nothing after its period
        done = [ev for ev in view.events(since=it.start_date, until=max(view.end, last + timedelta(days=1)))
                if ev["item_id"] == it.id and ev["status"] in ("done", "taken", "skipped", "missed")]
        out.append({"item": it, "planned": planned, "events": done})
    return out


# -- the chart -------------------------------------------------------------------------------
def chart_svg(view: PeriodView, f: VisitFigures) -> str:
    n = max(len(f.days), 1)
    pw, ph = W - LEFT - RIGHT, H - TOP - BOTTOM
    span = (view.hi - view.lo).total_seconds() or 1.0

    def xd(i: int) -> float:  # the middle of day i
        return LEFT + (i + 0.5) * pw / n

    def xt(t: datetime) -> float:  # an instant on the time axis
        return LEFT + pw * min(max((t - view.lo).total_seconds() / span, 0.0), 1.0)

    def y(v: float) -> float:
        return TOP + ph * (1 - v / 10)

    s: list[str] = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="chart-title">',
                    '<title id="chart-title">Daily average and worst pain (0-10), breakthrough episodes '
                    'and plan events</title>',
                    f'<rect class="severe" x="{LEFT}" y="{y(10):.1f}" width="{pw}" height="{y(SEVERE_MIN) - y(10):.1f}"/>']
    for v in range(0, 11, 2):
        s.append(f'<line class="grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>'
                 f'<text class="ylab" x="{LEFT - 5}" y="{y(v) + 3.5:.1f}">{v}</text>')
    s.append(f'<line class="controlled" x1="{LEFT}" x2="{W - RIGHT}" y1="{y(CONTROLLED_MAX):.1f}" '
             f'y2="{y(CONTROLLED_MAX):.1f}"/>')
    # x axis: a label every day, week or month depending on the period's length
    step = 1 if n <= 10 else 7 if n <= 100 else None
    for i, d in enumerate(f.days):
        if (step and i % step == 0) or (step is None and d.day == 1):
            s.append(f'<line class="tick" x1="{xd(i):.1f}" x2="{xd(i):.1f}" y1="{H - BOTTOM}" y2="{H - BOTTOM + 4}"/>'
                     f'<text class="xlab" x="{xd(i):.1f}" y="{H - BOTTOM + 15}">{d:%-d %b}</text>')
    # plan events: a line across the chart at the time, lettered R, I or P
    for m in f.plan_marks:
        x = xt(m.at.astimezone(timezone.utc))
        s.append(f'<g class="mark {m.category}"><line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 2}" y2="{H - BOTTOM}"/>'
                 f'<text x="{x:.1f}" y="{TOP - 6}">{MARK_LETTERS.get(m.category, "?")}</text>'
                 f'<title>{e(m.label)}, {e(m.status)} {m.at:%-d %b %H:%M}</title></g>')
    for key, cls in (("worst_series", "worst"), ("avg_series", "avg")):
        series = getattr(f, key)
        run: list[str] = []
        runs: list[list[str]] = []
        for i, v in enumerate(series + [None]):
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(f"{xd(i):.1f},{y(v):.1f}")
        for r in runs:
            if len(r) == 1:
                px, py = r[0].split(",")
                s.append(f'<circle class="{cls} dot" cx="{px}" cy="{py}" r="2"/>')
            else:
                s.append(f'<polyline class="{cls}" points="{" ".join(r)}"/>')
    # breakthrough episodes: a star at the onset and the peak
    for ep in f.episodes:
        x, yy = xt(ep["onset"]), y(float(ep["peak"]))
        s.append(f'<text class="episode" x="{x:.1f}" y="{yy + 4:.1f}">✱<title>episode '
                 f'{ep["onset"].astimezone(view.tz):%-d %b %H:%M}, peak {e(ep["peak"])}/10</title></text>')
    s.append(f'<line class="axis" x1="{LEFT}" x2="{W - RIGHT}" y1="{H - BOTTOM}" y2="{H - BOTTOM}"/>')
    s.append("</svg>")
    return "".join(s)


# -- the page --------------------------------------------------------------------------------
CSS = """
@page { %(size)s margin: 12mm 13mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font: 9pt/1.3 "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; color: #111;
       margin: 0 auto; max-width: 184mm; }
h1 { font-size: 15pt; margin: 0 0 1mm; }
h2 { font-size: 10.5pt; margin: 2.5mm 0 0.8mm; border-bottom: 0.3mm solid #999; padding-bottom: 0.5mm; }
p, ul { margin: 0.8mm 0; }
ul { padding-left: 5mm; }
.sub { color: #444; font-size: 8.5pt; }
.chart { width: 100%%; height: auto; display: block; }
.chart .grid { stroke: #ddd; stroke-width: 0.6; }
.chart .axis, .chart .tick { stroke: #444; stroke-width: 0.8; }
.chart .severe { fill: #fbe3e3; }
.chart .controlled { stroke: #7a9; stroke-width: 0.8; stroke-dasharray: 4 3; }
.chart .ylab { font-size: 9px; text-anchor: end; fill: #444; }
.chart .xlab { font-size: 9px; text-anchor: middle; fill: #444; }
.chart polyline { fill: none; stroke-linejoin: round; }
.chart .avg { stroke: #1f4e9c; stroke-width: 2; fill: #1f4e9c; }
.chart polyline.avg { fill: none; }
.chart .worst { stroke: #b3261e; stroke-width: 1.2; stroke-dasharray: 5 3; fill: #b3261e; }
.chart polyline.worst { fill: none; }
.chart .episode { font-size: 10px; text-anchor: middle; fill: #7a3e00; }
.chart .mark line { stroke-width: 1.2; stroke-dasharray: 2 2; }
.chart .mark text { font-size: 10px; font-weight: bold; text-anchor: middle; }
.chart .radiation line { stroke: #6a1b9a; } .chart .radiation text { fill: #6a1b9a; }
.chart .bone_strengthening line { stroke: #00695c; } .chart .bone_strengthening text { fill: #00695c; }
.chart .procedure line { stroke: #8d6e00; } .chart .procedure text { fill: #8d6e00; }
.legend { font-size: 8pt; color: #333; margin: 0.5mm 0 0; }
.legend span { margin-right: 3.5mm; white-space: nowrap; }
.sw { display: inline-block; width: 7mm; vertical-align: middle; margin-right: 1mm; }
.sw.avg { border-top: 0.6mm solid #1f4e9c; } .sw.worst { border-top: 0.35mm dashed #b3261e; }
.sw.severe { height: 2.5mm; background: #fbe3e3; } .sw.controlled { border-top: 0.3mm dashed #7a9; }
.metrics { display: grid; grid-template-columns: max-content 1fr; gap: 0.3mm 3mm; margin: 0; }
.metrics dt { font-weight: 600; } .metrics dd { margin: 0; overflow-wrap: anywhere; }
.metrics .alert { font-weight: 600; color: #8c1d18; }
.cols { display: flex; gap: 6mm; }
.cols > section { flex: 1 1 0; min-width: 0; }
.markers { border: 0.4mm solid #b3261e; padding: 0.5mm 3mm 1mm; margin-top: 2.5mm; break-inside: avoid; }
.markers h2 { border: 0; margin-top: 1mm; }
.talk { break-before: page; page-break-before: always; }
.note { overflow-wrap: anywhere; }
footer { margin-top: 3mm; font-size: 7.5pt; color: #555; }
section { break-inside: avoid; }
@media print {  /* the figures, pain, breakthrough pain, plan and markers on the first page */
  body { font-size: 8.5pt; line-height: 1.25; }
  h2 { margin-top: 1.8mm; }
  .markers { margin-top: 1.8mm; }
}
"""


def _pain_lines(view: PeriodView, f: VisitFigures) -> list[str]:
    s, days = f.summary, f.days
    if not s["n"] and not s.get("reviews"):
        return ["No pain ratings were logged in this period."]
    reviews = f" and {s['reviews']} daily review{'s' if s['reviews'] != 1 else ''}" if s.get("reviews") else ""
    avg = fixed(s["average"], 1, none="not given")
    out = [f"{s['n']} ratings{reviews} on {len(f.daily)} days: average {avg}, worst {e(s['worst'])}, "
           f"least {e(s['least'])}.",
           f"Trend of the daily average: {e(f.trend)}.",
           f"Days with worst pain {SEVERE_MIN} or more (severe): {f.severe_days} of {len(f.daily)}.",
           f"Nights with pain logged between {view.night_start:%H:%M} and {view.night_end:%H:%M}: "
           f"{f.nights} of {len(days)}."]
    if f.sites:
        out.append("Where: " + e(_short(", ".join(f"{one_line(k)} ({v})" for k, v in f.sites), 200)) + ".")
    return out


def _episode_lines(f: VisitFigures) -> list[str]:
    eps = f.episodes
    out = []
    if eps:
        med = f"; median duration {f.episode_median_min:g} min" if f.episode_durations else ""
        out.append(f"{len(eps)} episodes ({fixed(f.episodes_per_day, 1)} a day); worst peak "
                   f"{e(f.worst_peak)}/10{med}.")
        out.append("By type: " + e(_short(", ".join(f"{one_line(k)} {v}" for k, v in f.episode_types), 200)) + ".")
        if f.triggers:
            out.append("Common triggers: "
                       + e(_short(", ".join(f"{one_line(k)} ({v})" for k, v in f.triggers), 200)) + ".")
    else:
        out.append("No breakthrough episodes were logged.")
    if f.rescue:
        out.extend(e(line) for line in rescue_lines(f))
    return out


def _plan_lines(f: VisitFigures) -> list[str]:
    adh, out = f.adherence, []
    if adh["due"]:
        out.append(f"Scheduled medication doses: {adh['taken']} of {adh['due']} recorded as taken "
                   f"({adh['pct']:g} %); {adh['missed']} missed, {adh['skipped']} skipped, "
                   f"{adh['not_recorded']} with nothing recorded.")
    marks = f.plan_marks
    for m in marks[-MARKS_LISTED:]:
        out.append(f"{e(_short(m.label, 80))}: {e(m.status)} {day_words(m.at)}.")
    if len(marks) > MARKS_LISTED:
        out.append(f"({len(marks) - MARKS_LISTED} earlier ones are marked on the chart.)")
    if not adh["due"] and not f.has_events:
        out.append("Nothing from the plan was recorded in this period.")
    bone = bone_line(f)
    if bone:
        out.append(f"Bone-strengthening drug, as of {day_words(f.last)}: {e(bone)}.")
    out.extend(e(line) for line in omed_lines(f))
    return out


def _ul(lines: list[str], cls: str = "") -> str:
    c = f' class="{cls}"' if cls else ""
    return "<ul>" + "".join(f"<li{c}>{x}</li>" for x in lines) + "</ul>"


def _radiation_html(view: PeriodView, courses: list[dict[str, Any]], rad_metrics: list[dict[str, Any]]) -> str:
    parts = []
    for c in courses:
        it: PlanItem = c["item"]
        done = {ev["due_at"]: ev for ev in c["events"] if ev["due_at"] is not None}
        kind = f"course of {it.sessions} sessions" if it.kind == "course" else \
            "one session" if it.kind == "once" else "scheduled sessions"
        lines = []
        for t in c["planned"]:
            local = t.astimezone(view.tz)
            when = f"{local:%a %-d %b %Y}" + ("" if it.kind == "once" else f" {local:%H:%M}")
            ev = done.pop(t, None)
            lines.append(f"{when}: {e(ev['status']) if ev else ('planned' if t > view.now else 'nothing recorded')}")
        for ev in c["events"]:  # events not matched to a planned session
            if ev["due_at"] is None or ev["due_at"] in done:
                lines.append(f"{ev['done_at'].astimezone(view.tz):%a %-d %b %Y %H:%M}: {e(ev['status'])}")
        parts.append(f"<p><strong>{e(it.label())}</strong>, {kind}</p>" + _ul(lines or ["no sessions recorded"]))
    for m in rad_metrics:
        parts.append(f"<p><strong>{e(m['label'])}:</strong> {e(_short(str(m.get('value') or m['text']), 80))}</p>")
    return "".join(parts)


def render(view: PeriodView) -> tuple[str, int]:
    """The report's HTML and how many records it reports (entries and episodes)."""
    paper = view.options.get("paper", "").strip().lower()
    if paper and paper not in PAPER:
        raise BadInput(f"paper must be a4 or letter, not {paper!r}", field="paper")
    # the long breakthrough, end-of-dose and insights texts are in the Markdown summary, not here
    f = visit_figures(view, with_new_figures=False)
    metrics = metric_rows(view, skip=LONG_METRICS)
    # "no radiation session recorded" (value None) adds no radiation section
    rad_metrics = [m for m in metrics if m["name"] in RADIATION_METRICS and m["error"] is None
                   and m.get("value") is not None]
    table_metrics = [m for m in metrics if m["name"] not in RADIATION_METRICS]
    title = f"Pain summary: {day_words(view.start)} to {day_words(f.last)}"
    out = _head(title, paper) + _page_one(view, f, title, table_metrics)
    talk = _talk(view, f, radiation_courses(view), rad_metrics)
    if talk:
        out.append('<div class="talk">' + "".join(talk) + "</div>")
    out.append("<footer>Markers are fixed figures from published cancer-pain guidance (for example "
               f"pain bands after Serlin et al., Pain 1995), shown for discussion; they are not advice. "
               f"Made by painboard on {view.now.astimezone(view.tz):%-d %b %Y %H:%M}.</footer>")
    out.append("</body></html>")
    return "\n".join(out), f.summary["n"] + len(f.episodes)


def _head(title: str, paper: str) -> list[str]:
    size = f"size: {PAPER[paper]};" if paper else ""
    return [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Nothing may be fetched: no scripts, styles, images, frames or connections from anywhere.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="referrer" content="no-referrer">',
        f"<title>{e(title)}</title>", f"<style>{CSS % {'size': size}}</style>", "</head>", "<body>"]


def _page_one(view: PeriodView, f: VisitFigures, title: str, table_metrics: list[dict[str, Any]]) -> list[str]:
    """The first page: the chart, the figures, pain, breakthrough pain, the plan, the markers."""
    return [
        f"<header><h1>{e(title)}</h1>",
        f'<p class="sub">From the patient\'s own painboard log ({plural(len(f.days), "day")}, times in '
        f"{e(view.tz_name)}). This report shows what was logged; it does not recommend any treatment.</p>"
        "</header>",
        '<section id="trend"><h2>Pain, day by day (0-10)</h2>', chart_svg(view, f),
        '<p class="legend"><span><i class="sw avg"></i>daily average</span>'
        '<span><i class="sw worst"></i>worst of the day</span>'
        f'<span><i class="sw severe"></i>severe ({SEVERE_MIN}-10)</span>'
        f'<span><i class="sw controlled"></i>{CONTROLLED_MAX}/10</span>'
        "<span>✱ breakthrough episode (at its peak)</span>"
        "<span>R radiation, I infusion, P procedure</span></p></section>",
        '<section id="figures"><h2>Figures</h2><dl class="metrics">'
        + "".join(f'<dt class="{e(m["level"])}">{e(_short(m["label"], 40))}</dt>'
                  f'<dd class="{e(m["level"])}" data-metric="{e(m["name"])}">'
                  f'{e(_short(m["text"], LONG_TEXT.get(m["name"], 160)))}'
                  + (f" ({RAISE})" if m["level"] == "alert" and RAISE not in m["text"] else "")
                  + "</dd>" for m in table_metrics)
        + "</dl></section>",
        '<div class="cols"><section id="pain"><h2>Pain</h2>' + _ul(_pain_lines(view, f)) + "</section>"
        '<section id="breakthrough"><h2>Breakthrough pain</h2>' + _ul(_episode_lines(f)) + "</section></div>",
        '<section id="plan"><h2>Plan and adherence</h2>' + _ul(_plan_lines(f)) + "</section>",
        '<section id="markers" class="markers"><h2>Worth raising with your care team</h2>'
        + _ul([e(m) for m in f.markers] or ["Nothing in the log crossed a marker."]) + "</section>",
    ]


def _notes_and_questions(view: PeriodView, f: VisitFigures) -> tuple[list[tuple[date, str]], list[str]]:
    questions: list[str] = []
    notes: list[tuple[date, str]] = []
    for day, note in f.notes:
        q = is_question(note)
        if q is not None:
            questions.append(q)
        elif (day, note) not in notes:
            notes.append((day, note))
    if view.options.get("questions"):
        questions += questions_from_file(view.options["questions"])
    return notes, list(dict.fromkeys(questions))


def _talk(view: PeriodView, f: VisitFigures, courses: list[dict[str, Any]],
          rad_metrics: list[dict[str, Any]]) -> list[str]:
    """The second page's sections, the part to talk through: radiation, notes, questions."""
    notes, questions = _notes_and_questions(view, f)
    talk = []
    if courses or rad_metrics:
        talk.append('<section id="radiation"><h2>Radiation</h2>' + _radiation_html(view, courses, rad_metrics)
                    + "</section>")
    if notes:
        shown = notes[-NOTES_SHOWN:]
        more = f'<p class="sub">The latest {len(shown)} of {len(notes)} notes.</p>' if len(notes) > len(shown) else ""
        talk.append('<section id="notes"><h2>Notes</h2>' + more
                    + _ul([f"{d:%-d %b}: {e(_short(n))}" for d, n in shown], "note") + "</section>")
    if questions:
        shown_q = questions[:QUESTIONS_SHOWN]
        more = (f'<p class="sub">{len(questions) - len(shown_q)} more questions are not shown.</p>'
                if len(questions) > len(shown_q) else "")
        talk.append('<section id="questions"><h2>Questions to ask</h2>'
                    + _ul([e(_short(q, 160)) for q in shown_q], "note") + more + "</section>")
    return talk


def write_html(view: PeriodView, out: BinaryIO) -> int:
    text, n = render(view)
    out.write(text.encode("utf-8"))
    return n


@hookimpl
def register_exporters(register):
    register(Exporter(name="html", extension=".html", label="Visit report (HTML)", write=write_html,
                      uses_metrics=TABLE_METRICS + RADIATION_METRICS,
                      description="A self-contained page for a clinic visit, printable on one or two pages: "
                                  "chart, figures, adherence, radiation, notes and questions. "
                                  "Options: questions=FILE, paper=a4|letter."))
