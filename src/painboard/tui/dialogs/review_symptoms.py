"""The daily review's questions about side effects and the team's warning signs (issue 20).

Each side effect takes 0-3 (none, mild, moderate, severe); ctrl+n answers "none" to all of
them and "no" to the warning-sign question in one key. "y" to the warning-sign question opens
the symptom form after the review is saved, to say which sign."""

from __future__ import annotations

from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Static

from painboard.warning_signs import SIDE_EFFECTS

SIGN_ID = "sx-sign"


def side_effect_id(name: str) -> str:
    return "sx-" + name.replace(" ", "-")


def questions() -> Vertical:
    rows = [Static("Side effects today: 0 none, 1 mild, 2 moderate, 3 severe · ctrl+n none at all",
                   classes="hint")]
    for name in SIDE_EFFECTS:
        rows.append(Horizontal(Label(name.capitalize()),
                               Input(id=side_effect_id(name), restrict=r"[0-3]?", max_length=1, classes="-short",
                                     placeholder="0-3"), classes="row"))
    rows.append(Horizontal(Label("A sign from your team's list"),
                           Input(id=SIGN_ID, restrict=r"[ynYN]?", max_length=1, classes="-short", placeholder="y/n"),
                           classes="row"))
    return Vertical(*rows, id="review-symptoms")


def answer_none(screen) -> None:
    for name in SIDE_EFFECTS:
        screen.query_one(f"#{side_effect_id(name)}", Input).value = "0"
    screen.query_one(f"#{SIGN_ID}", Input).value = "n"


def answers(screen) -> tuple[dict[str, str], bool]:
    """(side effect: what was typed), and whether a warning sign was answered yes."""
    got = {name: screen.query_one(f"#{side_effect_id(name)}", Input).value.strip() for name in SIDE_EFFECTS}
    sign = screen.query_one(f"#{SIGN_ID}", Input).value.strip().lower() == "y"
    return {k: v for k, v in got.items() if v}, sign
