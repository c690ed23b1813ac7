"""Pulse queries. Responses are aggregated in SQL; no function here ever sees a user id next to a score."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func, insert, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.enps import SCORES
from storage import state
from storage.models import Pulse, PulseResponse, PulseSchedule
from storage.upsert import upsert


async def add(session: AsyncSession, values: dict[str, Any]) -> Pulse:
    pulse = Pulse(**values)
    session.add(pulse)
    await session.flush()
    return pulse


async def get(session: AsyncSession, pulse_id: int, team_id: str | None = None) -> Pulse | None:
    pulse = await session.get(Pulse, pulse_id, populate_existing=True)
    if pulse is None or (team_id is not None and pulse.team_id != team_id):
        return None
    return pulse


async def reload(session: AsyncSession, pulse_id: int) -> Pulse:
    """A pulse this transaction just read or changed, as it is now; NoResultFound if it is gone."""
    return await session.get_one(Pulse, pulse_id, populate_existing=True)


async def latest(session: AsyncSession, platform: str, team_id: str, statuses: tuple[str, ...]) -> Pulse | None:
    result = await session.execute(
        select(Pulse)
        .where(Pulse.platform == platform, Pulse.team_id == team_id, Pulse.status.in_(statuses))
        .order_by(Pulse.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def previous(session: AsyncSession, pulse: Pulse) -> Pulse | None:
    result = await session.execute(
        select(Pulse)
        .where(Pulse.platform == pulse.platform, Pulse.team_id == pulse.team_id, Pulse.id < pulse.id)
        .where(Pulse.status == "closed")
        .order_by(Pulse.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def transition(session: AsyncSession, pulse_id: int, from_statuses: tuple[str, ...], **values: Any) -> bool:
    return await state.transition(session, Pulse, pulse_id, from_statuses, **values)


async def close(session: AsyncSession, pulse_id: int, from_statuses: tuple[str, ...], at: datetime) -> bool:
    """Close the pulse and erase its salt in the same statement: from here on no answer can be tied to anyone."""
    return await transition(session, pulse_id, from_statuses, status="closed", closed_at=at, respondent_salt=None)


async def claim_launch(session: AsyncSession, pulse_id: int, now: datetime, stale_before: datetime) -> bool:
    result = await session.execute(
        update(Pulse)
        .where(
            Pulse.id == pulse_id,
            Pulse.status == "launching",
            or_(Pulse.launch_started_at.is_(None), Pulse.launch_started_at < stale_before),
        )
        .values(launch_started_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DueWork:
    """The pulses the housekeeping round has to act on, by id."""

    to_launch: list[int]  # from the CLI (no launcher yet), or a launch a dead process left half-done
    to_remind: list[int]
    to_close: list[int]


async def due_work(
    session: AsyncSession, now: datetime, stale_before: datetime, teams: Collection[str] | None = None
) -> DueWork:
    in_teams = Pulse.team_id.in_(teams) if teams is not None else true()

    async def ids(*conditions: ColumnElement[bool]) -> list[int]:
        query = select(Pulse.id).where(in_teams, *conditions).order_by(Pulse.id)
        return list((await session.execute(query)).scalars())

    return DueWork(
        to_launch=await ids(
            Pulse.status == "launching",
            or_(Pulse.launch_started_at.is_(None), Pulse.launch_started_at < stale_before),
        ),
        to_remind=await ids(Pulse.status == "open", Pulse.reminded_at.is_(None), Pulse.reminder_at <= now),
        to_close=await ids(Pulse.status == "open", Pulse.closes_at <= now),
    )


async def record_answer(
    session: AsyncSession,
    pulse_id: int,
    respondent: str,
    score: int,
    day: date,
    segment: tuple[str | None, str | None] = (None, None),
) -> bool:
    """Insert or replace a person's answer and the (department, location) they sit in as they give it; True if it
    is their first."""
    existed = await session.scalar(
        select(func.count()).where(PulseResponse.pulse_id == pulse_id, PulseResponse.respondent == respondent)
    )
    department, location = segment
    values = {
        "pulse_id": pulse_id,
        "respondent": respondent,
        "score": score,
        "answered_on": day,
        "department": department,
        "location": location,
    }
    update_columns = ["score", "department", "location"]
    await session.execute(
        upsert(session, PulseResponse, values, index_elements=["pulse_id", "respondent"], update=update_columns)
    )
    return not existed


def random_respondent() -> str:
    """A key shaped like a real one (bot/services/pulses.respondent_key: 64 hex digits) that stands for nobody."""
    return secrets.token_hex(32)


@dataclass(frozen=True)
class SyntheticAnswer:
    """An answer nobody gave: for the demo company and `/pulse simulate`. Its respondent is a fresh random key,
    so it can never collide with, or be told apart from, the keyed hash of a real person."""

    score: int
    answered_on: date
    comment: str | None = None
    respondent: str = field(default_factory=random_respondent)
    department: str | None = None  # the made-up person's segment, as a real answer keeps its person's
    location: str | None = None


async def add_synthetic_answers(session: AsyncSession, pulse_id: int, answers: Iterable[SyntheticAnswer]) -> int:
    """Add answers to a pulse in one INSERT; return how many. A score outside 0–10 adds nothing (ValueError)."""
    rows = [
        {
            "pulse_id": pulse_id,
            "respondent": answer.respondent,
            "score": answer.score,
            "comment": answer.comment,
            "answered_on": answer.answered_on,
            "department": answer.department,
            "location": answer.location,
        }
        for answer in answers
    ]
    if any(answer["score"] not in SCORES for answer in rows):
        raise ValueError("a pulse score is a number from 0 to 10")
    if rows:
        await session.execute(insert(PulseResponse), rows)
    return len(rows)


async def set_comment(session: AsyncSession, pulse_id: int, respondent: str, comment: str) -> bool:
    result = await session.execute(
        update(PulseResponse)
        .where(PulseResponse.pulse_id == pulse_id, PulseResponse.respondent == respondent)
        .values(comment=comment)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def tally(session: AsyncSession, pulse_id: int) -> dict[int, int]:
    """How many answered each score 0–10, counted by the database."""
    result = await session.execute(
        select(PulseResponse.score, func.count())
        .where(PulseResponse.pulse_id == pulse_id)
        .group_by(PulseResponse.score)
    )
    return {score: count for score, count in result.all()}


SEGMENTS = ("department", "location")


async def tally_by(session: AsyncSession, pulse_id: int, segment: str) -> dict[str | None, tuple[int, int, int]]:
    """(promoters, passives, detractors) per department or location the answers were given from (None: not in the
    people directory), counted by the database."""
    if segment not in SEGMENTS:
        raise ValueError(f"answers are sliced by {' or '.join(SEGMENTS)}")
    column = PulseResponse.department if segment == "department" else PulseResponse.location
    result = await session.execute(
        select(
            column,
            func.sum(case((PulseResponse.score >= 9, 1), else_=0)),
            func.sum(case((PulseResponse.score.between(7, 8), 1), else_=0)),
            func.sum(case((PulseResponse.score <= 6, 1), else_=0)),
        )
        .where(PulseResponse.pulse_id == pulse_id)
        .group_by(column)
    )
    return {name: (int(promoters), int(passives), int(detractors)) for name, promoters, passives, detractors in result}


async def count_answers(session: AsyncSession, pulse_id: int) -> int:
    return int(await session.scalar(select(func.count()).where(PulseResponse.pulse_id == pulse_id)) or 0)


async def comments(session: AsyncSession, pulse_id: int, limit: int) -> list[str]:
    # Ordered by text, not by arrival: the order must not hint at who answered when.
    result = await session.execute(
        select(PulseResponse.comment)
        .where(PulseResponse.pulse_id == pulse_id, PulseResponse.comment.is_not(None))
        .order_by(PulseResponse.comment)
        .limit(limit)
    )
    return [comment for comment in result.scalars() if comment]


async def respondents(session: AsyncSession, pulse_id: int) -> set[str]:
    result = await session.execute(select(PulseResponse.respondent).where(PulseResponse.pulse_id == pulse_id))
    return set(result.scalars())


async def stream_responses(
    session: AsyncSession, team_id: str | None, threshold: int
) -> AsyncIterator[tuple[PulseResponse, Pulse]]:
    """Answers of closed pulses that reached `threshold` answers: the same rule as their results."""
    reached = select(PulseResponse.pulse_id).group_by(PulseResponse.pulse_id).having(func.count() >= threshold)
    query = (
        select(PulseResponse, Pulse)
        .join(Pulse, Pulse.id == PulseResponse.pulse_id)
        .where(Pulse.status == "closed", Pulse.id.in_(reached))
        .order_by(PulseResponse.id)
    )
    if team_id is not None:
        query = query.where(Pulse.team_id == team_id)
    result = await session.stream(query.execution_options(yield_per=500))
    async for response, pulse in result.tuples():
        yield response, pulse


async def add_schedule(session: AsyncSession, values: dict[str, Any]) -> PulseSchedule:
    schedule = PulseSchedule(**values)
    session.add(schedule)
    await session.flush()
    return schedule


async def due_schedules(
    session: AsyncSession, now: datetime, teams: Collection[str] | None = None
) -> list[PulseSchedule]:
    result = await session.execute(
        select(PulseSchedule).where(
            PulseSchedule.active.is_(True),
            PulseSchedule.next_run_at <= now,
            PulseSchedule.team_id.in_(teams) if teams is not None else true(),
        )
    )
    return list(result.scalars())


async def advance_schedule(session: AsyncSession, schedule_id: int, was: datetime, to: datetime | None) -> bool:
    """Move a schedule to its next run (None: it has none, so it retires), only if nobody else did: the replica
    that wins launches the pulse."""
    result = await session.execute(
        update(PulseSchedule)
        .where(PulseSchedule.id == schedule_id, PulseSchedule.next_run_at == was, PulseSchedule.active.is_(True))
        .values({"next_run_at": to} if to is not None else {"active": False})
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def pin_breakdown(session: AsyncSession, pulse_id: int, by: str) -> str:
    """Fix the pulse's breakdown to `by` unless one is fixed already (whoever asked first, across replicas); return
    the one that holds."""
    await session.execute(update(Pulse).where(Pulse.id == pulse_id, Pulse.breakdown.is_(None)).values(breakdown=by))
    pinned = await session.scalar(select(Pulse.breakdown).where(Pulse.id == pulse_id))
    return str(pinned or by)
