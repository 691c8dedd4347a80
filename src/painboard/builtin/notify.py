"""The built-in reminder channels: Apprise URLs and the terminal (painboard.notifiers)."""

from __future__ import annotations

from painboard.notifiers import BUILTIN
from painboard.plugin_api import hookimpl


@hookimpl
def register_notifiers(register):
    for notifier in BUILTIN:
        register(notifier)
