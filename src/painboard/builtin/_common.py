"""Wording helpers the built-in formats share (the figures themselves are in painboard.figures)."""

from __future__ import annotations

from datetime import datetime

BARS = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None], lo: float = 0, hi: float = 10, width: int = 60) -> str:
    """A text sparkline on a fixed 0-10 scale (so two summaries compare); gaps are spaces."""
    if len(values) > width:  # average neighbours down to the width
        step = len(values) / width
        chunks = [values[int(i * step):int((i + 1) * step)] for i in range(width)]
        values = [(sum(x for x in c if x is not None) / len([x for x in c if x is not None]))
                  if any(x is not None for x in c) else None for c in chunks]
    out = []
    for v in values:
        if v is None:
            out.append(" ")
        else:
            i = round((min(max(v, lo), hi) - lo) / (hi - lo) * (len(BARS) - 1))
            out.append(BARS[i])
    return "".join(out)


def local_iso(dt: datetime | None, tz) -> str:
    return "" if dt is None else dt.astimezone(tz).isoformat()
