"""Feedback over HTTP (POST /api/feedback): find the workspace and the person, then the same intake as Slack.

The handler (handlers/api/feedback.py) only translates HTTP; the rules live here and in bot/services/feedback.py,
so a text the /feedback command refuses is refused here too, with the same words. Every refusal is an
`ApiRefusal` naming the request field to fix. Neither the text nor the person is ever logged.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from bot.deps import Deps
from bot.desks.intake import IntakeDesk
from bot.domain.requester import Requester
from bot.services.feedback import FeedbackDraft
from comms.slack_people import LookupFailed, NoSuchPerson, NoToken, SlackPeople

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,63}$")
SLACK_TEAM_ID = re.compile(r"^T[A-Z0-9]{2,63}$")
# RFC 5321's limits: a path of at most 254 characters, a local part of at most 64.
MAX_EMAIL = 254
MAX_EMAIL_LOCAL = 64
MAX_IDEMPOTENCY_KEY = 255


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
    """One per server, so the bot's own workspace is looked up once."""

    def __init__(self, deps: Deps, intake: IntakeDesk) -> None:
        self._deps = deps
        self._intake = intake
        self._people = SlackPeople(deps.clients, deps.slack, deps.settings.slack_bot_token is not None)

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
        team, token_of = await self._workspace(request.team)
        user_id = await self._person(request.user, token_of)
        draft = FeedbackDraft(text=request.text, product=request.product, category=request.category)
        outcome = await self._intake.feedback(Requester("slack", team, user_id), draft, _source_key(request))
        if outcome.errors:
            field, message = next(iter(outcome.errors.items()))
            raise ApiRefusal(400, message, field)
        if outcome.reply.item_id is None:
            raise ApiRefusal(503, "the database is not answering: nothing was stored, please try again shortly")
        return ApiStored(outcome.reply.item_id, outcome.created)

    async def _workspace(self, team: str | None) -> tuple[str, str | None]:
        """The workspace the feedback belongs to, and the workspace whose token looks people up (None: the single
        workspace's own SLACK_BOT_TOKEN)."""
        if team is not None and not SLACK_TEAM_ID.match(team):
            raise ApiRefusal(400, "team must be a Slack workspace id such as T0123ABCD", "team")
        if self._deps.settings.oauth_enabled:
            if team is None:
                raise ApiRefusal(400, "team is required: this feedbot serves several workspaces", "team")
            if not await self._people.installed(team):
                raise ApiRefusal(400, f"feedbot is not installed in workspace {team}", "team")
            return team, team
        try:
            own = await self._people.own_team()
        except NoToken as failure:
            raise ApiRefusal(503, f"{failure}: pass team", "team") from None
        except LookupFailed as failure:
            raise ApiRefusal(503, str(failure)) from None
        if team is not None and team != own:
            raise ApiRefusal(400, f"this feedbot serves workspace {own} only", "team")
        return own, None

    async def _person(self, user: str, token_of: str | None) -> str:
        if SLACK_USER_ID.match(user):
            return user
        if not looks_like_email(user):
            raise ApiRefusal(400, "user must be a Slack user id (U… or W…) or an email address", "user")
        try:
            return await self._people.by_email(token_of, user)
        except NoSuchPerson:
            raise ApiRefusal(400, "no one in this workspace has that email address", "user") from None
        except LookupFailed as failure:
            raise ApiRefusal(503, str(failure)) from None


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
