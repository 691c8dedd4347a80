"""The dashboard's share of reminders (issue 21), kept small: a reminder due now shows as a
notice with the bell (the terminal channel of an open dashboard), and a channel that fails
shows as a warning line. Each is shown once per session."""

from __future__ import annotations

from typing import Any


def reminders_now(pb) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Read in a worker thread: what is due now and which channel fails."""
    from painboard.errors import BadInput
    from painboard.reminders_run import Reminders

    try:
        return Reminders(pb).for_dashboard()
    except BadInput as exc:  # a [remind] setting that cannot be read: said once, not each refresh
        return [], [("settings", f"reminders: {exc}")]


class ReminderNotices:
    def __init__(self) -> None:
        self.seen: set[Any] = set()

    def show(self, app, found: tuple[list[tuple[str, str]], list[tuple[str, str]]]) -> None:
        due, failing = found
        for key, text in due:
            if key not in self.seen:
                self.seen.add(key)
                app.notify(text, title="reminder", timeout=60)
                app.bell()
        for channel, text in failing:
            if (channel, text) not in self.seen:
                self.seen.add((channel, text))
                app.notify(text, severity="warning", timeout=60)
