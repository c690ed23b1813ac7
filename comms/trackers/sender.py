"""The delivery worker's Sender for a tracker platform ("jira", "linear", "github"): one outbox row, one issue."""

from __future__ import annotations

from typing import Any

from bot.domain.settings import TRACKER_REQUIRED, Settings
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
            site, email, token, project = _required(settings, name)
            clients.append(JiraClient(site, email, token, project))
        elif name == "linear":
            token, team = _required(settings, name)
            clients.append(LinearClient(settings.linear_api_url, token, team))
        elif name == "github":
            token, repo = _required(settings, name)
            clients.append(GitHubClient(settings.github_api_url, token, repo))
    return {client.name: TrackerSender(client) for client in clients}


def _required(settings: Settings, tracker: str) -> list[str]:
    """The tracker's required settings, in TRACKER_REQUIRED order (the order its client takes them)."""
    values = [getattr(settings, name) for name in TRACKER_REQUIRED[tracker]]
    if not all(values):  # settings.trackers lists a tracker only once all are set
        raise ValueError(f"the {tracker} tracker is not configured: it needs {', '.join(TRACKER_REQUIRED[tracker])}")
    return values
