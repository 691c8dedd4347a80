"""The colours of pain scores and levels, readable in every theme, in 16 colours and NO_COLOR.

A score's colour comes from the theme (error, warning, success) and is checked against the
theme's background with the WCAG 2.x contrast ratio (https://www.w3.org/TR/WCAG21/#contrast-minimum,
4.5:1 for text); a colour below that is blended toward the theme's foreground until it passes.
Under NO_COLOR Textual draws in grey levels, so the severe score is drawn reversed and a
moderate one underlined: the band shows without colour. The 16-colour themes use the
terminal's own red, yellow and green, which the person has chosen to be readable.
"""

from __future__ import annotations

from textual.color import Color

MIN_CONTRAST = 4.5
BAND_VARIABLE = {"severe": "error", "moderate": "warning", "mild": "success", "nil": "success"}
LEVEL_BAND = {"alert": "severe", "watch": "moderate"}
NO_COLOR_STYLE = {"severe": "bold reverse", "moderate": "bold underline"}
ANSI = {"error": "red", "warning": "yellow", "success": "green"}

_cache: dict[tuple, str] = {}


def _luminance(c: Color) -> float:
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)


def contrast(a: Color | str, b: Color | str) -> float:
    """WCAG 2.x contrast ratio of two opaque colours, 1 to 21."""
    la, lb = sorted((_luminance(Color.parse(a) if isinstance(a, str) else a),
                     _luminance(Color.parse(b) if isinstance(b, str) else b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(colour: str, background: str, foreground: str) -> str:
    """colour, or the first blend of it toward foreground that reaches MIN_CONTRAST."""
    c, bg, fg = Color.parse(colour), Color.parse(background), Color.parse(foreground)
    for step in range(11):
        mixed = c.blend(fg, step / 10)
        if contrast(mixed, bg) >= MIN_CONTRAST:
            return mixed.hex
    return fg.hex


def band_style(app, band: str | None) -> str:
    """The Rich style of a score in this band, in the app's current theme and colour mode."""
    if band is None:
        return "bold"
    no_color = bool(getattr(app, "no_color", False))
    key = (app.theme, no_color, band)
    if key not in _cache:
        _cache[key] = _band_style(app, band, no_color)
    return _cache[key]


def _band_style(app, band: str, no_color: bool) -> str:
    if no_color:
        return NO_COLOR_STYLE.get(band, "bold")
    var = BAND_VARIABLE.get(band)
    if var is None:
        return "bold"
    v = app.get_css_variables()
    colour, bg, fg = v.get(var, ""), v.get("background", ""), v.get("foreground", "")
    if colour.startswith("ansi_") or bg.startswith("ansi_"):
        return f"bold {ANSI[var]}" + (" reverse" if band == "severe" and no_color else "")
    return f"bold {readable(colour, bg, fg)}"


def level_style(app, level: str | None) -> str:
    """A metric's level (watch, alert) drawn like the matching pain band; ok plain."""
    band = LEVEL_BAND.get(level or "")
    return band_style(app, band) if band else ""
