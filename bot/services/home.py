"""What App Home shows: a person's own recent submissions, and for admins the team's open work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.ids import bug_label, feedback_label
from bot.services.requester import Requester
from storage import bugs as bug_store
from storage import feedback as feedback_store

RECENT_LIMIT = 10


@dataclass(frozen=True)
class Submission:
    label: str
    kind: str  # "feedback" or "bug"
    summary: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class AdminOverview:
    feedback_by_status: dict[str, int]
    open_bugs_by_severity: dict[str, int]


@dataclass(frozen=True)
class HomeSummary:
    submissions: list[Submission]
    admin: AdminOverview | None


async def summary(session: AsyncSession, requester: Requester, limit: int = RECENT_LIMIT) -> HomeSummary:
    feedback_rows = await feedback_store.recent_by_user(
        session, requester.platform, requester.team_id, requester.user_id, limit
    )
    bug_rows = await bug_store.recent_by_reporter(
        session, requester.platform, requester.team_id, requester.user_id, limit
    )
    submissions = [
        Submission(feedback_label(row.id), "feedback", row.text, row.status, row.created_at) for row in feedback_rows
    ] + [Submission(bug_label(row.id), "bug", row.title, row.status, row.created_at) for row in bug_rows]
    submissions.sort(key=lambda item: item.created_at, reverse=True)
    admin = None
    if requester.is_admin:
        admin = AdminOverview(
            feedback_by_status=await feedback_store.count_by_status(session, requester.team_id),
            open_bugs_by_severity=await bug_store.open_by_severity(session, requester.team_id),
        )
    return HomeSummary(submissions[:limit], admin)
