"""Weekly aggregates for the digest's trend: feedback per week and eNPS answers per week, one GROUP BY each.

Weeks are given as boundaries (n + 1 instants for n weeks, oldest first), so the caller decides what a week is
(in the team's time zone) and the database only sorts rows into them. Every query is bounded by the first and
last boundary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Case, ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from storage.models import Feedback, Pulse, PulseResponse


def _week_index(moment: QueryableAttribute[Any], boundaries: Sequence[datetime]) -> Case[int]:
    """0 for a moment in the first week, 1 for the second, …; only meaningful inside the boundaries."""
    return case(*((moment < end, index) for index, end in enumerate(boundaries[1:])), else_=len(boundaries) - 1)


def _between(moment: QueryableAttribute[Any], boundaries: Sequence[datetime]) -> ColumnElement[bool]:
    return and_(moment >= boundaries[0], moment < boundaries[-1])


async def feedback_per_week(session: AsyncSession, team_id: str, boundaries: Sequence[datetime]) -> list[int]:
    """How much feedback arrived in each week (0 for a quiet week)."""
    week = _week_index(Feedback.created_at, boundaries).label("week")
    result = await session.execute(
        select(week, func.count())
        .where(Feedback.team_id == team_id, _between(Feedback.created_at, boundaries))
        .group_by(week)
    )
    counts = [0] * (len(boundaries) - 1)
    for index, count in result.all():
        counts[index] = count
    return counts


async def enps_tallies_per_week(
    session: AsyncSession, team_id: str, boundaries: Sequence[datetime], threshold: int
) -> dict[int, dict[int, int]]:
    """Score counts per week of the closed pulses that passed the anonymity threshold, by the week each closed in.

    A week with no such pulse has no entry: it is a gap, never a zero. Two pulses closed in one week are counted
    together; each of them passed the threshold on its own."""
    passing = (
        select(PulseResponse.pulse_id)
        .join(Pulse, Pulse.id == PulseResponse.pulse_id)
        .where(Pulse.team_id == team_id, Pulse.status == "closed", _between(Pulse.closed_at, boundaries))
        .group_by(PulseResponse.pulse_id)
        .having(func.count() >= threshold)
    )
    week = _week_index(Pulse.closed_at, boundaries).label("week")
    result = await session.execute(
        select(week, PulseResponse.score, func.count())
        .join(Pulse, Pulse.id == PulseResponse.pulse_id)
        .where(PulseResponse.pulse_id.in_(passing))
        .group_by(week, PulseResponse.score)
    )
    tallies: dict[int, dict[int, int]] = {}
    for index, score, count in result.all():
        tallies.setdefault(index, {})[score] = count
    return tallies


async def feedback_before(session: AsyncSession, team_id: str, moment: datetime) -> bool:
    """Whether any feedback arrived before `moment`: one probe of the (team, created_at) index."""
    first = await session.scalar(
        select(Feedback.id).where(Feedback.team_id == team_id, Feedback.created_at < moment).limit(1)
    )
    return first is not None
