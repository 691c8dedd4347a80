"""Zero-width and bidi characters (issue 17, item 12): names compare as they read, and the one
sanitiser shows these characters as marks wherever text is shown."""

from __future__ import annotations

import json
import sys
import unicodedata

import pytest

from painboard.models import same_words
from painboard.terminal_text import NEWLINE_MARK, REPLACEMENT, clean, clean_lines, json_text

from .conftest import ok, refused

pytestmark = pytest.mark.usefixtures("fixed_env")

ZWSP, RLO, LRI, PDI, ZWJ, BOM = "\u200b", "\u202e", "\u2066", "\u2069", "\u200d", "\ufeff"


@pytest.mark.parametrize("second", [
    f"Morphine{ZWSP} SR",          # a zero-width space: looks the same
    f"Morphine SR{BOM}",           # a byte order mark at the end
    f"{LRI}Morphine SR{PDI}",      # an isolate around it
    "morphine  sr",                # case and a doubled space
    "Ｍorphine\u00a0SR",            # a fullwidth M and a no-break space (NFKC)
])
def test_a_second_item_that_reads_the_same_is_refused_as_a_duplicate(cli_run, second):
    ok(cli_run("plan", "add", "Morphine SR", "--dose", "30", "--unit", "mg", "--times", "08:00,20:00"))
    refused(cli_run("plan", "add", second, "--dose", "30", "--unit", f"MG{ZWSP}", "--times", "08:00,20:00"),
            2, "plan item 1 (Morphine SR 30 mg) is already in the plan")
    assert len(json.loads(ok(cli_run("plan", "list", "--json")).stdout)) == 1


def test_plan_list_shows_the_invisible_characters_as_marks(cli_run):
    ok(cli_run("plan", "add", f"Oxy{RLO}codone IR", "--as-needed"))
    ok(cli_run("plan", "add", f"Morphine{ZWSP} SR", "--dose", "30", "--unit", "mg", "--times", "08:00"))
    out = ok(cli_run("plan", "list")).stdout
    assert f"Oxy{REPLACEMENT}codone IR" in out and f"Morphine{REPLACEMENT} SR 30 mg" in out
    assert RLO not in out and ZWSP not in out


def test_the_sanitiser_marks_bidi_and_zero_width_characters():
    assert clean(f"pain {RLO}gnitirw{PDI} 4") == f"pain {REPLACEMENT}gnitirw{REPLACEMENT} 4"
    assert clean(f"Morphine{ZWSP} SR") == f"Morphine{REPLACEMENT} SR"
    assert clean(f"a\u200eb\u200fc\u061cd\u00ade") == f"a{REPLACEMENT}b{REPLACEMENT}c{REPLACEMENT}d{REPLACEMENT}e"
    assert clean("one\u2028two\u2029three") == f"one{NEWLINE_MARK}two{NEWLINE_MARK}three"
    assert clean_lines("one\u2028two") == "one\ntwo"
    # a joiner between two non-ASCII characters is part of what they show: kept
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean(f"with {family}") == f"with {family}"
    assert clean(f"Morphine{ZWJ}SR") == f"Morphine{REPLACEMENT}SR"
    assert clean("Paracetamol 1 g") == "Paracetamol 1 g"


def test_every_format_character_is_marked():
    cf = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert len(cf) > 150
    shown = clean("x" + "x".join(cf) + "x")
    assert shown == "x" + "x".join(REPLACEMENT for _ in cf) + "x"


def test_json_output_writes_them_as_escapes_and_stays_json():
    text = json_text({"name": f"Oxy{RLO}codone", "tag": "\U000e0041"})
    assert RLO not in text and "\\u202e" in text and "\\udb40\\udc41" in text
    assert json.loads(text) == {"name": f"Oxy{RLO}codone", "tag": "\U000e0041"}


def test_same_words():
    assert same_words(f" {LRI}Ｍorphine{ZWSP}\u00a0 SR{PDI} ") == "morphine sr"
    assert same_words("Straße") == same_words("STRASSE")
    assert same_words(None) == ""
