"""Whose clock a message is read on: the reader's own zone where we know it, else FEEDBOT_TIMEZONE."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from storage import timezones


async def reader_zone(session: AsyncSession, platform: str, team_id: str, user_id: str, default: ZoneInfo) -> ZoneInfo:
    name = await timezones.known(session, platform, team_id, user_id)
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # a zone this machine's tz database lacks, or a malformed one
        return default
