"""Reading Teams activities into the neutral values the Teams desk takes."""

from __future__ import annotations

import json
from typing import Any

from botbuilder.schema import Activity

from bot.commands import Mention, Place
from bot.desks.teams import CardSubmit
from bot.domain.answers import FEEDBACK_SUBMIT, SUBMIT_KEY
from handlers.teams.parse import card_submit, channel_id, source_key, stored_reference, typed_line
from tests.fakes.bot_connector import (
    BOT_ID,
    CHANNEL_CONVERSATION,
    PERSONAL_CONVERSATION,
    TENANT,
    USER,
    USER_NAME,
    message,
)

SERVICE = "http://127.0.0.1:9/"


def activity(payload: dict[str, Any]) -> Activity:
    return Activity().deserialize(payload)


def test_a_card_submit_is_its_action_value_and_trimmed_inputs() -> None:
    values = {SUBMIT_KEY: FEEDBACK_SUBMIT, "text": "  Search is slow \n", "anonymous": "true", "count": 3}
    submitted = activity(message(None, service_url=SERVICE, value=values))

    parsed = card_submit(submitted)
    assert parsed == CardSubmit(
        FEEDBACK_SUBMIT, "", {SUBMIT_KEY: FEEDBACK_SUBMIT, "text": "Search is slow", "anonymous": "true"}
    )
    assert parsed.is_anonymous_feedback
    assert source_key(submitted) == f"teams-card:{submitted.reply_to_id}"


def test_a_typed_message_is_text_without_the_bots_mention() -> None:
    typed = activity(
        message(
            "feedback Good",
            service_url=SERVICE,
            conversation=CHANNEL_CONVERSATION,
            conversation_type="channel",
            mention_bot=True,
        )
    )

    assert card_submit(typed) is None
    assert typed_line(typed) == ("feedback Good", Place(CHANNEL_CONVERSATION, "General"))
    assert channel_id(typed) == CHANNEL_CONVERSATION  # the thread's ";messageid=" cut off
    assert source_key(typed) == f"teams:{typed.id}"


def test_a_personal_chat_is_remembered_by_the_person_with_no_name_kept() -> None:
    personal = activity(message("help", service_url=SERVICE) | {"localTimezone": "Asia/Tokyo"})

    reference = stored_reference(personal)
    assert reference is not None and channel_id(personal) is None
    assert (reference.target_id, reference.kind, reference.tenant_id) == (USER, "user", TENANT)
    assert (reference.conversation_id, reference.service_url, reference.timezone) == (
        PERSONAL_CONVERSATION,
        SERVICE,
        "Asia/Tokyo",
    )
    kept = json.loads(reference.reference)
    assert kept["user"] == {"id": USER} and USER_NAME not in reference.reference
    assert kept.get("activityId") is None


def test_a_channel_is_remembered_by_its_id_and_an_unknown_zone_is_dropped() -> None:
    in_channel = message("help", service_url=SERVICE, conversation=CHANNEL_CONVERSATION, conversation_type="channel")
    reference = stored_reference(activity(in_channel | {"localTimezone": "Mars/Olympus_Mons"}))

    assert reference is not None
    assert (reference.target_id, reference.kind, reference.timezone) == (CHANNEL_CONVERSATION, "channel", None)
    assert json.loads(reference.reference).get("user") is None  # whoever spoke there last is nobody to keep


def test_without_a_service_url_there_is_nothing_to_remember() -> None:
    assert stored_reference(activity(message("help", service_url=SERVICE) | {"serviceUrl": None})) is None


def test_mentions_are_read_from_the_entities_never_from_the_text() -> None:
    grace = "29:1user-grace"
    # Teams mentions the bot itself like anyone else: that mention is removed, and names nobody.
    typed = activity(
        message(
            "stakeholders add lion <at>Grace Hopper</at> <at>Bob</at> <at>feedbot</at> 29:typed",
            service_url=SERVICE,
            mentions=[(grace, "Grace Hopper"), (BOT_ID, "feedbot")],
        )
    )

    text, place = typed_line(typed)
    # "<at>Bob</at>" was typed, not mentioned: it stays text, and no name comes with it.
    assert text == "stakeholders add lion <at>Grace Hopper</at> <at>Bob</at>  29:typed"
    assert place == Place(None, None, (Mention("<at>Grace Hopper</at>", grace, "Grace Hopper"),))
    assert place.with_ids(text).split() == ["stakeholders", "add", "lion", grace, "<at>Bob</at>", "29:typed"]
    assert place.names() == {grace: "Grace Hopper"}


def test_a_malformed_mention_entity_names_nobody() -> None:
    typed = message("stakeholders add lion <at>X</at>", service_url=SERVICE)
    typed["entities"] = [
        {"type": "mention"},
        {"type": "mention", "mentioned": "29:x", "text": "<at>X</at>"},
        {"type": "mention", "mentioned": {"id": 5, "name": "X"}, "text": "<at>X</at>"},
        {"type": "mention", "mentioned": {"id": "29:x", "name": "X"}, "text": ["<at>X</at>"]},
        {"type": "mention", "mentioned": {"id": "not an id", "name": "X"}, "text": "<at>X</at>"},
    ]

    assert typed_line(activity(typed)) == ("stakeholders add lion <at>X</at>", Place())
