"""POST /api/messages: Bot Framework activities in, checked by the SDK (JWT unless in emulator mode), answered in
turn. Mounted only with a Teams app registration or FEEDBOT_TEAMS_EMULATOR (bot/app.py).

With the JWT on, the cheap checks come first: a request whose Authorization is not a bearer JWT is refused before
its body is read, and the token is validated against the activity's channel and service URL before the SDK's
slow model deserialisation runs, so an unauthenticated client cannot make the server spend CPU on its body."""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Any
from urllib.parse import urlsplit

import jwt
from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult
from msrest.exceptions import DeserializationError

from bot.desks import Desks
from bot.desks.teams import TeamsDesk
from bot.domain.replies import Reply
from comms.render.teams import reply_activity
from handlers.http_guard import TEAMS_BODY_LIMIT, bearer_token, parse_json, read_body
from handlers.teams.activities import FeedbotActivities

log = logging.getLogger("feedbot.teams")

PATH = "/api/messages"
ANONYMOUS_IS_LOCAL = (
    "FEEDBOT_TEAMS_EMULATOR answers only the Bot Framework Emulator on this machine: set MICROSOFT_APP_ID and "
    "MICROSOFT_APP_PASSWORD to serve Teams"
)
EMULATOR_WARNING = (
    "FEEDBOT_TEAMS_EMULATOR is on: /api/messages authenticates nothing and believes whoever an activity says it is "
    "from. It is for local development only (the Bot Framework Emulator); never set it on a server others reach."
)
# header.payload.signature, each base64url; Bot Framework tokens are a few KiB at most.
JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
MAX_TOKEN = 16 * 1024
SOMETHING_WENT_WRONG = Reply.failed("Sorry, something went wrong on my side. Nothing was lost; please try again.")


class TeamsEndpoint:
    def __init__(self, desks: Desks) -> None:
        deps = desks.deps
        self.adapter = CloudAdapter(deps.teams.authentication)
        self.adapter.on_turn_error = self._turn_failed
        self.bot = FeedbotActivities(TeamsDesk(desks), desks)
        self._anonymous = deps.settings.microsoft_app_id is None

    async def handle(self, request: web.Request) -> web.Response:
        authorization = request.headers.get("Authorization", "")
        if not self._anonymous and not _looks_like_jwt(authorization):
            return _error(401, "unauthorized")
        if request.content_type != "application/json":
            return _error(415, "send the activity as application/json")
        try:
            body = parse_json(await read_body(request, TEAMS_BODY_LIMIT))
        except ValueError:
            return _error(400, "the body is not JSON, or nests too deeply")
        if not isinstance(body, dict):
            return _error(400, "the body is not an activity object")
        if not isinstance(body.get("type"), str) or not body["type"]:
            # msrest would turn {"type": 5} into "5"; an activity names its type as a string.
            return _error(400, "the activity has no type")
        if self._anonymous and not (_is_loopback(request.remote) and _is_loopback(_host(body.get("serviceUrl")))):
            # Emulator mode trusts whatever the activity says, replies included: it is for the Bot Framework
            # Emulator on this machine. From anywhere else it would let anyone store items and make the server
            # POST to any serviceUrl they name.
            return _error(401, ANONYMOUS_IS_LOCAL)
        try:
            # With the JWT on, the token is checked against what it vouches for before msrest reads the rest.
            credentials: str | AuthenticateRequestResult = (
                authorization if self._anonymous else await self._authenticate(body, authorization)
            )
        except (PermissionError, jwt.PyJWTError):
            return _error(401, "unauthorized")
        try:
            activity = Activity().deserialize(body)
        except (DeserializationError, ValueError, TypeError, AttributeError):
            return _error(400, "the body is not a Bot Framework activity")
        try:
            invoke = await self.adapter.process_activity(credentials, activity, self.bot.on_turn)
        except (PermissionError, jwt.PyJWTError):
            # The SDK checked the token (or its absence) before any of our code ran: nothing was stored.
            return _error(401, "unauthorized")
        if invoke is not None:
            body = (
                invoke.body
                if isinstance(invoke.body, dict | list) or invoke.body is None
                else serializer_helper(invoke.body)
            )
            return web.json_response(body, status=invoke.status)
        return web.Response(status=201)

    async def _authenticate(self, body: dict[str, Any], authorization: str) -> AuthenticateRequestResult:
        """The SDK's own validation, which reads only the activity's channel and service URL (and the recipient's
        role, on the anonymous path we never take here)."""
        channel_id, service_url = body.get("channelId"), body.get("serviceUrl")
        vouched_for = Activity(
            channel_id=channel_id if isinstance(channel_id, str) else None,
            service_url=service_url if isinstance(service_url, str) else None,
        )
        result: AuthenticateRequestResult = await self.adapter.bot_framework_authentication.authenticate_request(
            vouched_for, authorization
        )
        return result

    async def _turn_failed(self, turn_context: TurnContext, error: Exception) -> None:
        # The class only: an exception's text may quote what the person wrote.
        log.error("a Teams turn failed: %s", type(error).__name__)
        try:
            await turn_context.send_activity(Activity().deserialize(reply_activity(SOMETHING_WENT_WRONG)))
        except Exception as reply_error:  # the connector itself may be what failed
            log.warning("could not tell the person about it either: %s", type(reply_error).__name__)


def _looks_like_jwt(authorization: str) -> bool:
    token = bearer_token(authorization)
    return token is not None and len(token) <= MAX_TOKEN and JWT_SHAPE.fullmatch(token) is not None


def _host(url: object) -> str | None:
    try:
        return urlsplit(url).hostname if isinstance(url, str) else None
    except ValueError:  # e.g. an unclosed "[" IPv6 literal
        return None


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)


def register(app: web.Application, desks: Desks) -> None:
    if desks.deps.settings.microsoft_app_id is None:
        log.warning("%s", EMULATOR_WARNING)
    app.router.add_post(PATH, TeamsEndpoint(desks).handle)
