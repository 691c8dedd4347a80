"""The one clock every layer reads (standard library only, so the first frame can use it).

PAINBOARD_NOW (screenshots, tests) freezes it at an ISO 8601 time with its offset; a value
that is not one is ignored here and refused with a message by Settings.load
(config.check_clock_override). Tests freeze it with ``freeze_clock``.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone


def _frozen_from_env() -> datetime | None:
    # For reproducible screenshots and tests: PAINBOARD_NOW=2026-11-28T14:05:00+00:00
    text = os.environ.get("PAINBOARD_NOW")
    try:
        return datetime.fromisoformat(text).astimezone(timezone.utc) if text else None
    except ValueError:
        return None  # Settings.load refuses it with a message (config.check_clock_override)


_frozen: datetime | None = _frozen_from_env()


def freeze_clock(at: datetime | None) -> None:
    """Make utcnow() answer ``at`` (None: the real clock again)."""
    global _frozen
    _frozen = at.astimezone(timezone.utc) if at else None


def utcnow() -> datetime:
    """The one clock every layer reads."""
    return _frozen or datetime.now(timezone.utc)
