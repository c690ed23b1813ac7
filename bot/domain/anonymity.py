"""Times that could line up an anonymous person's action with anything else they did are kept coarse."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

SHOWN_AFTER_JITTER = timedelta(minutes=15)


def on_the_hour(moment: datetime) -> datetime:
    """An anonymous item's time, coarse enough not to line up with anything else its author did (a message, a
    login, a row touched in the same second)."""
    return moment.replace(minute=0, second=0, microsecond=0)


def shown_after(moment: datetime) -> datetime:
    """When something an anonymous person did may first show (a triage post, a redrawn vote count): after the hour
    it happened in has ended, at a random minute, so its time says no more than the stored hour does."""
    jitter = timedelta(seconds=secrets.randbelow(int(SHOWN_AFTER_JITTER.total_seconds())))
    return on_the_hour(moment) + timedelta(hours=1) + jitter
