"""Which token speaks for a workspace. One workspace: SLACK_BOT_TOKEN. OAuth distribution: the bot token
stored when that workspace (or its Enterprise Grid organisation) installed the app."""

from __future__ import annotations

import time
from typing import Protocol

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from storage import installations
from storage.db import Database

CACHE_SECONDS = 60.0  # background work sends thousands of messages per workspace: look the token up once a minute


class SlackClients(Protocol):
    async def for_team(self, team_id: str) -> AsyncWebClient | None:
        """A client holding the workspace's bot token; None when the app is not installed there."""
        ...

    def forget(self, team_id: str | None = None) -> None:
        """Drop cached tokens (all when team_id is None): the app was uninstalled or its tokens revoked."""
        ...


class OneWorkspace:
    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def for_team(self, team_id: str) -> AsyncWebClient | None:
        return self._client

    def forget(self, team_id: str | None = None) -> None:
        return None


class InstalledWorkspaces:
    def __init__(self, store: AsyncInstallationStore, db: Database, base_url: str) -> None:
        self._store = store
        self._db = db
        self._base_url = base_url
        self._cache: dict[str, tuple[float, AsyncWebClient | None]] = {}

    async def for_team(self, team_id: str) -> AsyncWebClient | None:
        now = time.monotonic()
        cached = self._cache.get(team_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with self._db.sessions() as session:
            enterprise_id = await installations.enterprise_of(session, team_id)
        bot = await self._store.async_find_bot(enterprise_id=enterprise_id, team_id=team_id)
        if bot is None and enterprise_id is not None:
            # An org-wide install: one token for every workspace of the organisation.
            bot = await self._store.async_find_bot(
                enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True
            )
        client = AsyncWebClient(token=bot.bot_token, base_url=self._base_url) if bot and bot.bot_token else None
        self._cache[team_id] = (now + CACHE_SECONDS, client)
        return client

    def forget(self, team_id: str | None = None) -> None:
        if team_id is None:
            self._cache.clear()
        else:
            self._cache.pop(team_id, None)
