"""Composition root: settings, database, metrics and background work wired into the Slack app and server."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from bot.config import Settings
from bot.metrics import Metrics
from comms.audience import Directory, SlackDirectory
from storage.db import Database, open_database


@dataclass
class Deps:
    settings: Settings
    db: Database
    metrics: Metrics = field(default_factory=Metrics)
    background: Background = field(init=False)
    slack: AsyncWebClient = field(init=False)
    directory: Directory = field(init=False)
    # Set by the runtime in `feedbot serve`: look at the releases table now rather than at the next tick.
    nudge_scheduler: Callable[[], None] = field(default=lambda: None)

    def __post_init__(self) -> None:
        self.background = Background(on_failure=self.metrics.background_failures.inc)
        # One client for listeners and the delivery worker; every call goes to SLACK_API_URL.
        self.slack = AsyncWebClient(token=self.settings.slack_bot_token, base_url=self.settings.slack_api_url)
        self.directory = SlackDirectory(self.settings.slack_bot_token, self.settings.slack_api_url)


def build_deps(settings: Settings) -> Deps:
    return Deps(settings=settings, db=open_database(settings.database_url))


def build_slack_app(deps: Deps) -> AsyncApp:
    # Imported here so bot/ stays importable (shell, CLI) without pulling the Slack listeners in.
    from handlers.slack import register

    app = AsyncApp(
        name="feedbot",
        client=deps.slack,
        signing_secret=deps.settings.slack_signing_secret,
        logger=logging.getLogger("feedbot.slack"),
    )
    register(app, deps)
    return app
