"""Learning each lion's time zone before their digest is written: the digest's dates and times are the reader's,
and Slack knows a person's zone (users.info), so nobody should read theirs in FEEDBOT_TIMEZONE for want of asking."""

from __future__ import annotations

import logging
from collections.abc import Collection

from comms.senders import RateLimited, Sender, Transient
from storage import timezones
from storage.db import Database

log = logging.getLogger("feedbot.reader_zones")


async def learn_lion_zones(
    db: Database, sender: Sender, asked: set[tuple[str, str]], teams: Collection[str] | None = None
) -> int:
    """Look up and cache the zone of every Slack lion not looked up yet; return how many were learned.

    `asked` holds the lions Slack had no zone for (or that it refused), so they are asked once per process, not on
    every tick; a rate limit or a passing failure stops the round and leaves the rest for the next one."""
    async with db.sessions() as session:
        due = [lion for lion in await timezones.lions_without_zone(session, teams) if lion not in asked]
    learned = 0
    for team_id, user_id in due:
        zone = await sender.timezone(team_id, user_id)
        if isinstance(zone, RateLimited | Transient):
            break
        if zone is None:
            asked.add((team_id, user_id))
            continue
        async with db.sessions.begin() as session:
            await timezones.remember(session, "slack", team_id, user_id, zone)
        learned += 1
    if learned:
        log.info("learned the time zone of %d lion(s)", learned)
    return learned
