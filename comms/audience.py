"""Who a pulse asks: the active humans of a channel or of the whole workspace, never bots or the app itself."""

from __future__ import annotations

from typing import Any, Protocol

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.platforms import is_person, is_teams_id
from comms.teams_link import TeamsLink
from comms.workspaces import SlackClients
from storage import teams as teams_store
from storage.db import Database
from storage.teams import StoredReference

PAGE_SIZE = 200
NOT_A_PERSON = {"USLACKBOT"}


class Directory(Protocol):
    async def humans(self, team_id: str, channel_id: str | None) -> list[str]: ...


class SlackDirectory:
    def __init__(self, clients: SlackClients) -> None:
        self._clients = clients

    async def humans(self, team_id: str, channel_id: str | None) -> list[str]:
        """The workspace's people (or the channel's); empty when the app is not installed there."""
        installed = await self._clients.for_team(team_id)
        if installed is None:
            return []
        # Its own client: paging through users.list may hit Tier 2 limits, and waiting out Retry-After is right
        # here (the delivery worker, by contrast, handles 429 itself to pause everything it sends).
        client = AsyncWebClient(token=installed.token, base_url=installed.base_url)
        client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=5))
        me = (await client.auth_test()).get("user_id")
        people = await self._active_humans(client, exclude={me, *NOT_A_PERSON})
        if channel_id is None:
            return sorted(people)
        members = await self._paged(client, "conversations.members", "members", channel=channel_id)
        return [member for member in dict.fromkeys(members) if member in people]

    async def _active_humans(self, client: AsyncWebClient, exclude: set[Any]) -> set[str]:
        users = await self._paged(client, "users.list", "members")
        return {
            user["id"]
            for user in users
            if isinstance(user, dict)
            and user.get("id") not in exclude
            and not user.get("deleted")
            and not user.get("is_bot")
            and not user.get("is_app_user")
        }

    async def _paged(self, client: AsyncWebClient, method: str, key: str, **params: Any) -> list[Any]:
        items: list[Any] = []
        cursor = None
        while True:
            response = await client.api_call(
                method, http_verb="GET", params={**params, "limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
            )
            items.extend(response.get(key) or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return items


class TeamsDirectory:
    """A Teams channel's people (its team's roster) or a group chat's members, from the Bot Framework. Each
    person becomes reachable even if they never wrote to the bot: the sender opens their 1:1 chat."""

    def __init__(self, link: TeamsLink, db: Database) -> None:
        self._link = link
        self._db = db

    async def humans(self, team_id: str, channel_id: str | None) -> list[str]:
        if channel_id is None:
            return []
        async with self._db.sessions() as session:
            conversation = await teams_store.find(session, channel_id)
        if conversation is None:
            return []
        members = [member for member in dict.fromkeys(await self._link.members(conversation)) if is_person(member)]
        async with self._db.sessions.begin() as session:
            for member in members:
                await teams_store.remember(
                    session,
                    StoredReference(member, "user", conversation.tenant_id, "", conversation.service_url, ""),
                    replace=False,
                )
        return members


class PlatformDirectory:
    """Slack channels ask Slack, Teams channels (19:…) ask Teams."""

    def __init__(self, slack: Directory, teams: Directory) -> None:
        self._slack = slack
        self._teams = teams

    async def humans(self, team_id: str, channel_id: str | None) -> list[str]:
        if channel_id is not None and is_teams_id(channel_id):
            return await self._teams.humans(team_id, channel_id)
        return await self._slack.humans(team_id, channel_id)
