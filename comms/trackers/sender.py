"""The delivery worker's Sender for a tracker platform ("jira", "linear", "github"): one outbox row, one issue."""

from __future__ import annotations

from typing import Any

from bot.domain.settings import Settings
from comms.senders import Permanent, PostOnlySender, SendResult, Sent
from comms.trackers import Created, Issue, TrackerClient
from comms.trackers.github import GitHubClient
from comms.trackers.jira import JiraClient
from comms.trackers.linear import LinearClient


class TrackerSender(PostOnlySender):
    # Slack's one-post-per-channel-per-second pace means nothing to a tracker (each row is its own "recipient").
    paces_recipients = False

    def __init__(self, client: TrackerClient) -> None:
        self.client = client

    async def send(self, team_id: str, recipient_id: str, message: dict[str, Any]) -> SendResult:
        try:
            issue = Issue.from_payload(message)
        except (KeyError, TypeError, ValueError):
            return Permanent("malformed issue payload")
        result = await self.client.create(issue)
        if isinstance(result, Created):
            # The key as the "channel" (kept on the outbox row), the issue's page as the link.
            return Sent(result.key, None, link=result.url)
        return result

    async def close(self) -> None:
        await self.client.close()


def tracker_senders(settings: Settings) -> dict[str, TrackerSender]:
    """One sender per configured tracker, keyed by its platform name."""
    clients: list[TrackerClient] = []
    for name in settings.trackers:
        if name == "jira":
            assert settings.jira_url and settings.jira_email and settings.jira_token and settings.jira_project
            clients.append(
                JiraClient(settings.jira_url, settings.jira_email, settings.jira_token, settings.jira_project)
            )
        elif name == "linear":
            assert settings.linear_token and settings.linear_team
            clients.append(LinearClient(settings.linear_api_url, settings.linear_token, settings.linear_team))
        elif name == "github":
            assert settings.github_token and settings.github_repo
            clients.append(GitHubClient(settings.github_api_url, settings.github_token, settings.github_repo))
    return {client.name: TrackerSender(client) for client in clients}
