"""'At 09:00 in each person's own time zone': the wall-clock arithmetic, in one place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Every inhabited time zone lies between UTC-12 and UTC+14.
EARLIEST_ZONE = timezone(timedelta(hours=14))
LATEST_ZONE = timezone(timedelta(hours=-12))


def wall_time(moment: datetime, zone: ZoneInfo) -> str:
    """The wall-clock reading of `moment` in `zone`, without a zone: "2026-12-01T09:00:00"."""
    return moment.astimezone(zone).replace(tzinfo=None).isoformat(timespec="seconds")


def first_moment(moment: datetime, zone: ZoneInfo) -> datetime:
    """When the wall-clock time of `moment` (read in `zone`) first comes round anywhere on Earth."""
    return moment.astimezone(zone).replace(tzinfo=EARLIEST_ZONE).astimezone(UTC)


def last_moment(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=LATEST_ZONE).astimezone(UTC)


def in_zone(wall: str, zone_name: str | None) -> datetime:
    """The moment a wall-clock time comes round in a person's zone (UTC when the zone is unknown)."""
    try:
        zone = ZoneInfo(zone_name) if zone_name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.fromisoformat(wall).replace(tzinfo=zone).astimezone(UTC)
