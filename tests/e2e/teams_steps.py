"""Steps the Teams end-to-end tests share: post an activity as Teams does, install the bot, read what came back."""

from __future__ import annotations

from typing import Any

from tests.fakes.bot_connector import (
    BOT_ID,
    CHANNEL_CONVERSATION,
    FakeBotConnector,
    Posted,
    conversation_update,
    post_activity,
)
from tests.support import RunningServer

ACCEPTED = {200, 201, 202}


async def send(server: RunningServer, activity: dict[str, Any]) -> None:
    status, body = await post_activity(server.url, activity)
    assert status in ACCEPTED, (status, body)


async def install_for(server: RunningServer, connector: FakeBotConnector, user: str, conversation: str) -> None:
    """The bot installed in a person's personal scope: Teams tells it with a conversationUpdate."""
    activity = conversation_update(
        service_url=connector.url, members_added=[BOT_ID], conversation=conversation, user=user
    )
    await send(server, activity)


async def install_in_channel(server: RunningServer, connector: FakeBotConnector) -> None:
    activity = conversation_update(
        service_url=connector.url,
        members_added=[BOT_ID],
        conversation=CHANNEL_CONVERSATION,
        conversation_type="channel",
    )
    await send(server, activity)


def card_text(posted: Posted) -> str:
    return repr(posted.cards)


def said(posted: Posted) -> str:
    """What a message says: its text, or its card's words (a refusal comes as a card of its own)."""
    words = [
        element["text"] for card in posted.cards for element in _elements(card) if isinstance(element.get("text"), str)
    ]
    return "\n".join([posted.text or "", *words])


def _elements(value: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        found.append(value)
        for child in value.values():
            found += _elements(child)
    elif isinstance(value, list):
        for child in value:
            found += _elements(child)
    return found
