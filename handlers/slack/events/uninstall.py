"""`app_uninstalled` and `tokens_revoked`: forget the workspace's tokens at once (OAuth distribution only)."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners

from handlers.slack.context import deps_of


async def app_uninstalled_callback(context: AsyncBoltContext) -> None:
    deps = deps_of(context)
    if deps.installations is None:
        return
    await AsyncTokenRevocationListeners(deps.installations).handle_app_uninstalled_events(context)
    deps.clients.forget()


async def tokens_revoked_callback(event: dict[str, Any], context: AsyncBoltContext) -> None:
    deps = deps_of(context)
    if deps.installations is None:
        return
    await AsyncTokenRevocationListeners(deps.installations).handle_tokens_revoked_events(event, context)
    deps.clients.forget()
