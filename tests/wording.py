"""The wording rule for every screen and export that shows a warning sign (issue 20): painboard
states what was logged and that the team asked to be told; it never says what a symptom means,
never diagnoses, never tells anyone to take or stop a drug."""

from __future__ import annotations

import re

FORBIDDEN = re.compile(r"\b(may indicate|indicates?|means|suggests?|diagnos\w*|take|taking|stop|stopping|"
                       r"increase|reduce|dose|emergency|urgent|you have|could be|likely|cancer|"
                       r"compression|fracture|hypercalcaemia|calcium)\b", re.I)


def check_wording(text: str) -> None:
    found = sorted({m.group(0).lower() for m in FORBIDDEN.finditer(text)})
    assert not found, f"forbidden words {found} in: {text[:400]!r}"
