"""Messages between the dashboard's screens, so a dialog never reaches into another screen's widgets."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class EntryLogged(Message):
    """A pain entry was just saved; the main screen shows it before the full refresh."""

    def __init__(self, entry: Any) -> None:
        super().__init__()
        self.entry = entry
