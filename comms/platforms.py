"""Which platform a recipient lives on, and the payload each platform gets: a stakeholder map or a pulse
audience may mix Slack and Teams."""

from __future__ import annotations

import json

from bot.domain.notes import Note
from bot.domain.platforms import TEAMS
from comms.render.slack import note_message
from comms.render.teams import note_activity


def note_payload(platform: str, note: Note) -> str:
    """The outbox payload for one platform: Block Kit for Slack, an Adaptive Card activity for Teams."""
    message = note_activity(note) if platform == TEAMS else note_message(note)
    return json.dumps(message, ensure_ascii=False)
