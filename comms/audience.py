"""Who a pulse asks: the active humans of a channel or of the whole workspace, never bots or the app itself."""

from __future__ import annotations

from typing import Any, Protocol

from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

PAGE_SIZE = 200
NOT_A_PERSON = {"USLACKBOT"}


class Directory(Protocol):
    async def humans(self, channel_id: str | None) -> list[str]: ...


class SlackDirectory:
    def __init__(self, token: str | None, base_url: str) -> None:
        # Its own client: paging through users.list may hit Tier 2 limits, and waiting out Retry-After is right
        # here (the delivery worker, by contrast, handles 429 itself to pause everything it sends).
        self._client = AsyncWebClient(token=token, base_url=base_url)
        self._client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=5))

    async def humans(self, channel_id: str | None) -> list[str]:
        me = (await self._client.auth_test()).get("user_id")
        people = await self._active_humans(exclude={me, *NOT_A_PERSON})
        if channel_id is None:
            return sorted(people)
        members = await self._paged("conversations.members", "members", channel=channel_id)
        return [member for member in dict.fromkeys(members) if member in people]

    async def _active_humans(self, exclude: set[Any]) -> set[str]:
        users = await self._paged("users.list", "members")
        return {
            user["id"]
            for user in users
            if isinstance(user, dict)
            and user.get("id") not in exclude
            and not user.get("deleted")
            and not user.get("is_bot")
            and not user.get("is_app_user")
        }

    async def _paged(self, method: str, key: str, **params: Any) -> list[Any]:
        items: list[Any] = []
        cursor = None
        while True:
            response = await self._client.api_call(
                method, http_verb="GET", params={**params, "limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
            )
            items.extend(response.get(key) or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return items
