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


# -- one rounding rule for every face ------------------------------------------------------------
# Half up to the shown precision (clinical.md, "Daily figures"): 11.25 shows as 11.3 on the
# dashboard, in the metrics and in both visit reports. Python's round() and format() round
# half to even on exact binary halves (round(11.25, 1) == 11.2), so neither is used for a figure.
def half_up(x: float | None, places: int = 1) -> float | None:
    """``x`` rounded half up (away from zero for a negative) to ``places`` decimals."""
    if x is None:
        return None
    from decimal import ROUND_HALF_UP, Decimal

    return float(Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def shown(x: float | None, places: int = 1, none: str = "n/a") -> str:
    """A figure as text, half up to ``places`` decimals with trailing zeros dropped (15, 7.5)."""
    v = half_up(x, places)
    if v is None:
        return none
    text = f"{v:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fixed(x: float | None, places: int = 1, none: str = "n/a") -> str:
    """A figure as text, half up to ``places`` decimals, zeros kept (6.0, 4.3)."""
    v = half_up(x, places)
    return none if v is None else f"{v:.{places}f}"
