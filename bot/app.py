"""Composition root: the one place that wires the platform handlers to the use cases."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from bot.deps import Deps
from storage.installations import state_store

# What an install asks for: manifest.yml's bot scopes (a test keeps the two equal).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "users:read",
    "users:read.email",  # POST /api/feedback finds a person by email (users.lookupByEmail)
    "channels:read",
    "groups:read",
    "files:write",
)


def build_slack_app(deps: Deps) -> AsyncApp:
    # Imported here so bot/ stays importable (shell, CLI) without pulling the Slack listeners in.
    from handlers.slack import register

    app = AsyncApp(
        **_distribution(deps),
        name="feedbot",
        client=deps.slack,
        signing_secret=deps.settings.slack_signing_secret,
        logger=logging.getLogger("feedbot.slack"),
        # Our listeners ack last (once the answer is ready or the ack budget is spent) and hand any later work
        # to deps.background, so Bolt can simply await each listener. Otherwise it runs the listener aside and
        # polls for its ack() every 10 ms: those wake-ups were a large share of the CPU under load.
        process_before_response=True,
        # handlers/slack/guard.py has checked the signature before bot/server.py hands a request to Bolt (and
        # Socket Mode needs none): verifying it again here only repeats the HMAC.
        request_verification_enabled=False,
    )
    register(app, deps)
    return app


def _distribution(deps: Deps) -> dict[str, Any]:
    """AsyncApp options for OAuth distribution: /slack/install, /slack/oauth_redirect, per-workspace tokens."""
    settings = deps.settings
    if deps.installations is None:
        return {}
    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=deps.installations,
        installation_store_bot_only=True,
        state_store=state_store(deps.db.engine),
        logger=logging.getLogger("feedbot.oauth"),
    )
    # The flow's own client, so oauth.v2.access goes to SLACK_API_URL too.
    return {"oauth_flow": AsyncOAuthFlow(client=deps.slack, settings=oauth)}
