"""Which platform a recipient lives on, and the payload each platform gets: a stakeholder map or a pulse
audience may mix Slack and Teams."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.notes import Note
from bot.domain.platforms import TEAMS, platform_for
from comms.render.slack import note_message
from comms.render.teams import note_activity
from storage import outbox
from storage.outbox import OutboxMessage


def note_payload(platform: str, note: Note) -> str:
    """The outbox payload for one platform: Block Kit for Slack, an Adaptive Card activity for Teams."""
    message = note_activity(note) if platform == TEAMS else note_message(note)
    return json.dumps(message, ensure_ascii=False)


async def direct_message(
    session: AsyncSession,
    *,
    subject: str,
    team_id: str,
    user_id: str,
    note: Note,
    default_platform: str,
    release_id: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """One DM, at most once per subject and person, on the platform the person is on (admins and authors may be
    Slack or Teams people, whatever the platform of what the message is about); held until `not_before`."""
    platform = platform_for(user_id, default_platform)
    message = OutboxMessage(
        subject=subject,
        platform=platform,
        team_id=team_id,
        recipient_id=user_id,
        recipient_kind="user",
        payload=note_payload(platform, note),
        release_id=release_id,
        not_before=not_before,
    )
    return await outbox.enqueue(session, message)
