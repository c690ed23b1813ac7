"""feedbot's side of the Bot Framework: authentication built from our settings, and the connector calls that
reach Teams without being spoken to first (proactive messages, 1:1 chats, channel rosters)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters, ConversationReference
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
    UserTokenClient,
)
from botframework.connector.skills import BotFrameworkClient

from bot.domain.console import is_console_team
from bot.domain.settings import Settings
from storage.teams import StoredReference

TEAMS_CHANNEL = "msteams"
ROSTER_PAGE_SIZE = 500


@dataclass(frozen=True)
class BotConfiguration:
    """The attribute names ConfigurationBotFrameworkAuthentication reads. With no app id the SDK runs in
    anonymous mode (the Bot Framework Emulator, local tests); with one, every inbound JWT is validated and
    outbound calls carry a token for that app."""

    APP_ID: str | None
    APP_PASSWORD: str | None
    APP_TENANTID: str | None
    APP_TYPE: str


def bot_framework_authentication(settings: Settings) -> ConfigurationBotFrameworkAuthentication:
    tenant = settings.microsoft_app_tenant_id
    configuration = BotConfiguration(
        APP_ID=settings.microsoft_app_id,
        APP_PASSWORD=settings.microsoft_app_password,
        APP_TENANTID=tenant,
        APP_TYPE="SingleTenant" if tenant else "MultiTenant",
    )
    return ConfigurationBotFrameworkAuthentication(configuration)


def _app_of(identity: ClaimsIdentity | None) -> str:
    claims = identity.claims if identity is not None and identity.claims else {}
    return str(
        claims.get(AuthenticationConstants.AUDIENCE_CLAIM) or claims.get(AuthenticationConstants.APP_ID_CLAIM) or ""
    )


class _ReusingConnectorFactory(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, app: str, clients: dict[tuple[str, str, str], ConnectorClient]) -> None:
        self._inner = inner
        self._app = app
        self._clients = clients

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (self._app, service_url, audience or "")
        client = self._clients.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)  # type: ignore[arg-type]
            self._clients[key] = client
        return client


class ReusingAuthentication(BotFrameworkAuthentication):
    """ConfigurationBotFrameworkAuthentication, except that connector and token clients are made once per app and
    service URL instead of once per turn. msrest spends about 10 ms of CPU building each client's retry policy and
    the SDK builds two per turn: that capped /api/messages at about 50 activities/s on two cores. A kept client
    also keeps its HTTP connections, and its credentials cache their token until it expires."""

    def __init__(self, inner: BotFrameworkAuthentication) -> None:
        self._inner = inner
        self._connectors: dict[tuple[str, str, str], ConnectorClient] = {}
        self._token_clients: dict[str, UserTokenClient] = {}

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await self._inner.authenticate_request(activity, auth_header)
        app = _app_of(result.claims_identity)
        result.connector_factory = _ReusingConnectorFactory(result.connector_factory, app, self._connectors)
        return result

    async def authenticate_streaming_request(
        self, auth_header: str, channel_id_header: str
    ) -> AuthenticateRequestResult:
        return await self._inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        inner = self._inner.create_connector_factory(claims_identity)
        return _ReusingConnectorFactory(inner, _app_of(claims_identity), self._connectors)

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app = _app_of(claims_identity)
        client = self._token_clients.get(app)
        if client is None:
            client = await self._inner.create_user_token_client(claims_identity)
            self._token_clients[app] = client
        return client

    def create_bot_framework_client(self) -> BotFrameworkClient:
        return self._inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self._inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self._inner.authenticate_channel_request(auth_header)


def reference_of(activity: Activity) -> ConversationReference:
    return TurnContext.get_conversation_reference(activity)


def serialize_reference(reference: ConversationReference) -> str:
    return json.dumps(reference.serialize(), ensure_ascii=False)


def channel_of(conversation_id: str) -> str:
    """A message in a channel thread carries the thread in its conversation id; the channel is what precedes it."""
    return conversation_id.split(";messageid=", 1)[0]


def tenant_of(activity: Activity) -> str:
    """Teams puts the tenant on the conversation and in channelData; older clients only in channelData."""
    conversation_tenant = getattr(activity.conversation, "tenant_id", None) if activity.conversation else None
    channel_data: dict[str, Any] = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant")
    tenant_id = tenant.get("id") if isinstance(tenant, dict) else None
    found = str(conversation_tenant or tenant_id or "")
    # Real tenants are GUIDs; a client that names its own (the emulator, a Direct Line client) must not pass for
    # the terminal's workspaces, whose messages are printed on this machine and whose pulses take made-up answers.
    return f"teams-{found}" if is_console_team(found) else found


@dataclass(frozen=True)
class Delivered:
    conversation_id: str
    activity_id: str | None
    opened: StoredReference | None = None  # set when this send opened a new 1:1 chat: remember it


class TeamsLink:
    def __init__(self, settings: Settings) -> None:
        self.authentication = ReusingAuthentication(bot_framework_authentication(settings))
        self.app_id = settings.microsoft_app_id
        # Its own adapter, without an error handler: a failed proactive send must reach the delivery worker as an
        # exception to classify, not be swallowed the way a failed inbound turn is.
        self._adapter = CloudAdapter(self.authentication)

    async def send(self, target: StoredReference, activity: dict[str, Any]) -> Delivered:
        """Post into a known conversation, or open the person's 1:1 chat first when we only know their tenant
        (a channel roster told us about them, but they never wrote to the bot)."""
        if target.conversation_id:
            reference = ConversationReference().deserialize(json.loads(target.reference))
            sent_id = await self._continue(reference, activity)
            return Delivered(target.conversation_id, sent_id)
        return await self._open_and_send(target, activity)

    async def update(self, target: StoredReference, activity_id: str, activity: dict[str, Any]) -> None:
        """Replace a message the bot sent (UpdateActivity): a card redrawn in place."""
        reference = ConversationReference().deserialize(json.loads(target.reference))

        async def replace(turn_context: TurnContext) -> None:
            outgoing = TurnContext.apply_conversation_reference(Activity().deserialize(activity), reference)
            outgoing.id = activity_id
            outgoing.reply_to_id = None
            connector: ConnectorClient = turn_context.turn_state[self._adapter.BOT_CONNECTOR_CLIENT_KEY]
            await connector.conversations.update_activity(target.conversation_id, activity_id, outgoing)

        await self._adapter.continue_conversation(reference, replace, bot_app_id=self.app_id)

    async def _continue(self, reference: ConversationReference, activity: dict[str, Any]) -> str | None:
        sent: list[str | None] = []

        async def post(turn_context: TurnContext) -> None:
            sent.append(await self._post_new(turn_context, reference, activity))

        await self._adapter.continue_conversation(reference, post, bot_app_id=self.app_id)
        return sent[0] if sent else None

    async def _open_and_send(self, target: StoredReference, activity: dict[str, Any]) -> Delivered:
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self.app_id}" if self.app_id else None),
            members=[ChannelAccount(id=target.target_id)],
            tenant_id=target.tenant_id,
            channel_data={"tenant": {"id": target.tenant_id}},
        )
        opened: list[tuple[StoredReference, str | None]] = []

        async def post(turn_context: TurnContext) -> None:
            reference = reference_of(turn_context.activity)
            activity_id = await self._post_new(turn_context, reference, activity)
            conversation_id = reference.conversation.id if reference.conversation else ""
            stored = StoredReference(
                target.target_id,
                "user",
                target.tenant_id,
                conversation_id,
                target.service_url,
                serialize_reference(reference),
            )
            opened.append((stored, activity_id))

        await self._adapter.create_conversation(
            self.app_id or "",
            post,
            parameters,
            channel_id=TEAMS_CHANNEL,
            service_url=target.service_url,
        )
        stored, activity_id = opened[0]
        return Delivered(stored.conversation_id, activity_id, opened=stored)

    async def _post_new(
        self, turn_context: TurnContext, reference: ConversationReference, activity: dict[str, Any]
    ) -> str | None:
        """A new message in the conversation (SendToConversation). TurnContext.send_activity would make it a reply
        to the continuation's made-up activity id, which in a channel is a reply to a thread that does not exist."""
        outgoing = TurnContext.apply_conversation_reference(Activity().deserialize(activity), reference)
        outgoing.reply_to_id = None
        connector: ConnectorClient = turn_context.turn_state[self._adapter.BOT_CONNECTOR_CLIENT_KEY]
        response = await connector.conversations.send_to_conversation(outgoing.conversation.id, outgoing)
        return response.id if response else None

    async def members(self, conversation: StoredReference) -> list[str]:
        """Everyone in a channel's team or a group chat, page by page (Teams' roster API)."""
        reference = ConversationReference().deserialize(json.loads(conversation.reference))
        found: list[str] = []

        async def page_through(turn_context: TurnContext) -> None:
            connector: ConnectorClient = turn_context.turn_state[self._adapter.BOT_CONNECTOR_CLIENT_KEY]
            token = None
            while True:
                page = await connector.conversations.get_conversation_paged_members(
                    conversation.conversation_id, ROSTER_PAGE_SIZE, token
                )
                found.extend(member.id for member in page.members or [] if member.id)
                token = page.continuation_token
                if not token:
                    return

        await self._adapter.continue_conversation(reference, page_through, bot_app_id=self.app_id)
        return found
