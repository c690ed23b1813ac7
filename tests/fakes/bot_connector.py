"""A fake Bot Framework Connector service (the `serviceUrl` Teams hands a bot) on 127.0.0.1, port 0.

It speaks Connector REST API v3 as botframework-connector's `ConnectorClient` calls it, and records what it gets:

- `POST /v3/conversations` (create_conversation): ConversationParameters in, `{"id", "activityId"?, "serviceUrl"}`
  out with 201. A 1:1 chat (not a group, one member) with the same member and tenant answers the same id each
  time, as Teams does; every call is kept in `created` and each conversation in `conversations`.
- `POST /v3/conversations/{id}/activities` (send_to_conversation), `POST …/activities/{activityId}`
  (reply_to_activity), `PUT …/activities/{activityId}` (update_activity): `{"id": "<activity id>"}` with 200.
  `DELETE …/activities/{activityId}` (delete_activity): 200, kept in `deleted`.
- `GET /v3/conversations/{id}/members`, `…/pagedmembers?pageSize=&continuationToken=`, `…/members/{memberId}`:
  the members a test gave with `set_members` (TeamsChannelAccount JSON). A conversation the fake knows nothing
  of answers 404 ConversationNotFound; an unknown member 404 MemberNotFoundInConversation.

Every request that carries an activity becomes a `Posted` in `posted` (create with an activity, send, reply,
update); every request at all becomes a `Call` in `calls`, with the status the fake answered.

Faults: `fail_next(status, times, retry_after, body)` answers the next requests (optionally only those of one
operation) with a Bot Framework error body `{"error": {"code", "message"}}` and, for a 429, a Retry-After
header; `refuse(conversation_id)` is a conversation whose user uninstalled the bot: 403
BotNotInConversationRoster on every request, for good. Refusing a user id (29:…) refuses opening a 1:1 chat with
them too, and every request to a 1:1 chat already opened with them.

How the SDK surfaces these errors (botframework-connector 4.17, default pipeline, which sends with `requests`):

- every operation except the paged-members ones raises `botbuilder.schema.ErrorResponseException` (a
  `msrest.exceptions.HttpOperationError`); `get_conversation_paged_members` raises a bare `HttpOperationError`.
  Catch `HttpOperationError` to get both.
- `error.response` is the `requests.Response`: `error.response.status_code` is the status (429, 403, …) and
  `error.response.headers.get("Retry-After")` the header, a string of seconds. `error.error.error.code` /
  `.message` hold the parsed body (`error.error` is an `ErrorResponse` for ErrorResponseException), and
  `str(error)` reads "(BotNotInConversationRoster) The bot is not part of the conversation roster.". For the
  bare HttpOperationError of the paged-members operations read the code from `error.response.json()`.
  (With a custom aiohttp pipeline `error.response` is an `aiohttp.ClientResponse` instead: `.status`.)
- msrest's transport retries on its own, through urllib3 (`client.config.retry_policy.retries`, 3 by default):
  GET, PUT and DELETE are retried on 408 and on 5xx other than 501/505 (backoff 0 s, 1.6 s, 3.2 s), and on
  413/429/503 with a non-zero Retry-After (sleeping that long). POSTs — create, send, reply — are never retried
  there (urllib3 2 leaves POST out), so their failures reach the caller at once. Out of retries, a 5xx GET ends
  as `msrest.exceptions.ClientRequestError` ("Max retries exceeded"), not HttpOperationError; a 429 GET as the
  ErrorResponseException of the last 429.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

TENANT = "72f988bf-0000-0000-0000-000000000001"
BOT_APP_ID = "feedbot-app-id"
BOT_ID = f"28:{BOT_APP_ID}"
BOT_NAME = "feedbot"
USER = "29:1user-ada"
USER_NAME = "Ada Lovelace"
PERSONAL_CONVERSATION = "a:1personal-ada"
CHANNEL_CONVERSATION = "19:general@thread.tacv2"
GROUP_CHAT_CONVERSATION = "19:meeting-group-chat@thread.v2"
TEAM_NAME = "Product"
CHANNEL_NAME = "General"
LOCALE = "en-US"
LOCAL_TIMEZONE = "Europe/London"

# What the Connector answers for each status when a test does not give its own body.
ERROR_CODES: dict[int, tuple[str, str]] = {
    400: ("BadArgument", "The request is malformed."),
    401: ("Unauthorized", "Authorization has been denied for this request."),
    403: ("BotNotInConversationRoster", "The bot is not part of the conversation roster."),
    404: ("ConversationNotFound", "Conversation not found."),
    412: ("PreconditionFailed", "Precondition failed, please try again."),
    413: ("MessageSizeTooBig", "Message size too large."),
    429: ("Throttled", "Too many requests. Please retry after the time given in Retry-After."),
    500: ("ServiceError", "An internal error occurred."),
    502: ("ServiceError", "Bad gateway."),
    503: ("ServiceUnavailable", "The service is unavailable."),
    504: ("GatewayTimeout", "The request timed out."),
}

OPERATIONS = (
    "create_conversation",
    "send_to_conversation",
    "reply_to_activity",
    "update_activity",
    "delete_activity",
    "get_conversation_members",
    "get_conversation_paged_members",
    "get_conversation_member",
)


@dataclass
class Member:
    """A conversation member as Teams lists it (TeamsChannelAccount)."""

    id: str
    name: str = ""
    aad_object_id: str | None = None
    user_principal_name: str | None = None
    email: str | None = None
    given_name: str | None = None
    surname: str | None = None
    user_role: str | None = "user"  # "user", "guest" or "anonymous"
    tenant_id: str | None = None  # the conversation's tenant when None

    def json(self, tenant: str | None = None) -> dict[str, Any]:
        account: dict[str, Any] = {"id": self.id, "name": self.name}
        optional = {
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name,
            "surname": self.surname,
            "email": self.email,
            "userPrincipalName": self.user_principal_name,
            "tenantId": self.tenant_id or tenant,
            "userRole": self.user_role,
        }
        account.update({key: value for key, value in optional.items() if value is not None})
        return account

    def matches(self, member_id: str) -> bool:
        """Teams finds a member by their 29: id, AAD object id or UPN."""
        wanted = member_id.lower()
        return member_id == self.id or wanted in {
            (self.aad_object_id or "").lower(),
            (self.user_principal_name or "").lower(),
        } - {""}


@dataclass
class Posted:
    """One request that carried an activity."""

    conversation_id: str
    reply_to_id: str | None  # the activity replied to (reply_to_activity), else None
    activity: dict[str, Any]  # the JSON as sent
    authorization: str | None  # the Authorization header as sent
    kind: str = "send"  # "send", "reply", "update" or "create" (the activity of create_conversation)
    activity_id: str = ""  # the id the fake answered with (for "update": the id updated)

    @property
    def text(self) -> str | None:
        text = self.activity.get("text")
        return text if isinstance(text, str) else None

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return list(self.activity.get("attachments") or [])

    @property
    def cards(self) -> list[dict[str, Any]]:
        """The Adaptive Cards attached (their content)."""
        return [
            attachment.get("content") or {}
            for attachment in self.attachments
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]


@dataclass
class Conversation:
    """A conversation opened with create_conversation."""

    id: str
    members: list[str]
    tenant_id: str | None
    is_group: bool
    bot: dict[str, Any] | None = None
    channel_data: dict[str, Any] | None = None
    topic_name: str | None = None
    activity: dict[str, Any] | None = None
    authorization: str | None = None


@dataclass
class Call:
    method: str  # HTTP method
    path: str  # decoded, e.g. /v3/conversations/a:1personal-ada/activities
    operation: str  # one of OPERATIONS, or "unknown"
    status: int  # what the fake answered
    authorization: str | None
    at: float = 0.0  # time.monotonic()


@dataclass
class PlannedFailure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    operation: str | None = None


def error_body(status: int, code: str | None = None, message: str | None = None) -> dict[str, Any]:
    default_code, default_message = ERROR_CODES.get(status, ("ServiceError", "The request failed."))
    return {"error": {"code": code or default_code, "message": message or default_message}}


class FakeBotConnector:
    def __init__(self) -> None:
        self.posted: list[Posted] = []
        self.calls: list[Call] = []
        self.created: list[Conversation] = []  # every create_conversation, in order (repeats included)
        self.conversations: dict[str, Conversation] = {}
        self.deleted: list[tuple[str, str]] = []  # (conversation id, activity id)
        self.members: dict[str, list[Member]] = {}
        self.refused: dict[str, tuple[int, str]] = {}
        self._failures: list[PlannedFailure] = []
        self._activity_ids = itertools.count(1_700_000_000_001)
        self._conversation_ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._url = ""

    # -- lifecycle -----------------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._url = f"http://127.0.0.1:{port}/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        """The serviceUrl to put in activities, with a trailing slash as Teams' own have."""
        return self._url

    # -- test controls ---------------------------------------------------------------------------------------------
    def set_members(self, conversation_id: str, members: Sequence[Member]) -> None:
        self.members[conversation_id] = list(members)

    def fail_next(
        self,
        status: int,
        times: int = 1,
        retry_after: float | None = None,
        body: dict[str, Any] | None = None,
        *,
        operation: str | None = None,
    ) -> None:
        """Answer the next `times` requests (only those of `operation`, one of OPERATIONS, if given) with `status`."""
        if operation is not None and operation not in OPERATIONS:
            raise ValueError(f"unknown operation {operation!r}: one of {', '.join(OPERATIONS)}")
        headers: dict[str, str] = {}
        if retry_after is not None:
            seconds = int(retry_after) if float(retry_after).is_integer() else retry_after
            headers["Retry-After"] = str(seconds)
        answer = body if body is not None else error_body(status)
        self._failures.extend(PlannedFailure(status, answer, headers, operation) for _ in range(times))

    def refuse(self, conversation_id: str, status: int = 403, code: str = "BotNotInConversationRoster") -> None:
        """Every request about this conversation (or a 1:1 chat with this user) is refused from now on."""
        self.refused[conversation_id] = (status, code)

    def to(self, conversation_id: str) -> list[Posted]:
        """Activities posted to a conversation (a channel's id also matches its threads, `…;messageid=…`)."""
        return [posted for posted in self.posted if _same_conversation(posted.conversation_id, conversation_id)]

    async def wait_for(
        self, predicate: Callable[[Posted], bool], count: int = 1, timeout: float = 10.0
    ) -> list[Posted]:
        """Wait until at least `count` recorded activities match, and return all that do."""

        def matching() -> list[Posted]:
            return [posted for posted in self.posted if predicate(posted)]

        async with asyncio.timeout(timeout):
            while len(matching()) < count:
                self._changed.clear()
                await self._changed.wait()
        return matching()

    def calls_to(self, operation: str) -> list[Call]:
        return [call for call in self.calls if call.operation == operation]

    def opened_with(self, member_id: str) -> list[Conversation]:
        """The 1:1 conversations opened with a member."""
        return [conversation for conversation in self.created if member_id in conversation.members]

    # -- protocol --------------------------------------------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.Response:
        raw_path = request.raw_path.split("?", 1)[0]
        parts = [unquote(part) for part in raw_path.split("/") if part]
        operation, args = _route(request.method, parts)
        authorization = request.headers.get("Authorization")
        call = Call(request.method, "/" + "/".join(parts), operation, 200, authorization, time.monotonic())
        self.calls.append(call)
        try:
            response = await self._answer(request, operation, args, authorization)
        except ValueError as problem:  # a body that is not the JSON the operation takes
            response = web.json_response(error_body(400, "BadSyntax", str(problem)), status=400)
        call.status = response.status
        self._changed.set()
        return response

    async def _answer(
        self, request: web.Request, operation: str, args: dict[str, str], authorization: str | None
    ) -> web.Response:
        if operation == "unknown":
            missing = error_body(404, "NotFound", f"No route for {request.method} {request.path}")
            return web.json_response(missing, status=404)
        failure = self._planned_failure(operation)
        if failure is not None:
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        body: dict[str, Any] = {}
        if request.method in ("POST", "PUT"):
            loaded = json.loads(await request.text() or "null")
            if not isinstance(loaded, dict):
                raise ValueError("the body must be a JSON object")
            body = loaded
        conversation_id = args.get("conversation_id")
        if conversation_id is not None:
            refusal = self._refusal(conversation_id)
            if refusal is not None:
                return refusal
        handler: Callable[[dict[str, str], dict[str, Any], str | None, web.Request], web.Response]
        handler = getattr(self, "_" + operation)
        return handler(args, body, authorization, request)

    def _planned_failure(self, operation: str) -> PlannedFailure | None:
        for index, failure in enumerate(self._failures):
            if failure.operation in (None, operation):
                return self._failures.pop(index)
        return None

    def _refusal(self, conversation_id: str) -> web.Response | None:
        """Refused: the conversation itself, or a 1:1 chat opened with a refused user (who uninstalled the bot)."""
        opened = self.conversations.get(conversation_id)
        chat_with = opened.members if opened is not None and not opened.is_group else []
        for refused, (status, code) in self.refused.items():
            if _same_conversation(conversation_id, refused) or refused in chat_with:
                return web.json_response(error_body(status, code), status=status)
        return None

    def _new_activity_id(self) -> str:
        return str(next(self._activity_ids))

    def _record(self, posted: Posted) -> None:
        self.posted.append(posted)
        self._changed.set()

    def _create_conversation(
        self, args: dict[str, str], body: dict[str, Any], authorization: str | None, request: web.Request
    ) -> web.Response:
        members = [str(member.get("id")) for member in body.get("members") or [] if isinstance(member, dict)]
        channel_data = body.get("channelData") if isinstance(body.get("channelData"), dict) else None
        tenant = body.get("tenantId") or body.get("tenantID") or ((channel_data or {}).get("tenant") or {}).get("id")
        is_group = bool(body.get("isGroup"))
        channel = ((channel_data or {}).get("channel") or {}).get("id")
        for member in members:
            refusal = self._refusal(member)
            if refusal is not None:
                return refusal
        if channel is None and not members:
            return web.json_response(error_body(400, "BadArgument", "Conversation must have members."), status=400)
        activity = body.get("activity") if isinstance(body.get("activity"), dict) else None
        activity_id = self._new_activity_id() if activity is not None else None
        if channel is not None:
            # A new thread in a channel: Teams names it after the channel and its root message.
            conversation_id = f"{channel};messageid={activity_id or self._new_activity_id()}"
        else:
            conversation_id = self._existing_chat(members, tenant, is_group) or self._new_conversation_id(is_group)
        conversation = Conversation(
            id=conversation_id,
            members=members,
            tenant_id=tenant,
            is_group=is_group,
            bot=body.get("bot"),
            channel_data=channel_data,
            topic_name=body.get("topicName"),
            activity=activity,
            authorization=authorization,
        )
        self.created.append(conversation)
        self.conversations.setdefault(conversation_id, conversation)
        if activity is not None and activity_id is not None:
            self._record(Posted(conversation_id, None, activity, authorization, "create", activity_id))
        answer: dict[str, Any] = {"id": conversation_id, "serviceUrl": self.url}
        if activity_id is not None:
            answer["activityId"] = activity_id
        return web.json_response(answer, status=201)

    def _existing_chat(self, members: list[str], tenant: str | None, is_group: bool) -> str | None:
        if is_group or len(members) != 1:
            return None
        for conversation in self.conversations.values():
            same = conversation.members == members and conversation.tenant_id == tenant
            if same and not conversation.is_group:
                return conversation.id
        return None

    def _new_conversation_id(self, is_group: bool) -> str:
        number = next(self._conversation_ids)
        if is_group:
            return f"19:fake-group-chat-{number}@thread.v2"
        return f"a:1fake-personal-{number:04d}-{uuid.uuid5(uuid.NAMESPACE_URL, str(number)).hex[:12]}"

    def _send_to_conversation(
        self, args: dict[str, str], body: dict[str, Any], authorization: str | None, request: web.Request
    ) -> web.Response:
        activity_id = self._new_activity_id()
        self._record(Posted(args["conversation_id"], None, body, authorization, "send", activity_id))
        return web.json_response({"id": activity_id})

    def _reply_to_activity(
        self, args: dict[str, str], body: dict[str, Any], authorization: str | None, request: web.Request
    ) -> web.Response:
        activity_id = self._new_activity_id()
        posted = Posted(args["conversation_id"], args["activity_id"], body, authorization, "reply", activity_id)
        self._record(posted)
        return web.json_response({"id": activity_id})

    def _update_activity(
        self, args: dict[str, str], body: dict[str, Any], authorization: str | None, request: web.Request
    ) -> web.Response:
        activity_id = args["activity_id"]
        self._record(Posted(args["conversation_id"], None, body, authorization, "update", activity_id))
        return web.json_response({"id": activity_id})

    def _delete_activity(
        self, args: dict[str, str], body: dict[str, Any], authorization: str | None, request: web.Request
    ) -> web.Response:
        self.deleted.append((args["conversation_id"], args["activity_id"]))
        return web.Response(status=200)

    def _known_members(self, conversation_id: str) -> tuple[list[Member], str | None] | None:
        """A conversation's members and tenant, or None if the fake knows nothing of the conversation."""
        conversation = self.conversations.get(conversation_id)
        tenant = conversation.tenant_id if conversation is not None else None
        for known, members in self.members.items():
            if _same_conversation(conversation_id, known):
                return members, tenant
        if conversation is not None:
            return [Member(member) for member in conversation.members], tenant
        return None

    def _members_or_404(self, conversation_id: str) -> tuple[list[Member], str | None] | web.Response:
        known = self._known_members(conversation_id)
        if known is None:
            return web.json_response(error_body(404), status=404)
        return known

    def _get_conversation_members(
        self, args: dict[str, str], body: dict[str, Any], authorization: str | None, request: web.Request
    ) -> web.Response:
        known = self._members_or_404(args["conversation_id"])
        if isinstance(known, web.Response):
            return known
        members, tenant = known
        return web.json_response([member.json(tenant) for member in members])

    def _get_conversation_paged_members(
        self, args: dict[str, str], body: dict[str, Any], authorization: str | None, request: web.Request
    ) -> web.Response:
        known = self._members_or_404(args["conversation_id"])
        if isinstance(known, web.Response):
            return known
        members, tenant = known
        try:
            size = int(request.query.get("pageSize") or 200)
            start = _offset(request.query.get("continuationToken"))
        except ValueError:
            invalid = error_body(400, "BadArgument", "Invalid pageSize or continuationToken.")
            return web.json_response(invalid, status=400)
        size = max(1, min(size, 500))  # Teams caps a page at 500 (and, unlike Teams, honours sizes under 50)
        end = start + size
        answer: dict[str, Any] = {"members": [member.json(tenant) for member in members[start:end]]}
        if end < len(members):
            answer["continuationToken"] = _token(end)
        return web.json_response(answer)

    def _get_conversation_member(
        self, args: dict[str, str], body: dict[str, Any], authorization: str | None, request: web.Request
    ) -> web.Response:
        known = self._members_or_404(args["conversation_id"])
        if isinstance(known, web.Response):
            return known
        members, tenant = known
        for member in members:
            if member.matches(args["member_id"]):
                return web.json_response(member.json(tenant))
        missing = error_body(404, "MemberNotFoundInConversation", "The member was not found in the conversation.")
        return web.json_response(missing, status=404)


def _route(method: str, parts: list[str]) -> tuple[str, dict[str, str]]:
    """Which Connector operation a request is, and its path arguments."""
    if parts[:2] != ["v3", "conversations"]:
        return "unknown", {}
    rest = parts[2:]
    if not rest:
        return ("create_conversation" if method == "POST" else "unknown"), {}
    args = {"conversation_id": rest[0]}
    tail = rest[1:]
    if len(tail) == 1:
        collection = {
            ("POST", "activities"): "send_to_conversation",
            ("GET", "members"): "get_conversation_members",
            ("GET", "pagedmembers"): "get_conversation_paged_members",
        }
        return collection.get((method, tail[0]), "unknown"), args
    if len(tail) == 2 and tail[0] == "activities" and tail[1] != "history":
        one = {"POST": "reply_to_activity", "PUT": "update_activity", "DELETE": "delete_activity"}
        return one.get(method, "unknown"), args | {"activity_id": tail[1]}
    if len(tail) == 2 and tail[0] == "members" and method == "GET":
        return "get_conversation_member", args | {"member_id": tail[1]}
    return "unknown", {}


def _same_conversation(conversation_id: str, wanted: str) -> bool:
    return conversation_id == wanted or conversation_id.split(";messageid=", 1)[0] == wanted


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError) as problem:
        raise ValueError("bad continuation token") from problem
    if not isinstance(offset, int) or offset < 0:
        raise ValueError("bad continuation token")
    return offset


# -- what Teams POSTs to a bot's /api/messages -------------------------------------------------------------------

_inbound_ids = itertools.count(1)


def aad_object_id(user: str) -> str:
    """A stable AAD object id for a fake 29: user id."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"aad:{user}"))


def _timestamps() -> tuple[str, str]:
    """timestamp (UTC, Z, 7 fractional digits as Teams writes them) and localTimestamp (in LOCAL_TIMEZONE)."""
    now = datetime.now(UTC)
    local = now.astimezone(ZoneInfo(LOCAL_TIMEZONE))
    digits = f"{now.microsecond:06d}0"
    offset = local.strftime("%z")
    utc = now.strftime("%Y-%m-%dT%H:%M:%S.") + digits + "Z"
    return utc, local.strftime("%Y-%m-%dT%H:%M:%S.") + digits + f"{offset[:3]}:{offset[3:]}"


def _new_inbound_id() -> str:
    return str(1_710_000_000_000 + next(_inbound_ids))


def _conversation(conversation: str, conversation_type: str, tenant: str) -> dict[str, Any]:
    account: dict[str, Any] = {"conversationType": conversation_type, "tenantId": tenant, "id": conversation}
    if conversation_type in ("channel", "groupChat"):
        account = {"isGroup": True, **account}
    return account


def _channel_data(
    conversation: str, conversation_type: str, tenant: str, team: str | None, team_name: str
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if conversation_type == "channel":
        channel = conversation.split(";messageid=", 1)[0]
        team_id = team or channel  # a team's id is its General channel's id
        data["teamsChannelId"] = channel
        data["teamsTeamId"] = team_id
        channel_name = CHANNEL_NAME if channel == team_id else channel.split(":", 1)[-1].split("@", 1)[0]
        data["channel"] = {"id": channel, "name": channel_name}
        data["team"] = {"id": team_id, "name": team_name}
    data["tenant"] = {"id": tenant}
    return data


def _client_info() -> dict[str, Any]:
    return {"locale": LOCALE, "country": "GB", "platform": "Web", "timezone": LOCAL_TIMEZONE, "type": "clientInfo"}


def message(
    text: str | None,
    *,
    service_url: str,
    user: str = USER,
    conversation: str = PERSONAL_CONVERSATION,
    conversation_type: str = "personal",
    tenant: str = TENANT,
    value: dict[str, Any] | None = None,
    mention_bot: bool = False,
    team: str | None = None,
    user_name: str = USER_NAME,
    reply_to_id: str | None = None,
    activity_id: str | None = None,
    team_name: str = TEAM_NAME,
    mentions: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """A message activity as Teams POSTs it to the bot.

    `mention_bot`: the text starts with "<at>feedbot</at> " and carries the mention entity, as in a channel.
    `mentions`: (id, name) of people or channels the text @mentions: the text holds "<at>name</at>" for each (the
    test writes it there), and the activity one mention entity per pair, as Teams sends them.
    `value`: an Adaptive Card Action.Submit — the card's inputs merged with the action's data, no text, and
    `replyToId` the card's message (`reply_to_id`, or a made-up id). In a channel, a message that is not a reply
    starts a thread: its conversation id becomes "<channel id>;messageid=<its own id>" as in Teams.

    Teams writes the tenant as conversation.tenantId, which the Python SDK's ConversationAccount (it maps
    "tenantID") reads as None: read it from channelData.tenant.id (teams_get_channel_data(activity).tenant.id).
    """
    activity_id = activity_id or _new_inbound_id()
    timestamp, local_timestamp = _timestamps()
    if conversation_type == "channel" and ";messageid=" not in conversation:
        conversation = f"{conversation};messageid={reply_to_id or activity_id}"
    entities: list[dict[str, Any]] = []
    if mention_bot and text is not None:
        mention_text = f"<at>{BOT_NAME}</at>"
        text = f"{mention_text} {text}"
        entities.append({"type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": mention_text})
    for mentioned_id, mentioned_name in mentions:
        entities.append(
            {
                "type": "mention",
                "mentioned": {"id": mentioned_id, "name": mentioned_name},
                "text": f"<at>{mentioned_name}</at>",
            }
        )
    entities.append(_client_info())
    activity: dict[str, Any] = {"type": "message", "id": activity_id, "timestamp": timestamp}
    activity["localTimestamp"] = local_timestamp
    activity["localTimezone"] = LOCAL_TIMEZONE
    activity["serviceUrl"] = service_url
    activity["channelId"] = "msteams"
    activity["from"] = {"id": user, "name": user_name, "aadObjectId": aad_object_id(user)}
    activity["conversation"] = _conversation(conversation, conversation_type, tenant)
    activity["recipient"] = {"id": BOT_ID, "name": BOT_NAME}
    if text is not None:
        activity["textFormat"] = "plain"
        activity["text"] = text
    activity["entities"] = entities
    activity["channelData"] = _channel_data(conversation, conversation_type, tenant, team, team_name)
    activity["locale"] = LOCALE
    if value is not None:
        card_message = reply_to_id or _new_inbound_id()
        activity["replyToId"] = card_message
        activity["value"] = value
        activity["channelData"]["source"] = {"name": "message"}
        activity["channelData"]["legacy"] = {"replyToId": card_message}
    elif reply_to_id is not None:
        activity["replyToId"] = reply_to_id
    return activity


def conversation_update(
    *,
    service_url: str,
    members_added: Sequence[str] = (),
    conversation: str = PERSONAL_CONVERSATION,
    conversation_type: str = "personal",
    tenant: str = TENANT,
    team: str | None = None,
    members_removed: Sequence[str] = (),
    user: str = USER,
    team_name: str = TEAM_NAME,
) -> dict[str, Any]:
    """A conversationUpdate: the bot installed (BOT_ID among `members_added`) or people joining or leaving.

    In a team, channelData carries eventType teamMemberAdded (or teamMemberRemoved) and the team; `user` is who
    did it (the installer).
    """
    timestamp, local_timestamp = _timestamps()
    activity: dict[str, Any] = {}
    if members_added:
        activity["membersAdded"] = [_account(member) for member in members_added]
    if members_removed:
        activity["membersRemoved"] = [_account(member) for member in members_removed]
    activity["type"] = "conversationUpdate"
    activity["timestamp"] = timestamp
    activity["localTimestamp"] = local_timestamp
    activity["id"] = f"f:{uuid.uuid4()}"
    activity["channelId"] = "msteams"
    activity["serviceUrl"] = service_url
    activity["from"] = {"id": user, "aadObjectId": aad_object_id(user)}
    activity["conversation"] = _conversation(conversation, conversation_type, tenant)
    activity["recipient"] = {"id": BOT_ID, "name": BOT_NAME}
    data = _channel_data(conversation, conversation_type, tenant, team, team_name)
    if conversation_type == "channel":
        data["team"]["aadGroupId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"group:{data['team']['id']}"))
        data["eventType"] = "teamMemberAdded" if members_added else "teamMemberRemoved"
        data["settings"] = {"selectedChannel": {"id": data["channel"]["id"]}}
        for key in ("teamsChannelId", "teamsTeamId"):
            data.pop(key)
    activity["channelData"] = data
    activity["locale"] = LOCALE
    return activity


def _account(member: str) -> dict[str, Any]:
    return {"id": member} if member.startswith("28:") else {"id": member, "aadObjectId": aad_object_id(member)}


def card_action(
    verb: str,
    data: dict[str, Any] | None = None,
    *,
    service_url: str,
    reply_to_id: str,
    automatic: bool = False,
    **where: Any,
) -> dict[str, Any]:
    """An Action.Execute as Teams POSTs it: an invoke named adaptiveCard/action whose value holds the action (its
    verb, and its data with the card's inputs merged in) and the trigger, "automatic" when Teams refreshes a card by
    itself. `where` takes message()'s user, conversation, tenant and the like."""
    activity = message(None, service_url=service_url, reply_to_id=reply_to_id, **where)
    action = {"type": "Action.Execute", "verb": verb, "data": data or {}}
    activity |= {
        "type": "invoke",
        "name": "adaptiveCard/action",
        "value": {"action": action, "trigger": "automatic" if automatic else "manual"},
    }
    return activity


async def post_activity(
    base_url: str, activity: dict[str, Any], *, authorization: str | None = None
) -> tuple[int, str]:
    """POST an activity to a running bot's /api/messages, as Teams does; the status and body text answered."""
    url = base_url if base_url.rstrip("/").endswith("/api/messages") else base_url.rstrip("/") + "/api/messages"
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if authorization is not None:
        headers["Authorization"] = authorization
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=json.dumps(activity).encode(), headers=headers) as response,
    ):
        return response.status, await response.text()


def message_action_invoke(
    name: str,
    command_id: str,
    html: str,
    *,
    service_url: str,
    message_id: str = "1700000000123",
    link: str | None = None,
    data: dict[str, Any] | None = None,
    **where: Any,
) -> dict[str, Any]:
    """A message extension's action on a message, as Teams POSTs it: `name` composeExtension/fetchTask (opening
    the dialog) or composeExtension/submitAction (its form sent, the inputs and the submit's data in `data`).
    messagePayload is the message acted on, its body HTML as Teams keeps it; `link` its linkToMessage, which
    Teams leaves out for some messages. `where` takes message()'s user, conversation, tenant and the like."""
    activity = message(None, service_url=service_url, **where)
    sender = {"user": {"id": aad_object_id(USER), "displayName": USER_NAME, "userIdentityType": "aadUser"}}
    payload: dict[str, Any] = {
        "id": message_id,
        "createdDateTime": "2026-11-30T10:00:00.000Z",
        "messageType": "message",
        "from": sender,
        "body": {"contentType": "html", "content": html},
        "attachments": [],
        "mentions": [],
        "reactions": [],
    }
    if link is not None:
        payload["linkToMessage"] = link
    value: dict[str, Any] = {
        "commandId": command_id,
        "commandContext": "message",
        "messagePayload": payload,
        "context": {"theme": "default"},
    }
    if data is not None:
        value["data"] = data
    activity |= {"type": "invoke", "name": name, "value": value}
    activity.pop("text", None)
    return activity
