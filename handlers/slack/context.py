"""What every Slack listener needs: our dependencies (put on Bolt's context) and who is asking."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext

from bot.app import Deps
from bot.services.requester import Requester

DEPS_KEY = "feedbot_deps"


def deps_of(context: AsyncBoltContext) -> Deps:
    deps: Deps = context[DEPS_KEY]
    return deps


def requester(deps: Deps, team_id: str | None, user_id: str | None) -> Requester:
    user = user_id or ""
    return Requester(platform="slack", team_id=team_id or "", user_id=user, is_admin=deps.settings.is_admin(user))


def requester_from_command(deps: Deps, command: Mapping[str, Any]) -> Requester:
    return requester(deps, command.get("team_id"), command.get("user_id"))


def requester_from_payload(deps: Deps, body: Mapping[str, Any]) -> Requester:
    """Interactivity payloads: team.id, falling back to the user's team on Enterprise Grid org-wide installs."""
    user = body.get("user") or {}
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    return requester(deps, team, user.get("id"))


def private_metadata(view: Mapping[str, Any]) -> dict[str, str]:
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    if not isinstance(metadata, dict):
        return {}
    return {str(key): str(value) for key, value in metadata.items() if isinstance(value, str)}
