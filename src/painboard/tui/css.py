"""Widgets keep their styles in a .tcss file beside them (shipped as package data)."""

from __future__ import annotations

from pathlib import Path


def sibling_css(module_file: str) -> str:
    """The text of ``<module>.tcss`` next to a widget's module, for its DEFAULT_CSS."""
    return Path(module_file).with_suffix(".tcss").read_text(encoding="utf-8")
