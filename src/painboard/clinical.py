"""Clinical figures painboard shows as markers, from /shared/reference/clinical.md.

Plain constants with no imports, so the dashboard's first frame can use them. They inform;
none of them is advice.
"""

# 0-10 severity bands on the worst-pain item (Serlin et al., Pain 1995): 1-4 mild,
# 5-6 moderate, 7-10 severe. Background pain counts as controlled at 4/10 or less.
CONTROLLED_MAX = 4
SEVERE_MIN = 7

# More than about 4 rescue doses a day: the usual signal worth raising with the care team
# (NCCN and ESMO-derived summaries).
RESCUE_DOSES_MARKER = 4


def severity_band(score: float | int | None) -> str:
    """none, nil, mild, moderate or severe."""
    if score is None:
        return "none"
    if score >= SEVERE_MIN:
        return "severe"
    if score > CONTROLLED_MAX:
        return "moderate"
    return "mild" if score >= 1 else "nil"
