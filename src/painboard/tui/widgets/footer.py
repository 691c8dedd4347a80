"""The key line at the bottom: Textual's Footer, built once and rebuilt only when it changes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from painboard.tui.format import NARROW

# Below NARROW the keys do not fit in one line: shorter words, and the keys that help lists
# anyway (quit, the palette) leave the line so that it never overwrites itself.
SHORT = {"breakthrough": "episode", "radiation and insights": "insights"}
DROPPED_WHEN_NARROW = {"quit", "app.quit"}
# Keys shown only from this width (below it, help and the palette list them): at 80 columns
# the line is full, and "q quit" must stay on it.
WIDE = 100
SHOWN_WHEN_WIDE = {"records"}


class DashFooter(Footer):
    """Footer waits for the first bindings signal to compose its keys, then rebuilds every key
    on each later signal (focus moving, a screen pushed or popped): an empty footer, then two
    or three rebuilds before the dashboard's first frame, most of that frame's cost. Here the
    keys are composed with the screen (its bindings are known by then), the signals of one
    refresh are merged, and the keys are rebuilt only if what they show has changed."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.set_reactive(Footer._bindings_ready, True)
        self._shown: tuple | None = None
        self._pending = False

    @property
    def narrow(self) -> bool:
        return self.app.size.width < NARROW

    def _signature(self) -> tuple:
        palette = self.app.COMMAND_PALETTE_BINDING
        return (self.narrow, self.app.size.width >= WIDE) + tuple((key, b.action, b.description, b.key_display, b.group, enabled, tooltip)
                     for key, (_, b, enabled, tooltip) in self.screen.active_bindings.items()
                     if b.show or key == palette)

    def compose(self) -> ComposeResult:
        self._shown = self._signature()
        narrow, wide = self.narrow, self.app.size.width >= WIDE
        for widget in super().compose():
            if not wide and isinstance(widget, FooterKey) and widget.action in SHOWN_WHEN_WIDE:
                continue
            if narrow and isinstance(widget, FooterKey):
                if widget.action in DROPPED_WHEN_NARROW or widget.has_class("-command-palette"):
                    continue
                widget.description = SHORT.get(widget.description, widget.description)
            yield widget

    def on_resize(self, event: Resize) -> None:
        if self._shown is not None and self._shown[:2] != (self.narrow, self.app.size.width >= WIDE) \
                and not self._pending:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    def bindings_changed(self, screen) -> None:
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        self._pending = False
        if self.is_attached and self._signature() != self._shown:
            await self.recompose()
