"""The trend chart: daily average and worst, breakthrough days and plan events on the axis.

Drawn with plain box-drawing characters rather than braille so that it stays legible in 16
colours, over tmux and slow links: each series has its own glyph, colour only helps.
"""

from __future__ import annotations

import math
import textwrap
from datetime import date, timedelta

from rich.text import Text
from textual.reactive import reactive

from painboard.tui.css import sibling_css
from textual.widget import Widget

from painboard.figures.severity import CONTROLLED_MAX, SEVERE_MIN
from painboard.tui.format import MARKER_LETTERS, MARKER_WORDS, RANGE_WORDS, RANGES, utcnow

# Average and worst differ in glyph (a line, peaks) and in colour where there is colour;
# the band lines are faint dots at the controlled and severe thresholds (figures/severity.py).
AVG, WORST, EPISODE, BAND, TODAY = "━", "▴", "✱", "·", "┴"
STYLE = {"avg": "bold $primary", "worst": "bold $warning", "episode": "bold $error", "marker": "bold reverse",
         "axis": "dim", "label": "dim", "band": "dim", "today": "bold"}
BANDS = [(SEVERE_MIN, "severe"), (CONTROLLED_MAX, "controlled")]


def _bucket(trend, width: int) -> list[dict]:
    """Days grouped into columns: one day over several columns, or several days per column."""
    by_day = {d["day"]: d for d in trend.days}
    marks: dict[date, set[str]] = {}
    for m in trend.markers:
        marks.setdefault(m["day"], set()).add(m["category"])
    n = (trend.end - trend.start).days + 1
    per = max(1, math.ceil(n / max(1, width)))
    cols = []
    for i in range(0, n, per):
        days = [trend.start + timedelta(days=i + k) for k in range(per) if i + k < n]
        rows = [by_day[d] for d in days if d in by_day]
        avgs = [r["average"] for r in rows if r.get("average") is not None]
        worsts = [r["worst"] for r in rows if r.get("worst") is not None]
        cols.append({"first": days[0], "last": days[-1],
                     "average": sum(avgs) / len(avgs) if avgs else None,
                     "worst": max(worsts) if worsts else None,
                     "episodes": sum(r.get("episodes") or 0 for r in rows),
                     "markers": set().union(*(marks.get(d, set()) for d in days))})
    return cols


def _row_of(v: float, plot_h: int) -> int:
    """The plot row of a 0-10 value (row 0 at the top)."""
    return plot_h - 1 - round(max(0.0, min(10.0, v)) * (plot_h - 1) / 10)


class TrendChart(Widget):
    """Pain over the chosen range. Not focusable: range keys live on the screen."""

    DEFAULT_CSS = sibling_css(__file__)

    trend = reactive(None, always_update=True)
    range_label: reactive[str] = reactive("30d")
    loading_text: reactive[str] = reactive("reading your log…")

    def _style(self, name: str) -> str:
        # Resolve theme variables so the chart follows the theme (and the 16-colour one).
        v = self.app.theme_variables
        out = []
        for part in STYLE[name].split():
            if part.startswith("$"):
                part = v.get(part[1:], "default")
                # The 16-colour theme names terminal colours "ansi_green"; Rich calls them "green".
                part = part.removeprefix("ansi_")
            out.append(part)
        return " ".join(out)

    def render(self) -> Text:
        width, height = self.size.width, self.size.height
        out = Text(no_wrap=True, overflow="crop")
        out.append_text(self._title(width))
        plot_h = height - 4  # title, breakthrough row, axis, dates
        if self.trend is None or plot_h < 3:
            text = self.loading_text if self.trend is None else "(make the window taller for the chart)"
            for line in textwrap.wrap(text, max(10, width - 2)) or [""]:  # in full, never cut
                out.append("\n " + line, "dim")
            return out
        yw = 3
        plot_w = max(4, width - yw - 1)
        cols = _bucket(self.trend, plot_w)
        ncols = max(1, len(cols))
        cw = max(1, plot_w // ncols)
        # Spread the columns over the whole width (some days get one column more).
        xs = [round(i * plot_w / ncols) for i in range(ncols + 1)] if ncols <= plot_w else list(range(ncols + 1))
        grid, ep_row, axis = self._plot(cols, xs, cw, plot_h, plot_w)
        self._mark_today(cols, xs, axis, plot_w)
        self._draw(out, grid, ep_row, axis)
        out.append("\n")
        out.append_text(self._dates(cols, xs, cw, plot_w, yw))
        return out

    def _plot(self, cols: list[dict], xs: list[int], cw: int, plot_h: int, plot_w: int):
        """The plot's cells: the grid of values with its bands and words, the breakthrough row
        and the axis with the plan's marks."""
        grid: list[list[tuple[str, str]]] = [[(" ", "")] * plot_w for _ in range(plot_h)]
        ep_row: list[tuple[str, str]] = [(" ", "")] * plot_w
        axis: list[tuple[str, str]] = [("─", "axis")] * plot_w
        for value, _ in BANDS:
            grid[_row_of(value, plot_h)] = [(BAND, "band")] * plot_w
        if not any(c["average"] is not None or c["worst"] is not None for c in cols):
            mid = plot_h // 2
            msg = "nothing logged in this range yet: press a digit 0-9 to log pain now"
            for i, ch in enumerate(msg[:plot_w - 2]):
                grid[mid][i + 1] = (ch, "label")
        for ci, c in enumerate(cols):
            x0 = xs[ci]
            span = range(x0, min(plot_w, xs[ci + 1]))
            if c["worst"] is not None:
                for x in span:
                    grid[_row_of(c["worst"], plot_h)][x] = (WORST, "worst")
            if c["average"] is not None:
                for x in span:
                    grid[_row_of(c["average"], plot_h)][x] = (AVG, "avg")
            if c["episodes"]:
                ep_row[x0] = (EPISODE, "episode")
                if cw >= 3 and c["episodes"] > 1 and x0 + 1 < plot_w:
                    ep_row[x0 + 1] = (str(min(c["episodes"], 9)), "episode")
            for k, cat in enumerate(sorted(c["markers"])):
                if x0 + k < plot_w:
                    axis[x0 + k] = (MARKER_LETTERS.get(cat, "•"), "marker")
        # Words on the chart where no data is: what the numbers are and what the bands mean.
        self._words(grid, 0, "pain 0-10", right=False)
        for value, word in BANDS:
            self._words(grid, _row_of(value, plot_h), f"{word} {'≥' if value == SEVERE_MIN else '≤'}{value}")
        return grid, ep_row, axis

    def _mark_today(self, cols: list[dict], xs: list[int], axis: list[tuple[str, str]], plot_w: int) -> None:
        """Today's tick on the axis, in the first of its cells free of a plan mark."""
        today = utcnow().astimezone(self.app.tz).date() if hasattr(self.app, "tz") else None
        self._today_shown = False
        self._today = today
        for ci, c in enumerate(cols):
            if today is not None and c["first"] <= today <= c["last"]:
                x = next((x for x in range(xs[ci], min(plot_w, xs[ci + 1])) if axis[x][1] != "marker"), None)
                if x is not None:
                    axis[x] = (TODAY, "today")
                    self._today_shown = True

    def _draw(self, out: Text, grid: list[list[tuple[str, str]]], ep_row: list[tuple[str, str]],
              axis: list[tuple[str, str]]) -> None:
        """The plot's rows with the scale on their left, then the breakthrough row and the axis."""
        plot_h = len(grid)
        labels = {0: "10", plot_h - 1: " 0"}
        for value, _ in BANDS:
            labels.setdefault(_row_of(value, plot_h), f"{value:2d}")
        for r in range(plot_h):
            out.append("\n")
            lab = labels.get(r)
            out.append((lab + "┤") if lab else "  │", self._style("label"))
            self._row(out, grid[r])
        out.append("\n")
        out.append("  │", self._style("label"))
        self._row(out, ep_row)
        out.append("\n")
        out.append("  └", self._style("axis"))
        self._row(out, axis)

    @staticmethod
    def _words(grid: list[list[tuple[str, str]]], r: int, words: str, right: bool = True) -> None:
        """Write a few words into row r at its right (or left) end, only over empty or band cells."""
        row = grid[r]
        n = len(words) + 2
        starts = range(len(row) - n, 0, -1) if right else range(1, len(row) - n + 1)
        for x in starts:  # the first free place from that end
            if all(st in ("", "band") for _, st in row[x:x + n]):
                row[x:x + n] = [(" ", "")] + [(ch, "label") for ch in words] + [(" ", "")]
                return

    def _row(self, out: Text, cells: list[tuple[str, str]]) -> None:
        for ch, st in cells:
            out.append(ch, self._style(st) if st else "")

    def _title(self, width: int) -> Text:
        t = Text(no_wrap=True)
        t.append(f" Pain, {RANGE_WORDS.get(self.range_label, self.range_label)}", "bold")
        legend = Text.assemble("  ", (AVG, self._style("avg")), " average  ", (WORST, self._style("worst")),
                               " worst  ", (EPISODE, self._style("episode")), " breakthrough")
        tabs = Text()
        for _, label, _ in RANGES:
            if label == self.range_label:
                tabs.append(f"[{label}]", "bold reverse")
            else:
                tabs.append(f" {label} ", "dim")
        if t.cell_len + legend.cell_len + tabs.cell_len + 1 <= width:
            t.append_text(legend)
        gap = max(1, width - t.cell_len - tabs.cell_len)
        t.append(" " * gap)
        t.append_text(tabs)
        return t

    def _dates(self, cols: list[dict], xs: list[int], cw: int, plot_w: int, yw: int) -> Text:
        line = [" "] * (plot_w + yw + 1)

        def put(x: int, s: str, right: bool = False) -> None:
            x = x - len(s) + 1 if right else x
            x = max(0, min(len(line) - len(s), x))
            if all(c == " " for c in line[max(0, x - 1):x + len(s) + 1]):
                line[x:x + len(s)] = list(s)

        off = yw + 1
        if cw >= 7:
            for ci, c in enumerate(cols):
                is_today = c["first"] == c["last"] == self._today
                put(off + xs[ci], ("today" if is_today else c["first"].strftime("%a %-d"))[:cw - 1])
        else:
            put(off, cols[0]["first"].strftime("%-d %b"))
            put(off + xs[-1] - 1, cols[-1]["last"].strftime("%-d %b"), right=True)
            mid = len(cols) // 2
            put(off + xs[mid] - 3, cols[mid]["first"].strftime("%-d %b"))
        t = Text("".join(line), style=self._style("label"), no_wrap=True)
        present = sorted({m["category"] for m in self.trend.markers})
        if (present or self._today_shown) and cw < 7:
            items = ([f"{MARKER_LETTERS[c]} {MARKER_WORDS[c]}" for c in present if c in MARKER_LETTERS]
                     + ([f"{TODAY} today"] if self._today_shown else []))
            # Between the first and the middle date label, where there is room; the plan
            # events' letters first, the today mark (help explains it too) only if it fits.
            start = off + 8
            key = "  ".join(items)
            while len(items) > 1 and start + len(key) >= off + xs[len(cols) // 2] - 4:
                items.pop()
                key = "  ".join(items)
            if start + len(key) < off + xs[len(cols) // 2] - 4:
                t = Text("".join(line[:start]) + key + "".join(line[start + len(key):]),
                         style=self._style("label"), no_wrap=True)
        return t
