"""Feedback over HTTP (POST /api/feedback): find the workspace and the person, then the same intake as Slack.

The handler (handlers/api/feedback.py) only translates HTTP; the rules live here and in bot/services/feedback.py,
so a text the /feedback command refuses is refused here too, with the same words. Every refusal is an
`ApiRefusal` naming the request field to fix. Neither the text nor the person is ever logged.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.deps import Deps
from bot.desks.intake import IntakeDesk
from bot.domain.requester import Requester
from bot.services.feedback import FeedbackDraft

log = logging.getLogger("feedbot.api")

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,63}$")
SLACK_TEAM_ID = re.compile(r"^T[A-Z0-9]{2,63}$")
# RFC 5321's limits: a path of at most 254 characters, a local part of at most 64.
MAX_EMAIL = 254
MAX_EMAIL_LOCAL = 64
MAX_IDEMPOTENCY_KEY = 255
# Slack answers these when it cannot look someone up right now: the caller should retry, not fix the request.
SLACK_UNAVAILABLE = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


class ApiRefusal(Exception):
    """Nothing was stored; `field` names the part of the request to fix (None: not the caller's fault)."""

    def __init__(self, status: int, error: str, field: str | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.field = field


@dataclass(frozen=True)
class ApiFeedback:
    text: str
    user: str  # a Slack user id (U…/W…) or an email address
    category: str | None = None
    product: str | None = None
    team: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class ApiStored:
    id: str  # FB-12
    created: bool  # False: a repeat of an earlier request with the same Idempotency-Key


class FeedbackApiDesk:
    """One per server: it caches the workspace of SLACK_BOT_TOKEN after the first auth.test."""

    def __init__(self, deps: Deps, intake: IntakeDesk) -> None:
        self._deps = deps
        self._intake = intake
        self._bot_team: str | None = None

    @property
    def enabled(self) -> bool:
        return self._deps.settings.api_token is not None

    @property
    def token(self) -> str | None:
        """The bearer token callers must present (FEEDBOT_API_TOKEN)."""
        return self._deps.settings.api_token

    async def submit(self, request: ApiFeedback) -> ApiStored:
        if request.idempotency_key is not None and not 0 < len(request.idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            raise ApiRefusal(400, f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters", "Idempotency-Key")
        team, client = await self._workspace(request.team)
        user_id = await self._person(request.user, client)
        draft = FeedbackDraft(text=request.text, product=request.product, category=request.category)
        outcome = await self._intake.feedback(Requester("slack", team, user_id), draft, _source_key(request))
        if outcome.errors:
            field, message = next(iter(outcome.errors.items()))
            raise ApiRefusal(400, message, field)
        if outcome.reply.item_id is None:
            raise ApiRefusal(503, "the database is not answering: nothing was stored, please try again shortly")
        return ApiStored(outcome.reply.item_id, outcome.created)

    async def _workspace(self, team: str | None) -> tuple[str, AsyncWebClient | None]:
        """The workspace the feedback belongs to, and a client holding its bot token."""
        if team is not None and not SLACK_TEAM_ID.match(team):
            raise ApiRefusal(400, "team must be a Slack workspace id such as T0123ABCD", "team")
        if self._deps.settings.oauth_enabled:
            if team is None:
                raise ApiRefusal(400, "team is required: this feedbot serves several workspaces", "team")
            client = await self._deps.clients.for_team(team)
            if client is None:
                raise ApiRefusal(400, f"feedbot is not installed in workspace {team}", "team")
            return team, client
        own = await self._own_team()
        if team is not None and team != own:
            raise ApiRefusal(400, f"this feedbot serves workspace {own} only", "team")
        return own, self._deps.slack

    async def _own_team(self) -> str:
        if self._bot_team is None:
            if self._deps.settings.slack_bot_token is None:
                raise ApiRefusal(503, "no SLACK_BOT_TOKEN is set, so the workspace is unknown: pass team", "team")
            try:
                response = await self._deps.slack.auth_test()
            except Exception as error:  # Slack unreachable or refusing: not the caller's fault, and not stored
                log.warning("auth.test for the API's workspace failed: %s", type(error).__name__)
                raise ApiRefusal(503, "could not reach Slack to look up the workspace; please try again") from None
            self._bot_team = str(response["team_id"])
        return self._bot_team

    async def _person(self, user: str, client: AsyncWebClient | None) -> str:
        if SLACK_USER_ID.match(user):
            return user
        if not looks_like_email(user):
            raise ApiRefusal(400, "user must be a Slack user id (U… or W…) or an email address", "user")
        if client is None:
            raise ApiRefusal(503, "no Slack token to look the email address up with; pass a Slack user id", "user")
        try:
            response = await client.users_lookupByEmail(email=user)
        except SlackApiError as error:
            code = str(error.response.get("error") or f"http_{error.response.status_code}")
            if code == "users_not_found":
                raise ApiRefusal(400, "no one in this workspace has that email address", "user") from None
            if code in SLACK_UNAVAILABLE or error.response.status_code >= 500:
                raise ApiRefusal(503, "could not reach Slack to look the user up; please try again") from None
            # missing_scope (an install from before users:read.email), invalid_auth, …: the operator must act.
            log.warning("users.lookupByEmail refused: %s", code)
            raise ApiRefusal(503, f"Slack refused the email lookup ({code}); pass a Slack user id instead") from None
        except Exception as error:
            log.warning("users.lookupByEmail failed: %s", type(error).__name__)
            raise ApiRefusal(503, "could not reach Slack to look the user up; please try again") from None
        found = response.get("user")
        user_id = found.get("id") if isinstance(found, dict) else None
        if not isinstance(user_id, str):
            raise ApiRefusal(503, "Slack answered the email lookup without a user id; please try again")
        return user_id


def looks_like_email(text: str) -> bool:
    """local@domain.tld: one "@", no white space, 1 to 64 characters before it, and a dot in the domain with
    something on either side; 254 characters at most. One pass over the characters, so no input makes it slow
    (the regex it replaces backtracked quadratically: 16,000 dots took 1.8 s with the event loop blocked)."""
    if len(text) > MAX_EMAIL:
        return False
    at = -1
    inner_dot = -1  # the domain's first dot that is not its first character
    for index, char in enumerate(text):
        if char.isspace():
            return False
        if char == "@":
            if at != -1:
                return False
            at = index
        elif char == "." and at != -1 and inner_dot == -1 and index > at + 1:
            inner_dot = index
    # Any later dot is further right, so when the first inner one ends the text no dot has a character after it.
    return 1 <= at <= MAX_EMAIL_LOCAL and inner_dot != -1 and inner_dot < len(text) - 1


def _source_key(request: ApiFeedback) -> str:
    """What makes two requests one submission: the caller's Idempotency-Key (hashed: any length, any characters,
    one fixed size in the table), else nothing, and every request stores a row."""
    if request.idempotency_key is None:
        return f"api:{uuid.uuid4().hex}"
    return "api:key:" + hashlib.sha256(request.idempotency_key.encode()).hexdigest()
