"""Platform names and the one rule for telling a Teams id from a Slack id.

Bot Framework ids carry a prefix (29: people, 19: channels and group chats, a: one-to-one chats); Slack's never
do (U/W people, C/G channels, D direct messages). Every layer asks here rather than looking at prefixes itself."""

from __future__ import annotations

import re
from typing import Literal

SLACK = "slack"
TEAMS = "teams"

TEAMS_PREFIXES = ("29:", "19:", "a:")
_TEAMS_PERSON = "29:"
_TEAMS_CHANNEL = "19:"
_SLACK_PEOPLE = ("U", "W")
_SLACK_CHANNELS = ("C", "G")
# Whole ids as a person may type them: what `id_kind` accepts.
_ID_SHAPES: tuple[tuple[re.Pattern[str], Literal["user", "channel"]], ...] = (
    (re.compile(r"^[UW][A-Z0-9]{2,}$"), "user"),
    (re.compile(r"^29:[\w\-.:]+$"), "user"),
    (re.compile(r"^[CG][A-Z0-9]{2,}$"), "channel"),
    (re.compile(r"^19:[\w\-.@:]+$"), "channel"),
)


def is_teams_id(target_id: str) -> bool:
    return target_id.startswith(TEAMS_PREFIXES)


def platform_for(target_id: str, default: str) -> str:
    """The platform a recipient lives on; a stakeholder map or a pulse audience may mix Slack and Teams."""
    return TEAMS if is_teams_id(target_id) else default


def is_teams_person_id(target_id: str) -> bool:
    return target_id.startswith(_TEAMS_PERSON)


def is_person(target_id: str) -> bool:
    """A person (not a channel) on either platform."""
    return target_id.startswith(_TEAMS_PERSON) or target_id.startswith(_SLACK_PEOPLE)


def is_channel(target_id: str) -> bool:
    return target_id.startswith(_TEAMS_CHANNEL) or target_id.startswith(_SLACK_CHANNELS)


def recipient_kind(target_id: str) -> Literal["user", "channel"]:
    return "channel" if is_channel(target_id) else "user"


def id_kind(text: str) -> Literal["user", "channel"] | None:
    """ "user" or "channel" when `text` is a whole Slack or Teams id of that kind, else None."""
    for shape, kind in _ID_SHAPES:
        if shape.match(text):
            return kind
    return None
