"""Issue 19, item 11: words a patient will follow. OMED is explained in every legend that can
show it, plan categories in words, no built-in plugin names under the metrics, the radiation
baseline and 'what helps' in plain sentences."""

from __future__ import annotations

import pytest
from rich.console import Console

from painboard.tui.format import OMED_WORDS
from tests.conftest import ok

pytestmark = pytest.mark.usefixtures("fixed_env")


def rendered(renderable, width: int = 100) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def test_plan_list_names_the_category_in_words(cli_run):
    ok(cli_run("plan", "add", "Denosumab", "--category", "bone_strengthening", "--dose", "120", "--unit", "mg",
               "--every-weeks", "4"))
    out = ok(cli_run("plan", "list")).stdout
    assert "bone strengthening" in out and "bone_strengthening" not in out


def test_omed_is_explained_in_the_help_metrics_and_insights_legends():
    from painboard.tui.screens.help import LEGEND as HELP
    from painboard.tui.screens.insights import LEGEND as INSIGHTS

    assert OMED_WORDS.startswith("OMED: oral morphine equivalent")
    assert OMED_WORDS in HELP and OMED_WORDS in INSIGHTS


def test_metrics_show_an_outside_plugins_name_but_not_a_built_in_one():
    from painboard.tui.screens.metrics import metrics_table

    rows = [{"name": "night", "label": "Night pain", "text": "4 of 7 nights", "level": "ok",
             "plugin": "builtin.metrics"},
            {"name": "steps", "label": "Steps", "text": "4000 a day", "level": "ok", "plugin": "walkcount"}]
    text = rendered(metrics_table(rows, None))
    assert "builtin" not in text and "(walkcount)" in text


def test_the_radiation_baseline_reads_as_a_sentence():
    from datetime import date

    from painboard.builtin.figures import _baseline_words

    words = _baseline_words({"since": date(2026, 10, 17), "until": date(2026, 10, 23), "enough": True,
                             "worst": 8.57, "days_with_worst": 7, "omed": 75.0})
    assert "whole point" not in words
    assert "worst pain 8.6 on average over 7 days (compared as 9/10)" in words
    assert "oral morphine equivalent (OMED) 75 mg a day" in words
