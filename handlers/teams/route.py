"""POST /api/messages: Bot Framework activities in, checked by the SDK (JWT unless anonymous), answered in turn."""

from __future__ import annotations

import ipaddress
import json
import logging
from urllib.parse import urlsplit

import jwt
from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from msrest.exceptions import DeserializationError

from bot.app import Deps
from bot.messages import Reply
from bot.teams_desk import TeamsDesk
from comms.render.teams import reply_activity
from handlers.teams.activities import FeedbotActivities

log = logging.getLogger("feedbot.teams")

PATH = "/api/messages"
ANONYMOUS_IS_LOCAL = (
    "Teams is not configured here: set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD (without them only the Bot "
    "Framework Emulator on this machine is answered)"
)
SOMETHING_WENT_WRONG = Reply.failed("Sorry, something went wrong on my side. Nothing was lost; please try again.")


class TeamsEndpoint:
    def __init__(self, deps: Deps) -> None:
        self.adapter = CloudAdapter(deps.teams.authentication)
        self.adapter.on_turn_error = self._turn_failed
        self.bot = FeedbotActivities(TeamsDesk(deps))
        self._anonymous = deps.settings.microsoft_app_id is None

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return _error(415, "send the activity as application/json")
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            return _error(400, "the body is not JSON")
        if not isinstance(body, dict):
            return _error(400, "the body is not an activity object")
        if not isinstance(body.get("type"), str) or not body["type"]:
            # msrest would turn {"type": 5} into "5"; an activity names its type as a string.
            return _error(400, "the activity has no type")
        try:
            activity = Activity().deserialize(body)
        except (DeserializationError, ValueError, TypeError, AttributeError):
            return _error(400, "the body is not a Bot Framework activity")
        if self._anonymous and not (_is_loopback(request.remote) and _is_loopback(_host(activity.service_url))):
            # Anonymous mode trusts whatever the activity says, replies included: it is for the Bot Framework
            # Emulator on this machine. From anywhere else it would let anyone store items and make the server
            # POST to any serviceUrl they name.
            return _error(401, ANONYMOUS_IS_LOCAL)
        try:
            invoke = await self.adapter.process_activity(
                request.headers.get("Authorization", ""), activity, self.bot.on_turn
            )
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

    async def _turn_failed(self, turn_context: TurnContext, error: Exception) -> None:
        # The class only: an exception's text may quote what the person wrote.
        log.error("a Teams turn failed: %s", type(error).__name__)
        try:
            await turn_context.send_activity(Activity().deserialize(reply_activity(SOMETHING_WENT_WRONG)))
        except Exception as reply_error:  # the connector itself may be what failed
            log.warning("could not tell the person about it either: %s", type(reply_error).__name__)


def _host(url: object) -> str | None:
    return urlsplit(url).hostname if isinstance(url, str) else None


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)


def register(app: web.Application, deps: Deps) -> None:
    app.router.add_post(PATH, TeamsEndpoint(deps).handle)
