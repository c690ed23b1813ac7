"""Platform names and the one rule for telling a Teams id from a Slack id.

Bot Framework ids carry a prefix (29: people, 19: channels and group chats, a: one-to-one chats); Slack's never
do (U/W people, C/G channels, D direct messages). Every layer asks here rather than looking at prefixes itself."""

from __future__ import annotations

from typing import Literal

SLACK = "slack"
TEAMS = "teams"
Platform = Literal["slack", "teams"]

TEAMS_PREFIXES = ("29:", "19:", "a:")
_TEAMS_PERSON = "29:"
_TEAMS_CHANNEL = "19:"
_SLACK_PEOPLE = ("U", "W")
_SLACK_CHANNELS = ("C", "G")


def is_teams_id(target_id: str) -> bool:
    return target_id.startswith(TEAMS_PREFIXES)


def platform_for(target_id: str, default: str) -> str:
    """The platform a recipient lives on; a stakeholder map or a pulse audience may mix Slack and Teams."""
    return TEAMS if is_teams_id(target_id) else default


def is_person(target_id: str) -> bool:
    """A person (not a channel) on either platform."""
    return target_id.startswith(_TEAMS_PERSON) or target_id.startswith(_SLACK_PEOPLE)


def is_channel(target_id: str) -> bool:
    return target_id.startswith(_TEAMS_CHANNEL) or target_id.startswith(_SLACK_CHANNELS)


def recipient_kind(target_id: str) -> Literal["user", "channel"]:
    return "channel" if is_channel(target_id) else "user"
