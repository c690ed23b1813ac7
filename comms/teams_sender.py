"""Delivering outbox messages to Teams people and channels through their stored conversation references."""

from __future__ import annotations

from typing import Any

import aiohttp
from msrest.exceptions import ClientRequestError, HttpOperationError

from comms.senders import Permanent, PostOnlySender, RateLimited, SendResult, Sent, Transient, retry_after_seconds
from comms.teams_link import TeamsLink
from storage import teams as teams_store
from storage.db import Database

NO_CONVERSATION = "no_conversation"  # the bot was never installed for this person or in this channel
# Bot Framework codes that mean "retrying will not help": the bot was removed, the user blocked it, or the
# conversation is gone.
PERMANENT_STATUSES = {400, 401, 403, 404}


class TeamsSender(PostOnlySender):
    """Teams has no permalinks our reports could use and the digest's chart is not uploaded: those parts of the
    Sender protocol stay the post-only defaults. A person's time zone is the one their Teams client reported."""

    def __init__(self, link: TeamsLink, db: Database) -> None:
        self._link = link
        self._db = db

    async def send(self, team_id: str, recipient_id: str, message: dict[str, Any]) -> SendResult:
        async with self._db.sessions() as session:
            target = await teams_store.find(session, recipient_id)
        if target is None:
            return Permanent(NO_CONVERSATION)
        try:
            delivered = await self._link.send(target, message)
        except HttpOperationError as error:
            return classify(error)
        except (ClientRequestError, aiohttp.ClientError, TimeoutError, OSError) as error:
            return Transient(type(error).__name__)
        if delivered.opened is not None:
            async with self._db.sessions.begin() as session:
                await teams_store.remember(session, delivered.opened)
        return Sent(delivered.conversation_id, delivered.activity_id)

    async def update(self, team_id: str, channel: str, ts: str, message: dict[str, Any]) -> bool:
        """`channel` is whom the message went to (a person's 29: id, a channel's conversation id), `ts` the
        activity id Teams gave it."""
        async with self._db.sessions() as session:
            target = await teams_store.find(session, channel)
        if target is None or not target.conversation_id:
            return False
        try:
            await self._link.update(target, ts, message)
        except (HttpOperationError, ClientRequestError, aiohttp.ClientError, TimeoutError, OSError):
            return False
        return True

    async def timezone(self, team_id: str, user_id: str) -> str | RateLimited | Transient | None:
        async with self._db.sessions() as session:
            target = await teams_store.find(session, user_id)
        return target.timezone if target is not None else None


def classify(error: HttpOperationError) -> SendResult:
    response = error.response
    status = int(getattr(response, "status_code", 0) or 0)
    code = _error_code(error) or f"http_{status}"
    if status == 429:
        headers = getattr(response, "headers", None) or {}
        return RateLimited(retry_after_seconds(headers.get("Retry-After")))
    if status in PERMANENT_STATUSES:
        return Permanent(code[:200])
    return Transient(code[:200])


def _error_code(error: HttpOperationError) -> str | None:
    """The connector's {"error": {"code": …}} as msrest parsed it; its message may quote what we sent, so only
    the code is kept."""
    body = getattr(error, "error", None)
    detail = getattr(body, "error", None)
    code = getattr(detail, "code", None)
    return str(code) if code else None
