"""Type-ahead: keys typed before the form they are meant for is up are held, then replayed.

Over a laggy link a whole burst (``1`` ``0`` Enter) reaches the app at once. Textual forwards
each key to whatever has the focus when it is read, so without this the ``0`` reaches the
main screen before the form the ``1`` opened is mounted (a second form, or lost) and Enter
never reaches the form. So a key that opens a form holds the keys after it; the form lets
them go, in order, once its first field has the focus.
"""

from __future__ import annotations

from textual import events

# Keys of the main screen that open a form which takes typing (log form, review, symptom, a
# warning sign reported). The digits and the quick log line's Tab: MainScreen.form_keys.
OPENS_A_FORM = frozenset("lrs") | {"R", "exclamation_mark"}  # R: the records screen (its list takes keys)
# A safety net only: every path that opens a form lets the held keys go once its first field
# has the focus, and every path that refuses (read-only, nothing to report, a failed read) lets
# them go at once. A short limit let them go early on a loaded machine, to a screen without
# focus where they were lost (issue 22: bursts lost keys under stress); a form that did come
# is waited for however long its mount takes, up to HOLD_LAST_RESORT_S.
HOLD_LIMIT_S = 30.0
HOLD_LAST_RESORT_S = 60.0


class KeyHold:
    def __init__(self, app) -> None:
        self.app = app
        self.held: list[events.Key] | None = None
        self._timer = None
        self._from = None  # the screen the hold began on
        self._waited = 0.0
        # Let go but not read back yet; keys read meanwhile were typed after them (they were
        # already in the app's queue, ahead of the re-posted ones): they wait behind.
        self._replaying: list[events.Key] = []
        self._behind: list[events.Key] = []

    def take(self, event: events.Event) -> bool:
        """True when the key is held (the app must not handle it now)."""
        if not isinstance(event, events.Key) or event.is_forwarded:
            return False  # only keys as they arrive, not one bubbling back up from a widget
        if self._replaying:
            if event is not self._replaying[0]:
                self._behind.append(event)  # typed after the keys let go: after them
                return True
            self._replaying.pop(0)
            if not self._replaying and self._behind:
                behind, self._behind = self._behind, []
                self._post(behind)
        if self.held is not None:
            self.held.append(event)
            return True
        from painboard.tui.screens.main import MainScreen

        screen = self.app.screen
        if isinstance(screen, MainScreen) and not screen.keys_ready:  # typed while it starts
            self._hold(screen, [event])
            return True
        opens = (event.key in screen.form_keys() if isinstance(screen, MainScreen)  # Tab on the quick log line
                 else event.key in getattr(screen, "FORM_KEYS", ()))  # another screen's own form keys
        if opens and not getattr(self.app, "read_only", False):  # read-only: no form comes
            self._hold(screen, [])
        return False

    def _hold(self, screen, held: list) -> None:
        self.held, self._from, self._waited = held, screen, 0.0
        self._timer = self.app.set_timer(HOLD_LIMIT_S, self._expired)

    def _expired(self) -> None:
        """No release yet: let the keys go, unless a form came and is still being mounted."""
        self._waited += HOLD_LIMIT_S
        if self.app.screen is not self._from and self._waited < HOLD_LAST_RESORT_S:
            self._timer = self.app.set_timer(HOLD_LIMIT_S, self._expired)
            return
        self.release()

    def release(self) -> None:
        """Let the held keys go, in order, ahead of any typed after this."""
        held, self.held = self.held, None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._post(held or [])

    def _post(self, keys: list[events.Key]) -> None:
        """Keys back to the app, in order, before any key it reads after them (take)."""
        for e in keys:
            again = events.Key(e.key, e.character)
            again.set_sender(self.app)
            self._replaying.append(again)
            if not self.app.post_message(again):  # closing: it never comes back to wait for
                self._replaying.remove(again)
