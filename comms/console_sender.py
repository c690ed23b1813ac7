"""The console sender: messages for the terminal's workspaces (`local`, `demo`) printed as their recipient would
read them, in the same outbox, scheduler and exactly-once bookkeeping as Slack and Teams."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.console import is_console_team
from bot.domain.platforms import is_channel
from comms.render.console import message_text
from comms.render.text import named
from comms.senders import Permanent, RateLimited, Sender, SendResult, Sent, Transient
from storage import directory
from storage.db import Database
from storage.models import utcnow

Write = Callable[[str], None]


class ConsoleSender:
    """Prints each message under a line saying who it reached and when, in their time zone; a shared file (the
    digest's chart) is saved in `files` and its path printed."""

    paces_recipients = False  # a terminal has no rate limit to respect

    def __init__(self, db: Database, write: Write, files: Path) -> None:
        self._db = db
        self._write = write
        self._files = files
        self._counter = itertools.count(1)

    async def send(self, team_id: str, recipient_id: str, message: dict[str, Any]) -> SendResult:
        async with self._db.sessions() as session:
            names = await directory.names(session, team_id)
            entry = await directory.entry(session, team_id, recipient_id)
        zone = _zone(entry.timezone if entry is not None else None)
        where = named("#" if is_channel(recipient_id) else "@", recipient_id, names)
        when = utcnow().astimezone(zone)
        heading = f"── to {where} · {when:%a %d %b %H:%M} {_zone_label(zone, when)} " + "─" * 20
        self._write(f"\n{heading}\n{message_text(message, names)}\n")
        return Sent(channel=recipient_id, ts=f"{time.time():.0f}.{next(self._counter):06d}")

    async def permalink(self, team_id: str, channel: str, ts: str) -> str | None:
        return None

    async def update(self, team_id: str, channel: str, ts: str, message: dict[str, Any]) -> bool:
        """A terminal cannot change what it printed: the new version is printed again, marked as such."""
        async with self._db.sessions() as session:
            names = await directory.names(session, team_id)
        where = named("#" if is_channel(channel) else "@", channel, names)
        self._write(f"\n── updated, to {where} " + "─" * 20 + f"\n{message_text(message, names)}\n")
        return True

    async def timezone(self, team_id: str, user_id: str) -> str | RateLimited | Transient | None:
        async with self._db.sessions() as session:
            entry = await directory.entry(session, team_id, user_id)
        return entry.timezone if entry is not None else None

    async def upload(
        self, team_id: str, channel: str, thread_ts: str | None, content: bytes, filename: str, title: str
    ) -> bool:
        path = await asyncio.to_thread(saved_file, self._files, team_id, filename, content)
        self._write(f"[{title}: saved to {path}]")
        return True


def console_writer(log: Path | None) -> Write:
    """Print to the terminal, or append to the `--outbox-log` file (read it with `tail -f`)."""
    if log is None:
        return lambda text: print(text, flush=True)

    def append(text: str) -> None:
        with log.open("a", encoding="utf-8") as out:
            out.write(text + "\n")

    return append


def saved_file(folder: Path, team_id: str, filename: str, content: bytes) -> Path:
    """Write `content` as `<team>-<stamp>-<filename>` in `folder`: a new name each time, so no picture is lost."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{team_id}-{utcnow():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}-{Path(filename).name}"
    path.write_bytes(content)
    return path.resolve()


class ConsoleRouting:
    """A platform's sender with the terminal's workspaces turned to the console: what a release or digest for
    `demo` sends never leaves this machine, and a real workspace's messages never reach the console."""

    def __init__(self, platform: Sender, console: Sender) -> None:
        self._platform = platform
        self._console = console

    def _sender(self, team_id: str) -> Sender:
        return self._console if is_console_team(team_id) else self._platform

    async def send(self, team_id: str, recipient_id: str, message: dict[str, Any]) -> SendResult:
        return await self._sender(team_id).send(team_id, recipient_id, message)

    async def permalink(self, team_id: str, channel: str, ts: str) -> str | None:
        return await self._sender(team_id).permalink(team_id, channel, ts)

    async def update(self, team_id: str, channel: str, ts: str, message: dict[str, Any]) -> bool:
        return await self._sender(team_id).update(team_id, channel, ts, message)

    async def timezone(self, team_id: str, user_id: str) -> str | RateLimited | Transient | None:
        return await self._sender(team_id).timezone(team_id, user_id)

    async def upload(
        self, team_id: str, channel: str, thread_ts: str | None, content: bytes, filename: str, title: str
    ) -> bool:
        return await self._sender(team_id).upload(team_id, channel, thread_ts, content, filename, title)


KEPT_LOCAL = "kept_local"  # why a terminal workspace's row for a tracker or a webhook receiver was not sent


class KeptLocal:
    """An outside system's sender (an issue tracker, the webhook receiver) that refuses the terminal's workspaces:
    nothing queues such rows, and should one exist all the same, it fails here rather than leave the machine."""

    def __init__(self, platform: Sender) -> None:
        self._platform = platform
        self.paces_recipients = getattr(platform, "paces_recipients", True)

    async def send(self, team_id: str, recipient_id: str, message: dict[str, Any]) -> SendResult:
        if is_console_team(team_id):
            return Permanent(KEPT_LOCAL)
        return await self._platform.send(team_id, recipient_id, message)

    async def permalink(self, team_id: str, channel: str, ts: str) -> str | None:
        return None if is_console_team(team_id) else await self._platform.permalink(team_id, channel, ts)

    async def update(self, team_id: str, channel: str, ts: str, message: dict[str, Any]) -> bool:
        return False if is_console_team(team_id) else await self._platform.update(team_id, channel, ts, message)

    async def timezone(self, team_id: str, user_id: str) -> str | RateLimited | Transient | None:
        return None if is_console_team(team_id) else await self._platform.timezone(team_id, user_id)

    async def upload(
        self, team_id: str, channel: str, thread_ts: str | None, content: bytes, filename: str, title: str
    ) -> bool:
        if is_console_team(team_id):
            return False
        return await self._platform.upload(team_id, channel, thread_ts, content, filename, title)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _zone_label(zone: ZoneInfo, moment: datetime) -> str:
    return moment.tzname() or str(zone)
