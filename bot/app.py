"""Composition root: settings, database, metrics and background work wired into the Slack app and server."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from bot.config import Settings
from bot.metrics import Metrics
from comms.audience import Directory, PlatformDirectory, SlackDirectory, TeamsDirectory
from comms.teams_link import TeamsLink
from comms.trackers.filing import TrackerFiling
from comms.webhooks import WebhookEvents
from comms.workspaces import InstalledWorkspaces, OneWorkspace, SlackClients
from storage.db import Database, open_database
from storage.group_commit import chain_after_insert
from storage.installations import EncryptedInstallationStore, state_store

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


@dataclass
class Deps:
    settings: Settings
    db: Database
    metrics: Metrics = field(default_factory=Metrics)
    background: Background = field(init=False)
    slack: AsyncWebClient = field(init=False)
    clients: SlackClients = field(init=False)
    installations: EncryptedInstallationStore | None = field(init=False, default=None)
    directory: Directory = field(init=False)
    teams: TeamsLink = field(init=False)
    webhooks: WebhookEvents = field(init=False)
    trackers: TrackerFiling = field(init=False)
    # Set by the runtime in `feedbot serve`: look at the releases table now rather than at the next tick.
    nudge_scheduler: Callable[[], None] = field(default=lambda: None)

    def __post_init__(self) -> None:
        self.background = Background(on_failure=self.metrics.background_failures.inc)
        # Every Web API call goes to SLACK_API_URL. With one workspace this client holds its token; with OAuth
        # distribution it holds none and each workspace's token comes from the installation store.
        settings = self.settings
        token = None if settings.oauth_enabled else settings.slack_bot_token
        self.slack = AsyncWebClient(token=token, base_url=settings.slack_api_url)
        self.clients = OneWorkspace(self.slack)
        if settings.oauth_enabled and settings.slack_client_id and settings.secret_key:
            store = EncryptedInstallationStore(settings.slack_client_id, self.db.engine, settings.secret_keys)
            self.installations = store
            self.clients = InstalledWorkspaces(store, self.db, settings.slack_api_url)
        self.teams = TeamsLink(settings)
        self.directory = PlatformDirectory(SlackDirectory(self.clients), TeamsDirectory(self.teams, self.db))
        self.webhooks = WebhookEvents.from_settings(settings)
        if self.webhooks.enabled:
            # New feedback and bugs are announced from inside the group commit's transaction (comms/webhooks.py).
            self.db.group_commit.after_insert = self.webhooks.items_created
        self.trackers = TrackerFiling(settings)
        if self.trackers.enabled:
            # New bugs are queued for their issue tracker inside the group commit's transaction, after the webhook
            # event (comms/trackers/filing.py): a stored bug is always queued, a rolled-back one never.
            group_commit = self.db.group_commit
            group_commit.after_insert = chain_after_insert(group_commit.after_insert, self.trackers.items_created)


def build_deps(settings: Settings) -> Deps:
    return Deps(settings=settings, db=open_database(settings.database_url))


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
