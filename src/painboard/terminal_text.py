"""The one sanitiser for user text shown in a terminal (the CLI's lines, the dashboard's widgets).

Text the user typed, imported or a plugin returned may hold control characters: ESC starts
escape sequences that retitle the terminal, recolour it or (OSC 52) write the clipboard; BEL
rings; CR and backspace overwrite what was printed. ECMA-48 (ISO 6429) names the C0 set
(U+0000-U+001F, U+007F) and the C1 set (U+0080-U+009F, where U+009B is a one-character CSI).
Every one of them is shown as a visible mark instead, so nothing the user did not type
reaches the terminal, and a line of output stays one line.

So are the invisible format characters (Unicode category Cf): the bidi controls (U+202A-202E,
U+2066-2069, U+200E/F, U+061C), of which U+202E reverses the rest of a line on terminals that
honour it, and the zero-width ones (U+200B, U+2060, U+FEFF, ...) that make "Morphine SR" and
"Morphine\u200b SR" look the same. A zero-width joiner or non-joiner between two non-ASCII
characters (an emoji sequence, Persian or Indic script) is kept. U+2028/2029 break lines.

Import-free on purpose: the dashboard's first frame and every CLI command use it.
"""

from __future__ import annotations

import re

# A whole escape sequence (CSI ... final, OSC/DCS/APC/PM/SOS ... ST or BEL, or ESC + one
# character), then any lone control character left over.
_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"          # CSI
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])"   # OSC, DCS, SOS, PM, APC ...
    r"[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"      # ... up to BEL or ST
    r"|\x1b[ -~]?"                                # any other ESC + one character
)
# The format characters (Unicode 14 category Cf; a test checks the set against unicodedata).
FORMAT_CHARS = ("\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
                "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
                "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
                "\U000e0020-\U000e007f")
_CONTROL = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029{FORMAT_CHARS}]")
REPLACEMENT = "\ufffd"  # �: something was here that is not shown
NEWLINE_MARK = "\u21b5"  # ↵: a line break in a one-line place
_JOINERS = "\u200c\u200d"


def _mark(m: re.Match, one_line: bool) -> str:
    ch, s, i = m.group(), m.string, m.start()
    if ch in "\n\u2028\u2029":
        return NEWLINE_MARK if one_line else "\n"
    if ch == "\t":
        return " " if one_line else ch
    if ch in _JOINERS and 0 < i < len(s) - 1 and not s[i - 1].isascii() and not s[i + 1].isascii():
        return ch  # inside an emoji sequence or a word of a script that needs it
    return REPLACEMENT


def clean(text: object, *, one_line: bool = True) -> str:
    """``text`` safe for a terminal: escape sequences, control and invisible format characters
    become marks.

    one_line: a newline shows as ↵ (a list row, a toast); else newlines (and tabs) are kept.
    """
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    if not _CONTROL.search(s):
        return s
    s = _SEQUENCE.sub(REPLACEMENT, s)
    return _CONTROL.sub(lambda m: _mark(m, one_line), s)


def clean_lines(text: object) -> str:
    """Several lines (an error message, a help text): newlines kept, everything else cleaned."""
    return clean(text, one_line=False)


def escape_markup(text: object) -> str:
    """Clean text with Rich/Textual markup's opening brackets escaped, for a markup string."""
    return clean(text).replace("\\", "\\\\").replace("[", "\\[")


_C1 = re.compile(f"[\\x7f-\\x9f\\u2028\\u2029{FORMAT_CHARS}]")


def json_text(data: object) -> str:
    """JSON for a terminal or a pipe: strict (no NaN or Infinity, which are not JSON), and with
    the control characters json leaves raw (DEL, C1) written as \\u escapes, still valid JSON."""
    import json  # only the JSON outputs pay for it

    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    return _C1.sub(lambda m: json.dumps(m.group())[1:-1], text)  # \\uXXXX (a pair beyond U+FFFF)


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 entry', '0 episodes': counts in words, for the CLI, the dashboard and the metrics."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
