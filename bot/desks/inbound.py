"""Bookkeeping of inbound platform traffic: which Slack events were handled already (so a retry runs nothing
twice, across replicas) and which Enterprise Grid organisation a workspace belongs to."""

from __future__ import annotations

from bot.deps import Deps
from storage import installations, slack_events
from storage.models import utcnow

MAX_EVENT_ID = slack_events.MAX_EVENT_ID


class InboundDesk:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def first_sighting(self, event_id: str, team_id: str | None) -> bool:
        """Note the event as handled; True only for the first delivery of it, on whichever replica."""
        async with self._deps.db.sessions.begin() as session:
            return await slack_events.first_sighting(session, event_id, team_id, utcnow())

    async def forget(self, event_id: str) -> None:
        """The event's listener failed: Slack's retry of it should run."""
        async with self._deps.db.sessions.begin() as session:
            await slack_events.forget(session, event_id)

    async def remember_organisation(self, team_id: str, enterprise_id: str) -> None:
        async with self._deps.db.sessions.begin() as session:
            await installations.remember_enterprise(session, team_id, enterprise_id)
