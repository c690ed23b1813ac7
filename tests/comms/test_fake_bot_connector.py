"""The fake Bot Connector answers botframework-connector's real ConnectorClient as the Connector service does."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.core.teams.teams_activity_extensions import teams_get_channel_data
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ErrorResponseException,
)
from botbuilder.schema.teams import TeamsChannelAccount
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from msrest.authentication import BasicTokenAuthentication
from msrest.exceptions import ClientRequestError, HttpOperationError

from tests.fakes.bot_connector import (
    BOT_ID,
    CHANNEL_CONVERSATION,
    PERSONAL_CONVERSATION,
    TENANT,
    USER,
    FakeBotConnector,
    Member,
    conversation_update,
    message,
    post_activity,
)

TOKEN = "fake-bot-token"


@pytest.fixture
async def connector() -> AsyncIterator[FakeBotConnector]:
    fake = FakeBotConnector()
    await fake.start()
    yield fake
    await fake.stop()


def client(connector: FakeBotConnector, token: str | None = TOKEN) -> ConnectorClient:
    credentials: Any = BasicTokenAuthentication({"access_token": token}) if token else MicrosoftAppCredentials.empty()
    return ConnectorClient(credentials, base_url=connector.url)


def reply(text: str) -> Activity:
    return Activity(
        type="message",
        text=text,
        from_property=ChannelAccount(id=BOT_ID, name="feedbot"),
        recipient=ChannelAccount(id=USER),
        conversation=ConversationAccount(id=PERSONAL_CONVERSATION),
    )


def members(count: int) -> list[Member]:
    return [
        Member(
            id=f"29:1user-{number}",
            name=f"User {number}",
            aad_object_id=f"00000000-0000-0000-0000-{number:012d}",
            user_principal_name=f"user{number}@contoso.example",
            email=f"user{number}@contoso.example",
        )
        for number in range(count)
    ]


def test_the_service_url_looks_like_teams_one(connector: FakeBotConnector) -> None:
    assert connector.url.startswith("http://127.0.0.1:")
    assert connector.url.endswith("/")


async def test_send_to_conversation_is_recorded_and_answered_with_an_id(connector: FakeBotConnector) -> None:
    answer = await client(connector).conversations.send_to_conversation(PERSONAL_CONVERSATION, reply("Thanks!"))

    [posted] = await connector.wait_for(lambda posted: posted.text == "Thanks!")
    assert answer.id == posted.activity_id and answer.id
    assert (posted.conversation_id, posted.reply_to_id, posted.kind) == (PERSONAL_CONVERSATION, None, "send")
    assert posted.authorization == f"Bearer {TOKEN}"
    assert posted.activity["type"] == "message"
    assert posted.activity["from"] == {"id": BOT_ID, "name": "feedbot"}
    assert posted.activity["recipient"] == {"id": USER}
    assert connector.to(PERSONAL_CONVERSATION) == [posted]
    assert connector.calls_to("send_to_conversation")[0].status == 200


async def test_anonymous_credentials_send_no_authorization(connector: FakeBotConnector) -> None:
    await client(connector, token=None).conversations.send_to_conversation(PERSONAL_CONVERSATION, reply("hi"))

    assert connector.posted[0].authorization is None


async def test_a_reply_in_a_channel_thread_keeps_the_activity_replied_to(connector: FakeBotConnector) -> None:
    thread = f"{CHANNEL_CONVERSATION};messageid=1710000000001"
    card = {"contentType": "application/vnd.microsoft.card.adaptive", "content": {"type": "AdaptiveCard"}}
    activity = Activity(type="message", text="Filed as BUG-3", attachments=[card])

    answer = await client(connector).conversations.reply_to_activity(thread, "1710000000001", activity)

    [posted] = connector.to(CHANNEL_CONVERSATION)
    assert (posted.conversation_id, posted.reply_to_id, posted.kind) == (thread, "1710000000001", "reply")
    assert posted.activity_id == answer.id
    assert posted.cards == [{"type": "AdaptiveCard"}]
    assert connector.to("19:other@thread.tacv2") == []


async def test_update_and_delete_an_activity(connector: FakeBotConnector) -> None:
    conversations = client(connector).conversations
    sent = await conversations.send_to_conversation(PERSONAL_CONVERSATION, reply("Vote: 0-10"))
    updated = reply("Thanks for voting")
    updated.id = sent.id

    answer = await conversations.update_activity(PERSONAL_CONVERSATION, sent.id, updated)
    await conversations.delete_activity(PERSONAL_CONVERSATION, sent.id)

    assert answer.id == sent.id
    assert [(posted.kind, posted.activity_id, posted.text) for posted in connector.posted] == [
        ("send", sent.id, "Vote: 0-10"),
        ("update", sent.id, "Thanks for voting"),
    ]
    assert connector.deleted == [(PERSONAL_CONVERSATION, sent.id)]


async def test_create_conversation_opens_one_personal_chat_per_user(connector: FakeBotConnector) -> None:
    parameters = ConversationParameters(
        is_group=False,
        bot=ChannelAccount(id=BOT_ID),
        members=[ChannelAccount(id=USER)],
        tenant_id=TENANT,
        channel_data={"tenant": {"id": TENANT}},
    )
    conversations = client(connector).conversations

    first = await conversations.create_conversation(parameters)
    again = await conversations.create_conversation(parameters)
    other = await conversations.create_conversation(
        ConversationParameters(is_group=False, bot=ChannelAccount(id=BOT_ID), members=[ChannelAccount(id="29:1bo")])
    )

    assert first.id.startswith("a:")
    assert again.id == first.id != other.id
    assert first.service_url == connector.url
    assert first.activity_id is None
    [opened, _] = connector.opened_with(USER)
    assert (opened.id, opened.members, opened.tenant_id, opened.is_group) == (first.id, [USER], TENANT, False)
    assert opened.bot == {"id": BOT_ID}
    assert opened.channel_data == {"tenant": {"id": TENANT}}
    assert connector.posted == []
    # The conversation's members are known from its creation.
    [member] = await conversations.get_conversation_members(first.id)
    assert member.id == USER


async def test_create_conversation_with_an_activity_starts_a_channel_thread(connector: FakeBotConnector) -> None:
    parameters = ConversationParameters(
        is_group=True,
        channel_data={"channel": {"id": CHANNEL_CONVERSATION}},
        activity=Activity(type="message", text="Release notes for 2.4"),
    )

    answer = await client(connector).conversations.create_conversation(parameters)

    assert answer.id == f"{CHANNEL_CONVERSATION};messageid={answer.activity_id}"
    [posted] = connector.to(CHANNEL_CONVERSATION)
    assert (posted.kind, posted.activity_id, posted.text) == ("create", answer.activity_id, "Release notes for 2.4")


async def test_members_are_listed_as_the_sdk_reads_them(connector: FakeBotConnector) -> None:
    connector.set_members(PERSONAL_CONVERSATION, members(2))

    listed = await client(connector).conversations.get_conversation_members(PERSONAL_CONVERSATION)

    assert [(member.id, member.name, member.aad_object_id) for member in listed] == [
        ("29:1user-0", "User 0", "00000000-0000-0000-0000-000000000000"),
        ("29:1user-1", "User 1", "00000000-0000-0000-0000-000000000001"),
    ]


async def test_paged_members_page_with_a_continuation_token(connector: FakeBotConnector) -> None:
    connector.set_members(CHANNEL_CONVERSATION, members(5))
    conversations = client(connector).conversations

    pages: list[list[str]] = []
    token: str | None = None
    while True:
        page = await conversations.get_conversation_paged_members(
            CHANNEL_CONVERSATION, page_size=2, continuation_token=token
        )
        pages.append([member.id for member in page.members])
        token = page.continuation_token
        if token is None:
            break

    assert pages == [["29:1user-0", "29:1user-1"], ["29:1user-2", "29:1user-3"], ["29:1user-4"]]
    # The Teams flavour reads the Teams fields too.
    teams_page = await conversations.get_teams_conversation_paged_members(CHANNEL_CONVERSATION)
    first = teams_page.members[0]
    assert isinstance(first, TeamsChannelAccount)
    assert (first.email, first.user_principal_name, first.tenant_id, first.user_role) == (
        "user0@contoso.example",
        "user0@contoso.example",
        None,
        "user",
    )
    assert teams_page.continuation_token is None


async def test_one_member_by_id_aad_object_id_or_upn_else_404(connector: FakeBotConnector) -> None:
    connector.set_members(PERSONAL_CONVERSATION, members(3))
    conversations = client(connector).conversations

    by_id = await conversations.get_conversation_member(PERSONAL_CONVERSATION, "29:1user-1")
    by_aad = await conversations.get_conversation_member(PERSONAL_CONVERSATION, "00000000-0000-0000-0000-000000000002")
    by_upn = await conversations.get_conversation_member(PERSONAL_CONVERSATION, "USER0@contoso.example")
    with pytest.raises(ErrorResponseException) as missing:
        await conversations.get_conversation_member(PERSONAL_CONVERSATION, "29:1nobody")
    with pytest.raises(ErrorResponseException) as unknown:
        await conversations.get_conversation_members("a:1never-seen")

    assert (by_id.id, by_aad.id, by_upn.id) == ("29:1user-1", "29:1user-2", "29:1user-0")
    assert missing.value.response.status_code == 404
    assert missing.value.error.error.code == "MemberNotFoundInConversation"
    assert unknown.value.error.error.code == "ConversationNotFound"


async def test_a_429_reaches_the_caller_with_its_retry_after(connector: FakeBotConnector) -> None:
    connector.fail_next(429, retry_after=2)
    conversations = client(connector).conversations

    started = time.monotonic()
    with pytest.raises(ErrorResponseException) as throttled:
        await conversations.send_to_conversation(PERSONAL_CONVERSATION, reply("first"))
    answered_in = time.monotonic() - started
    sent = await conversations.send_to_conversation(PERSONAL_CONVERSATION, reply("second"))

    error = throttled.value
    assert issubclass(ErrorResponseException, HttpOperationError)
    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "2"
    assert error.error.error.code == "Throttled"
    assert answered_in < 1.5  # POSTs are not retried by the transport: the caller decides
    assert [call.status for call in connector.calls_to("send_to_conversation")] == [429, 200]
    assert [posted.text for posted in connector.posted] == ["second"] and sent.id


async def test_a_refused_conversation_answers_403_for_good(connector: FakeBotConnector) -> None:
    connector.refuse(PERSONAL_CONVERSATION)
    conversations = client(connector).conversations

    for _ in range(2):
        with pytest.raises(ErrorResponseException) as refused:
            await conversations.send_to_conversation(PERSONAL_CONVERSATION, reply("hello?"))
        assert refused.value.response.status_code == 403
        assert refused.value.response.json()["error"]["code"] == "BotNotInConversationRoster"
        assert refused.value.error.error.code == "BotNotInConversationRoster"
        assert "BotNotInConversationRoster" in str(refused.value)
    with pytest.raises(HttpOperationError) as paged:  # the paged-members operations raise the bare base class
        await conversations.get_conversation_paged_members(PERSONAL_CONVERSATION)
    assert not isinstance(paged.value, ErrorResponseException)
    assert paged.value.response.status_code == 403
    assert paged.value.response.json()["error"]["code"] == "BotNotInConversationRoster"
    await conversations.send_to_conversation("a:1someone-else", reply("still fine"))

    assert [posted.conversation_id for posted in connector.posted] == ["a:1someone-else"]


async def test_refusing_a_user_refuses_their_chat_and_opening_one(connector: FakeBotConnector) -> None:
    conversations = client(connector).conversations
    parameters = ConversationParameters(
        bot=ChannelAccount(id=BOT_ID), members=[ChannelAccount(id=USER)], tenant_id=TENANT
    )
    chat = await conversations.create_conversation(parameters)
    connector.refuse(USER, status=403, code="Forbidden")

    with pytest.raises(ErrorResponseException) as refused:
        await conversations.create_conversation(parameters)
    with pytest.raises(ErrorResponseException) as refused_send:
        await conversations.send_to_conversation(chat.id, reply("hello?"))

    assert (refused.value.response.status_code, refused.value.error.error.code) == (403, "Forbidden")
    assert refused_send.value.response.status_code == 403
    assert len(connector.created) == 1 and connector.posted == []


async def test_a_planned_failure_can_target_one_operation_and_carry_its_own_body(connector: FakeBotConnector) -> None:
    connector.set_members(PERSONAL_CONVERSATION, members(1))
    connector.fail_next(
        502, operation="send_to_conversation", body={"error": {"code": "BadGateway", "message": "upstream"}}
    )
    conversations = client(connector).conversations

    listed = await conversations.get_conversation_members(PERSONAL_CONVERSATION)
    with pytest.raises(ErrorResponseException) as failed:
        await conversations.send_to_conversation(PERSONAL_CONVERSATION, reply("x"))

    assert len(listed) == 1
    assert failed.value.response.status_code == 502
    assert str(failed.value) == "(BadGateway) upstream"
    with pytest.raises(ValueError, match="unknown operation"):
        connector.fail_next(500, operation="send")


async def test_the_transport_retries_gets_on_its_own(connector: FakeBotConnector) -> None:
    """What a caller of the SDK should know: msrest's transport (urllib3) retries a GET that fails with a 5xx at
    once, and one answered 429 with Retry-After after sleeping that long, before the caller sees anything."""
    connector.set_members(PERSONAL_CONVERSATION, members(1))
    conversations = client(connector).conversations

    connector.fail_next(500, operation="get_conversation_members")
    listed = await conversations.get_conversation_members(PERSONAL_CONVERSATION)
    assert [call.status for call in connector.calls_to("get_conversation_members")] == [500, 200]
    assert len(listed) == 1

    connector.fail_next(429, retry_after=1, operation="get_conversation_member")
    started = time.monotonic()
    member = await conversations.get_conversation_member(PERSONAL_CONVERSATION, "29:1user-0")
    assert time.monotonic() - started >= 0.9
    assert [call.status for call in connector.calls_to("get_conversation_member")] == [429, 200]
    assert member.id == "29:1user-0"


async def test_when_the_transport_gives_up_on_a_get(connector: FakeBotConnector) -> None:
    """Out of retries (3 by default, 1 here to keep the test quick), a 5xx GET ends in ClientRequestError and a
    429 GET in ErrorResponseException with the last 429."""
    connector.set_members(PERSONAL_CONVERSATION, members(1))
    impatient = client(connector)
    impatient.config.retry_policy.retries = 1

    connector.fail_next(500, times=2, operation="get_conversation_members")
    with pytest.raises(ClientRequestError):
        await impatient.conversations.get_conversation_members(PERSONAL_CONVERSATION)
    connector.fail_next(429, times=2, retry_after=1, operation="get_conversation_member")
    with pytest.raises(ErrorResponseException) as throttled:
        await impatient.conversations.get_conversation_member(PERSONAL_CONVERSATION, "29:1user-0")

    assert [call.status for call in connector.calls_to("get_conversation_members")] == [500, 500]
    assert [call.status for call in connector.calls_to("get_conversation_member")] == [429, 429]
    assert throttled.value.response.status_code == 429
    assert throttled.value.response.headers["Retry-After"] == "1"


async def test_an_unknown_route_answers_404(connector: FakeBotConnector) -> None:
    status, _ = await post_activity(connector.url + "v3/nothing", {"type": "message"})
    assert status == 404
    assert connector.calls[-1].operation == "unknown"


async def test_wait_for_times_out_when_nothing_matches(connector: FakeBotConnector) -> None:
    with pytest.raises(TimeoutError):
        await connector.wait_for(lambda posted: True, timeout=0.1)


async def test_wait_for_wakes_on_later_posts(connector: FakeBotConnector) -> None:
    conversations = client(connector).conversations

    async def send_later() -> None:
        for text in ("one", "two"):
            await asyncio.sleep(0.05)
            await conversations.send_to_conversation(PERSONAL_CONVERSATION, reply(text))

    task = asyncio.create_task(send_later())
    posted = await connector.wait_for(lambda posted: posted.kind == "send", count=2, timeout=5)
    await task
    assert [p.text for p in posted] == ["one", "two"]


# -- the activities Teams sends --------------------------------------------------------------------------------


def test_a_personal_message_reads_as_a_teams_activity() -> None:
    raw = message("feedback the export is slow", service_url="https://smba.trafficmanager.net/emea/")
    activity = Activity().deserialize(raw)

    assert (activity.type, activity.channel_id, activity.text) == ("message", "msteams", "feedback the export is slow")
    assert activity.service_url == "https://smba.trafficmanager.net/emea/"
    assert (activity.from_property.id, activity.from_property.aad_object_id) == (USER, raw["from"]["aadObjectId"])
    assert activity.recipient.id == BOT_ID
    assert (activity.conversation.id, activity.conversation.conversation_type) == (PERSONAL_CONVERSATION, "personal")
    # Teams writes conversation.tenantId; the Python SDK's ConversationAccount maps "tenantID", so it reads None.
    # channelData.tenant.id is where a bot reads the tenant from.
    assert raw["conversation"]["tenantId"] == TENANT
    assert activity.conversation.tenant_id is None
    assert activity.timestamp is not None and raw["timestamp"].endswith("Z")
    assert teams_get_channel_data(activity).tenant.id == TENANT
    assert TurnContext.get_mentions(activity) == []


def test_a_channel_mention_starts_a_thread_and_carries_the_mention() -> None:
    raw = message(
        "bug login fails",
        service_url="http://x/",
        conversation=CHANNEL_CONVERSATION,
        conversation_type="channel",
        mention_bot=True,
    )
    activity = Activity().deserialize(raw)

    assert raw["text"] == "<at>feedbot</at> bug login fails"
    assert raw["conversation"]["id"] == f"{CHANNEL_CONVERSATION};messageid={raw['id']}"
    assert raw["conversation"]["isGroup"] is True
    assert raw["entities"][0] == {
        "type": "mention",
        "mentioned": {"id": BOT_ID, "name": "feedbot"},
        "text": "<at>feedbot</at>",
    }
    assert TurnContext.remove_recipient_mention(activity).strip() == "bug login fails"
    data = teams_get_channel_data(activity)
    assert (data.team.id, data.channel.id, data.tenant.id) == (CHANNEL_CONVERSATION, CHANNEL_CONVERSATION, TENANT)


def test_a_card_submit_is_a_message_with_a_value_and_no_text() -> None:
    raw = message(None, service_url="http://x/", value={"action": "feedback.submit", "text": "Love it"})
    activity = Activity().deserialize(raw)

    assert "text" not in raw
    assert activity.value == {"action": "feedback.submit", "text": "Love it"}
    assert activity.reply_to_id == raw["channelData"]["legacy"]["replyToId"]
    assert raw["channelData"]["source"] == {"name": "message"}


def test_installing_in_a_team_is_a_conversation_update_with_the_bot_added() -> None:
    raw = conversation_update(
        service_url="http://x/",
        members_added=[BOT_ID],
        conversation=CHANNEL_CONVERSATION,
        conversation_type="channel",
        team=CHANNEL_CONVERSATION,
    )
    activity = Activity().deserialize(raw)

    assert activity.type == "conversationUpdate"
    assert [member.id for member in activity.members_added] == [BOT_ID]
    data = teams_get_channel_data(activity)
    assert (data.event_type, data.team.id, data.team.name, data.tenant.id) == (
        "teamMemberAdded",
        CHANNEL_CONVERSATION,
        "Product",
        TENANT,
    )

    personal = conversation_update(service_url="http://x/", members_added=[BOT_ID, USER])
    assert [member["id"] for member in personal["membersAdded"]] == [BOT_ID, USER]
    assert "eventType" not in personal["channelData"]
    assert personal["conversation"] == {"conversationType": "personal", "tenantId": TENANT, "id": PERSONAL_CONVERSATION}


async def test_post_activity_posts_json_to_api_messages() -> None:
    received: list[tuple[str, str | None, dict[str, Any]]] = []

    async def messages(request: web.Request) -> web.Response:
        received.append((request.path, request.headers.get("Authorization"), await request.json()))
        return web.Response(status=202, text="")

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        activity = message("help", service_url="http://x/")
        answer = await post_activity(f"http://127.0.0.1:{port}", activity, authorization="Bearer jwt")
    finally:
        await runner.cleanup()

    assert answer == (202, "")
    assert received == [("/api/messages", "Bearer jwt", activity)]
