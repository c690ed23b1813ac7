"""The shared resources every part of the bot is built from: settings, database, metrics, platform links."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient

from bot.background import Background
from bot.domain.settings import Settings
from bot.services.similarity import SimilarFeedback
from comms.audience import Directory, PlatformDirectory, SlackDirectory, TeamsDirectory
from comms.metrics import Metrics
from comms.releases import questions_created
from comms.teams_link import TeamsLink
from comms.trackers.filing import TrackerFiling
from comms.triage import TriagePosts
from comms.webhooks import WebhookEvents
from comms.workspaces import InstalledWorkspaces, OneWorkspace, SlackClients
from storage.db import Database, open_database
from storage.group_commit import chain_after_insert
from storage.installations import EncryptedInstallationStore
from storage.models import utcnow


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
    triage: TriagePosts = field(init=False)
    # Each workspace's open feedback as a text index, built on its first lookup and then kept in memory.
    similar: SimilarFeedback = field(init=False)
    # Set by the runtime in `feedbot serve`: look at the releases table now rather than at the next tick.
    nudge_scheduler: Callable[[], None] = field(default=lambda: None)
    # The time the background chores go by (ack reminders, live reports' pace): tests set it rather than wait.
    clock: Callable[[], datetime] = field(default=utcnow)

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
        self.similar = SimilarFeedback(self.db)
        group_commit = self.db.group_commit
        if self.trackers.enabled:
            # New bugs are queued for their issue tracker inside the group commit's transaction, after the webhook
            # event (comms/trackers/filing.py): a stored bug is always queued, a rolled-back one never.
            group_commit.after_insert = chain_after_insert(group_commit.after_insert, self.trackers.items_created)
        # Every new item is posted to its triage channel the same way (comms/triage.py); the product routes are in
        # the database, so the hook runs even before FEEDBOT_TRIAGE_CHANNEL is set.
        self.triage = TriagePosts(settings)
        group_commit.after_insert = chain_after_insert(group_commit.after_insert, self.triage.items_created)
        # A release's author hears of each question about it from the same transaction (comms/releases.py).
        group_commit.after_insert = chain_after_insert(group_commit.after_insert, questions_created)


def build_deps(settings: Settings) -> Deps:
    return Deps(settings=settings, db=open_database(settings.database_url))
