"""Recording admin actions: who (the requester), what, on which item. Called inside the action's own
transaction, so the action and its audit entry commit together or not at all."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.requester import Requester
from storage import audit as audit_store

SYSTEM = "system"  # the actor of what feedbot does by itself (a pulse closing on time, retention)


async def record(
    session: AsyncSession, requester: Requester, action: str, subject: str, detail: str | None = None
) -> None:
    await audit_store.record(
        session,
        platform=requester.platform,
        team_id=requester.team_id,
        actor=requester.user_id,
        action=action,
        subject=subject,
        detail=detail,
    )
