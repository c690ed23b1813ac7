"""Looking up Slack workspaces and people over the Web API: the bot's own workspace (auth.test) and a person by
email (users.lookupByEmail), with Slack's answers turned into errors a caller can act on."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from comms.workspaces import SlackClients

log = logging.getLogger("feedbot.slack_people")

# Slack answers these when it cannot look someone up right now: the caller should retry, not fix the request.
SLACK_UNAVAILABLE = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


class NoSuchPerson(Exception):
    """Nobody in the workspace has that email address."""


class LookupFailed(Exception):
    """Slack could not answer (unreachable, busy, or refusing for a reason the operator must fix)."""


class NoToken(LookupFailed):
    """No SLACK_BOT_TOKEN is set, so there is no own workspace to ask about."""


async def team_of(client: AsyncWebClient) -> str:
    """The workspace whose token `client` holds (auth.test)."""
    try:
        response = await client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error")
        log.warning("auth.test for the bot's workspace was refused: %s", code)
        raise LookupFailed(f"Slack refused the bot token ({code})") from None
    except Exception as error:  # Slack unreachable
        log.warning("auth.test for the bot's workspace failed: %s", type(error).__name__)
        raise LookupFailed("could not reach Slack to look up the workspace; please try again") from None
    return str(response["team_id"])


class SlackPeople:
    """One per process: it caches the workspace of SLACK_BOT_TOKEN after the first auth.test."""

    def __init__(self, clients: SlackClients, own: AsyncWebClient, has_own_token: bool) -> None:
        self._clients = clients
        self._own = own
        self._has_own_token = has_own_token
        self._own_team: str | None = None

    async def installed(self, team_id: str) -> bool:
        """Whether feedbot holds a bot token for the workspace."""
        return await self._clients.for_team(team_id) is not None

    async def own_team(self) -> str:
        if self._own_team is None:
            if not self._has_own_token:
                raise NoToken("no SLACK_BOT_TOKEN is set, so the workspace is unknown")
            self._own_team = await team_of(self._own)
        return self._own_team

    async def by_email(self, team_id: str | None, email: str) -> str:
        """The user id of whoever has `email`, asked with `team_id`'s token (None: SLACK_BOT_TOKEN's workspace)."""
        client = self._own if team_id is None else await self._clients.for_team(team_id)
        if client is None:
            raise LookupFailed(f"feedbot is not installed in workspace {team_id}")
        try:
            response = await client.users_lookupByEmail(email=email)
        except SlackApiError as error:
            code = str(error.response.get("error") or f"http_{error.response.status_code}")
            if code == "users_not_found":
                raise NoSuchPerson() from None
            if code in SLACK_UNAVAILABLE or error.response.status_code >= 500:
                raise LookupFailed("could not reach Slack to look the user up; please try again") from None
            # missing_scope (an install from before users:read.email), invalid_auth, …: the operator must act.
            log.warning("users.lookupByEmail refused: %s", code)
            raise LookupFailed(f"Slack refused the email lookup ({code}); pass a Slack user id instead") from None
        except Exception as error:
            log.warning("users.lookupByEmail failed: %s", type(error).__name__)
            raise LookupFailed("could not reach Slack to look the user up; please try again") from None
        found = response.get("user")
        user_id = found.get("id") if isinstance(found, dict) else None
        if not isinstance(user_id, str):
            raise LookupFailed("Slack answered the email lookup without a user id; please try again")
        return user_id
