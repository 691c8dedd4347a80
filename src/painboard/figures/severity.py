"""Pain severity: the bands of a 0-10 score and the rounding to whole points."""

from __future__ import annotations

import math

# -- severity ---------------------------------------------------------------------------------
# 0-10 severity bands on the worst-pain item (Serlin et al., Pain 1995): 1-4 mild,
# 5-6 moderate, 7-10 severe. Background pain counts as controlled at 4/10 or less
# (Davies et al., 2009).
CONTROLLED_MAX = 4
SEVERE_MIN = 7


def severity_band(score: float | int | None) -> str:
    """The band a 0-10 score falls in: none (no score), nil, mild, moderate or severe."""
    if score is None:
        return "none"
    if score >= SEVERE_MIN:
        return "severe"
    if score > CONTROLLED_MAX:
        return "moderate"
    return "mild" if score >= 1 else "nil"


def severity_level(score: float | None) -> str:
    """A metric's level for a pain score: ok up to controlled, watch, alert from severe."""
    if score is None or score <= CONTROLLED_MAX:
        return "ok"
    return "alert" if score >= SEVERE_MIN else "watch"


def whole(x: float) -> int:
    """Round half up to a whole point."""
    return int(math.floor(x + 0.5))
