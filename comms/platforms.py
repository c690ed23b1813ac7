"""Which platform a recipient lives on, and the payload each platform gets: a stakeholder map or a pulse
audience may mix Slack and Teams."""

from __future__ import annotations

import json

from comms.notes import Note
from comms.render.slack import note_message
from comms.render.teams import note_activity
from storage.teams import TEAMS, TEAMS_PREFIXES


def is_teams_id(target_id: str) -> bool:
    return target_id.startswith(TEAMS_PREFIXES)


def platform_for(target_id: str, default: str) -> str:
    return TEAMS if is_teams_id(target_id) else default


def note_payload(platform: str, note: Note) -> str:
    """The outbox payload for one platform: Block Kit for Slack, an Adaptive Card activity for Teams."""
    message = note_activity(note) if platform == TEAMS else note_message(note)
    return json.dumps(message, ensure_ascii=False)
