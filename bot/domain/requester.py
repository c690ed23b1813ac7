"""Who is asking, on which platform and workspace: what every service needs to scope its work."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Requester:
    platform: str  # "slack", "teams" or "local"
    team_id: str  # Slack team id, Teams tenant id, "local" for the shell
    user_id: str
    is_admin: bool = False
    # Other ids the same person goes by, for the people directory: a Teams person's Entra object id.
    aliases: tuple[str, ...] = ()
