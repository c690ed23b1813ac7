"""Platform senders for the delivery worker: one message to one recipient, and a verdict on what happened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError, SlackRequestError

from comms.workspaces import SlackClients

# Slack errors that mean "try again later", not "this can never work".
TRANSIENT_SLACK_ERRORS = {
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "team_added_to_org",
}


@dataclass(frozen=True)
class Sent:
    channel: str | None
    ts: str | None
    link: str | None = None  # where the created thing lives, when that is a page (an issue tracker's issue)


@dataclass(frozen=True)
class RateLimited:
    retry_after: float


@dataclass(frozen=True)
class Transient:
    error: str


@dataclass(frozen=True)
class Permanent:
    error: str


SendResult = Sent | RateLimited | Transient | Permanent


NOT_INSTALLED = "not_installed"  # the workspace has no token (uninstalled, or never installed)
# A tracker or a webhook receiver may ask for any pause; the worker stops that platform for this long at most.
MAX_RETRY_AFTER_SECONDS = 60.0


class Sender(Protocol):
    """Every call names the workspace (Slack team, Teams tenant) it acts in: each may have its own token."""

    async def send(self, team_id: str, recipient_id: str, message: dict[str, Any]) -> SendResult: ...

    async def permalink(self, team_id: str, channel: str, ts: str) -> str | None: ...

    async def update(self, team_id: str, channel: str, ts: str, message: dict[str, Any]) -> bool:
        """Redraw a message sent earlier (`channel` and `ts` as its Sent gave them); False when the platform
        refused or cannot (the message deleted, the app removed, a platform without edits)."""
        ...

    async def timezone(self, team_id: str, user_id: str) -> str | RateLimited | Transient | None:
        """The person's IANA time zone; None when the platform does not know it."""
        ...

    async def upload(
        self, team_id: str, channel: str, thread_ts: str | None, content: bytes, filename: str, title: str
    ) -> bool:
        """Share a file into a conversation; False if the platform refused (the caller carries on without it)."""
        ...


class PostOnlySender:
    """For platforms that only receive posts (issue trackers, webhook receivers): no conversations, no people,
    so no permalinks, time zones or file uploads."""

    async def permalink(self, team_id: str, channel: str, ts: str) -> str | None:
        return None

    async def update(self, team_id: str, channel: str, ts: str, message: dict[str, Any]) -> bool:
        return False

    async def timezone(self, team_id: str, user_id: str) -> str | RateLimited | Transient | None:
        return None

    async def upload(
        self, team_id: str, channel: str, thread_ts: str | None, content: bytes, filename: str, title: str
    ) -> bool:
        return False


def retry_after_seconds(value: str | None) -> float:
    """Retry-After as seconds or an HTTP date (RFC 9110), capped; 1 s when absent or unreadable."""
    if value is None:
        return 1.0
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class SlackSender:
    def __init__(self, clients: SlackClients) -> None:
        self._clients = clients

    async def send(self, team_id: str, recipient_id: str, message: dict[str, Any]) -> SendResult:
        client = await self._clients.for_team(team_id)
        if client is None:
            return Permanent(NOT_INSTALLED)
        # A user id as channel posts to the person's DM with the app: no conversations.open needed.
        try:
            response = await client.chat_postMessage(channel=recipient_id, **message)
        except SlackApiError as error:
            return _classify(error)
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            return Transient(type(error).__name__)
        return Sent(response.get("channel"), response.get("ts"))

    async def update(self, team_id: str, channel: str, ts: str, message: dict[str, Any]) -> bool:
        client = await self._clients.for_team(team_id)
        if client is None:
            return False
        try:
            await client.chat_update(channel=channel, ts=ts, **message)
        except (SlackApiError, aiohttp.ClientError, TimeoutError, OSError):
            return False
        return True

    async def timezone(self, team_id: str, user_id: str) -> str | RateLimited | Transient | None:
        client = await self._clients.for_team(team_id)
        if client is None:
            return None
        try:
            response = await client.users_info(user=user_id)
        except SlackApiError as error:
            verdict = _classify(error)
            return verdict if isinstance(verdict, RateLimited | Transient) else None
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            return Transient(type(error).__name__)
        user = response.get("user") or {}
        zone = user.get("tz") if isinstance(user, dict) else None
        return zone if isinstance(zone, str) else None

    async def upload(
        self, team_id: str, channel: str, thread_ts: str | None, content: bytes, filename: str, title: str
    ) -> bool:
        client = await self._clients.for_team(team_id)
        if client is None:
            return False
        # files_upload_v2: files.getUploadURLExternal → POST the bytes → files.completeUploadExternal.
        try:
            await client.files_upload_v2(
                channel=channel, thread_ts=thread_ts, content=content, filename=filename, title=title
            )
        except (SlackApiError, SlackRequestError, aiohttp.ClientError, TimeoutError, OSError):
            return False
        return True

    async def permalink(self, team_id: str, channel: str, ts: str) -> str | None:
        client = await self._clients.for_team(team_id)
        if client is None:
            return None
        try:
            response = await client.chat_getPermalink(channel=channel, message_ts=ts)
        except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError):
            return None
        link = response.get("permalink")
        return link if isinstance(link, str) else None


def _classify(error: SlackApiError) -> SendResult:
    status = error.response.status_code
    code = str(error.response.get("error") or f"http_{status}")
    if status == 429 or code == "ratelimited":
        retry_after = error.response.headers.get("Retry-After") or error.response.headers.get("retry-after")
        try:
            return RateLimited(max(float(retry_after), 0.0) if retry_after is not None else 1.0)
        except ValueError:
            return RateLimited(1.0)
    if status >= 500 or code in TRANSIENT_SLACK_ERRORS:
        return Transient(code)
    return Permanent(code)
