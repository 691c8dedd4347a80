"""Channels reminders go out on (hook ``register_notifiers``, issue 21): the contract and the
two built-ins, Apprise (ntfy, e-mail, Matrix, Telegram, Gotify... one URL each) and the
terminal. A notifier only sends: it never touches the database."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable


class NotifyError(Exception):
    """A channel refused or could not be reached (the message says why, never the URL)."""


@dataclass(frozen=True)
class Notifier:
    """A way to send: ``schemes`` are the URL schemes it takes ('*': any its library knows;
    a notifier naming the scheme wins over '*'); ``send(url, title, body)`` raises
    NotifyError (or any exception) when the message did not go out."""
    name: str
    schemes: tuple[str, ...]
    send: Callable[[str, str, str], None]
    description: str = ""


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def pick(notifiers: dict[str, Notifier], url: str) -> Notifier:
    """The notifier for a channel URL: one naming its scheme, else one taking any ('*')."""
    scheme = scheme_of(url)
    own = [n for n in notifiers.values() if scheme in n.schemes]
    anyone = [n for n in notifiers.values() if "*" in n.schemes]
    if not (own or anyone):
        raise NotifyError(f"no notifier takes {scheme or 'this'}:// URLs")
    return (own or anyone)[0]


def apprise_send(url: str, title: str, body: str) -> None:
    """Send with Apprise. Its own plugin folders are not read (no code from folders others may
    write); its log lines are kept to say why a channel failed."""
    import logging

    import apprise

    asset = apprise.AppriseAsset(plugin_paths=[], storage_mode="memory", secure_logging=True)
    a = apprise.Apprise(asset=asset)
    if not a.add(url):
        raise NotifyError("not a channel URL Apprise knows (see https://github.com/caronc/apprise/wiki)")
    with apprise.LogCapture(level=logging.WARNING) as logs:
        ok = a.notify(body=body, title=title)
    if not ok:
        lines = [ln.split(" - ", 2)[-1] for ln in logs.getvalue().splitlines() if ln.strip()]
        raise NotifyError(lines[-1] if lines else "the channel did not take the message")


def terminal_send(url: str, title: str, body: str) -> None:
    """terminal://: the line on standard error, with the bell (`remind --watch` in a terminal)."""
    from painboard.terminal_text import clean

    print(f"\a{clean(body)}", file=sys.stderr, flush=True)


BUILTIN = (
    Notifier("apprise", ("*",), apprise_send, "ntfy, e-mail, Matrix, Telegram, Gotify and more (Apprise URLs)"),
    Notifier("terminal", ("terminal",), terminal_send, "the terminal: the line and the bell"),
)
