"""The aggregates a digest is made of. Every number is counted by the database over indexed columns."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Bug, Delivery, Feedback, FeedbackVote, Pulse, PulseResponse, Release, Stakeholder


def _in(model: type[Feedback] | type[Bug], team_id: str, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(model.team_id == team_id, model.created_at >= start, model.created_at < end)


async def feedback_count(session: AsyncSession, team_id: str, start: datetime, end: datetime) -> int:
    return int(
        await session.scalar(select(func.count()).select_from(Feedback).where(_in(Feedback, team_id, start, end))) or 0
    )


async def feedback_by_category(session: AsyncSession, team_id: str, start: datetime, end: datetime) -> dict[str, int]:
    """Categorised feedback only: "uncategorised" says nothing about what people want (`/feedback <text>` sets none)."""
    result = await session.execute(
        select(Feedback.category, func.count())
        .where(_in(Feedback, team_id, start, end), Feedback.category.is_not(None))
        .group_by(Feedback.category)
    )
    return {name: count for name, count in result.all() if name is not None}


async def most_voted_feedback(
    session: AsyncSession, team_id: str, start: datetime, end: datetime
) -> tuple[Feedback, int] | None:
    """The period's feedback with the most votes (the oldest first among equals), and its vote count."""
    votes = func.count(FeedbackVote.id).label("votes")
    result = await session.execute(
        select(Feedback, votes)
        .outerjoin(FeedbackVote, FeedbackVote.feedback_id == Feedback.id)
        .where(_in(Feedback, team_id, start, end), Feedback.duplicate_of_id.is_(None))
        .group_by(Feedback.id)
        .order_by(votes.desc(), Feedback.created_at, Feedback.id)
        .limit(1)
    )
    row = result.first()
    return (row[0], int(row[1])) if row is not None else None


async def open_blockers(session: AsyncSession, team_id: str, limit: int) -> list[Bug]:
    """The oldest open blockers first: the ones someone should have picked up by now."""
    result = await session.execute(
        select(Bug)
        .where(Bug.team_id == team_id, Bug.status == "open", Bug.severity == "blocker")
        .order_by(Bug.created_at, Bug.id)
        .limit(limit)
    )
    return list(result.scalars())


async def top_products(
    session: AsyncSession, team_id: str, start: datetime, end: datetime, limit: int
) -> list[tuple[str, int]]:
    count = func.count().label("n")
    result = await session.execute(
        select(Feedback.product, count)
        .where(_in(Feedback, team_id, start, end), Feedback.product.is_not(None))
        .group_by(Feedback.product)
        .order_by(count.desc(), Feedback.product)
        .limit(limit)
    )
    return [(product, n) for product, n in result.all() if product is not None]


async def releases_sent(session: AsyncSession, team_id: str, start: datetime, end: datetime) -> list[Release]:
    result = await session.execute(
        select(Release)
        .where(
            Release.team_id == team_id,
            Release.status == "sent",
            Release.finished_at >= start,
            Release.finished_at < end,
        )
        .order_by(Release.finished_at)
    )
    return list(result.scalars())


async def copy_links(session: AsyncSession, release_ids: list[int], reader: str) -> dict[int, str]:
    """For each release, the link to `reader`'s own copy where one is known, else to one of its channel posts."""
    if not release_ids:
        return {}
    result = await session.execute(
        select(Delivery.release_id, Delivery.recipient_id, Delivery.permalink)
        .where(Delivery.release_id.in_(release_ids), Delivery.status == "sent", Delivery.permalink.is_not(None))
        .where((Delivery.recipient_id == reader) | (Delivery.recipient_kind == "channel"))
        .order_by(Delivery.id)
    )
    links: dict[int, str] = {}
    for release_id, recipient, link in result.all():
        if release_id is not None and link and (recipient == reader or release_id not in links):
            links[release_id] = link
    return links


async def releases_scheduled(session: AsyncSession, team_id: str, limit: int) -> list[Release]:
    result = await session.execute(
        select(Release)
        .where(Release.team_id == team_id, Release.status.in_(("scheduled", "awaiting_approval")))
        .order_by(Release.send_at)
        .limit(limit)
    )
    return list(result.scalars())


async def shipped_feedback(
    session: AsyncSession, team_id: str, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """(received, shipped) for feedback that shipped in the period: the loop closed."""
    result = await session.execute(
        select(Feedback.created_at, Feedback.shipped_at).where(
            Feedback.team_id == team_id, Feedback.shipped_at >= start, Feedback.shipped_at < end
        )
    )
    return [(received, shipped) for received, shipped in result.all() if shipped is not None]


async def active_people(session: AsyncSession, team_id: str, start: datetime, end: datetime) -> int:
    people = union(
        select(Feedback.user_id.label("person")).where(
            _in(Feedback, team_id, start, end), Feedback.user_id.is_not(None)
        ),
        select(Bug.reporter_id.label("person")).where(_in(Bug, team_id, start, end), Bug.reporter_id.is_not(None)),
    ).subquery()
    return int(await session.scalar(select(func.count()).select_from(people)) or 0)


async def recent_closed_pulses(session: AsyncSession, team_id: str, before: datetime, limit: int) -> list[Pulse]:
    """Closed pulses only: a running pulse's figures would change under the reader's eyes, and two digests a
    day apart would show what the answers in between were."""
    result = await session.execute(
        select(Pulse)
        .where(Pulse.team_id == team_id, Pulse.status == "closed", Pulse.created_at < before)
        .order_by(Pulse.id.desc())
        .limit(limit)
    )
    return list(reversed(result.scalars().all()))


async def closed_pulses_between(session: AsyncSession, team_id: str, start: datetime, end: datetime) -> list[Pulse]:
    """Closed pulses that opened and closed within [start, end): what a release's before → after can compare."""
    result = await session.execute(
        select(Pulse)
        .where(
            Pulse.team_id == team_id,
            Pulse.status == "closed",
            Pulse.created_at >= start,
            Pulse.closed_at.is_not(None),
            Pulse.closed_at < end,
        )
        .order_by(Pulse.created_at, Pulse.id)
    )
    return list(result.scalars())


async def latest_open_pulse(session: AsyncSession, team_id: str, before: datetime) -> Pulse | None:
    result = await session.execute(
        select(Pulse)
        .where(Pulse.team_id == team_id, Pulse.status == "open", Pulse.created_at < before)
        .order_by(Pulse.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def tallies(session: AsyncSession, pulse_ids: list[int]) -> dict[int, dict[int, int]]:
    """Score counts per pulse, in one GROUP BY."""
    if not pulse_ids:
        return {}
    result = await session.execute(
        select(PulseResponse.pulse_id, PulseResponse.score, func.count())
        .where(PulseResponse.pulse_id.in_(pulse_ids))
        .group_by(PulseResponse.pulse_id, PulseResponse.score)
    )
    counts: dict[int, dict[int, int]] = {pulse_id: {} for pulse_id in pulse_ids}
    for pulse_id, score, count in result.all():
        counts[pulse_id][score] = count
    return counts


async def targets(session: AsyncSession, platform: str, team_id: str, tier: str, kind: str | None) -> list[str]:
    query = select(Stakeholder.target_id).where(
        Stakeholder.platform == platform, Stakeholder.team_id == team_id, Stakeholder.tier == tier
    )
    if kind is not None:
        query = query.where(Stakeholder.target_kind == kind)
    return list((await session.execute(query.order_by(Stakeholder.target_id))).scalars())


async def teams_with_lions(session: AsyncSession, platform: str) -> list[str]:
    result = await session.execute(
        select(Stakeholder.team_id)
        .where(Stakeholder.platform == platform, Stakeholder.tier == "lion", Stakeholder.target_kind == "user")
        .distinct()
    )
    return list(result.scalars())
