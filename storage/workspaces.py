"""Which workspaces the database knows: what lets an operator command on a one-workspace install leave out --team."""

from __future__ import annotations

from sqlalchemy import select, union
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.console import LOCAL_PLATFORM
from bot.domain.platforms import SLACK
from storage.models import SLACK_INSTALLATIONS, Bug, Feedback, Pulse, Release, SlackWorkspace, Stakeholder


async def known(session: AsyncSession, platform: str) -> list[str]:
    """Every workspace of `platform` with an installation, a stakeholder, a release or a pulse, in one query.
    Feedback and bugs are left out: they can hold millions of rows, and these small tables are where the
    workspace an operator acts in shows up first (its stakeholder map)."""
    sources = [
        select(Stakeholder.team_id).where(Stakeholder.platform == platform),
        select(Release.team_id).where(Release.platform == platform),
        select(Pulse.team_id).where(Pulse.platform == platform),
    ]
    if platform == SLACK:
        sources += [select(SLACK_INSTALLATIONS.c.team_id), select(SlackWorkspace.team_id)]
    if platform == LOCAL_PLATFORM:
        # The shell's workspace may hold nothing but what was typed into it (and those rows are few).
        sources += [
            select(Feedback.team_id).where(Feedback.platform == platform),
            select(Bug.team_id).where(Bug.platform == platform),
        ]
    result = await session.execute(union(*sources))
    return sorted({team for team in result.scalars() if team})
