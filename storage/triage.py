"""Feedback triage in SQL: one item under lock, its status, replies, votes and merges, the triage list.

Functions take a session; the caller owns the transaction, so a change, its audit entry, its notifications and its
webhook event commit together or not at all."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.idempotent import insert_if_new
from storage.models import Feedback, FeedbackReply, FeedbackVote

VOTER = ("feedback_id", "voter_key")


async def item(session: AsyncSession, team_id: str, feedback_id: int, *, lock: bool = False) -> Feedback | None:
    """One item of a workspace; with `lock`, held until the transaction ends (PostgreSQL: two triagers acting on
    the same item take turns; SQLite has one writer anyway)."""
    query = select(Feedback).where(Feedback.id == feedback_id, Feedback.team_id == team_id)
    if lock:
        query = query.with_for_update()
    return (await session.execute(query.execution_options(populate_existing=True))).scalar_one_or_none()


async def statuses(session: AsyncSession, team_id: str, feedback_ids: Sequence[int]) -> dict[int, str]:
    if not feedback_ids:
        return {}
    result = await session.execute(
        select(Feedback.id, Feedback.status).where(Feedback.team_id == team_id, Feedback.id.in_(list(feedback_ids)))
    )
    return {feedback_id: status for feedback_id, status in result.all()}


async def update_item(session: AsyncSession, feedback_id: int, **values: Any) -> None:
    await session.execute(update(Feedback).where(Feedback.id == feedback_id).values(**values))


async def add_reply(session: AsyncSession, feedback_id: int, author_id: str, text: str, at: datetime) -> int:
    row = FeedbackReply(feedback_id=feedback_id, author_id=author_id, text=text, created_at=at)
    session.add(row)
    await session.flush()
    return row.id


# --- votes ---------------------------------------------------------------------------------------------------------


def _same_voter(keys: Collection[str], user_id: str | None) -> ColumnElement[bool]:
    """A vote cast by this person: under any of their keys (a key added or rotated since), or by name."""
    conditions: list[ColumnElement[bool]] = [FeedbackVote.voter_key.in_(list(keys))] if keys else []
    if user_id is not None:
        conditions.append(FeedbackVote.user_id == user_id)
    return or_(*conditions)


async def has_voted(session: AsyncSession, feedback_id: int, keys: Collection[str], user_id: str | None) -> bool:
    query = select(FeedbackVote.id).where(FeedbackVote.feedback_id == feedback_id, _same_voter(keys, user_id))
    return (await session.execute(query.limit(1))).first() is not None


async def add_vote(session: AsyncSession, feedback_id: int, voter_key: str, user_id: str | None, at: datetime) -> bool:
    """True if this call added the vote: a double-click racing itself still counts once (unique voter key)."""
    values = {"feedback_id": feedback_id, "voter_key": voter_key, "user_id": user_id, "created_at": at}
    return await insert_if_new(session, FeedbackVote, values, conflict=VOTER)


async def named_voters(session: AsyncSession, feedback_ids: Sequence[int]) -> list[str]:
    """The people who voted by name for any of these items, each once, in the order they voted."""
    if not feedback_ids:
        return []
    result = await session.execute(
        select(FeedbackVote.user_id)
        .where(FeedbackVote.feedback_id.in_(list(feedback_ids)), FeedbackVote.user_id.is_not(None))
        .order_by(FeedbackVote.id)
    )
    return list(dict.fromkeys(user for user in result.scalars() if user is not None))


async def vote_counts(session: AsyncSession, feedback_ids: Sequence[int]) -> dict[int, int]:
    if not feedback_ids:
        return {}
    result = await session.execute(
        select(FeedbackVote.feedback_id, func.count())
        .where(FeedbackVote.feedback_id.in_(list(feedback_ids)))
        .group_by(FeedbackVote.feedback_id)
    )
    return {feedback_id: count for feedback_id, count in result.all()}


async def move_votes(
    session: AsyncSession,
    source_id: int,
    target_id: int,
    target_submitter: str | None,
    aliases: Mapping[str, Collection[str]],
) -> int:
    """The source's votes become the target's, except a person's second vote there, which goes: the same key, the
    same name, the target's own submitter, or a named vote and an anonymous one of the same person (`aliases`: the
    anonymous keys of each named voter and of the submitter). Returns how many moved."""
    target_votes = (
        await session.execute(
            select(FeedbackVote.voter_key, FeedbackVote.user_id).where(FeedbackVote.feedback_id == target_id)
        )
    ).all()
    keys = {key for key, _ in target_votes}
    people = {user for _, user in target_votes if user is not None} | (
        {target_submitter} if target_submitter else set()
    )
    keys |= {alias for person in people for alias in aliases.get(person, ())}
    moved = 0
    for vote in (await session.execute(select(FeedbackVote).where(FeedbackVote.feedback_id == source_id))).scalars():
        own = aliases.get(vote.user_id, ()) if vote.user_id is not None else ()
        if vote.voter_key in keys or vote.user_id in people or any(alias in keys for alias in own):
            await session.delete(vote)
            continue
        vote.feedback_id = target_id
        keys.add(vote.voter_key)
        keys.update(own)
        if vote.user_id is not None:
            people.add(vote.user_id)
        moved += 1
    await session.flush()
    return moved


async def repoint_duplicates(session: AsyncSession, source_id: int, target_id: int) -> list[int]:
    """Items already merged into the source now point at the target (no chains: each answers with the status of
    the item it names). Returns their ids."""
    result = await session.execute(
        select(Feedback.id).where(Feedback.duplicate_of_id == source_id).order_by(Feedback.id)
    )
    ids = list(result.scalars())
    if ids:
        await session.execute(
            update(Feedback)
            .where(Feedback.id.in_(ids))
            .values(duplicate_of_id=target_id)
            .execution_options(synchronize_session=False)
        )
    return ids


async def targets(session: AsyncSession, feedback_ids: Sequence[int]) -> dict[int, Feedback]:
    """For each of these items that is merged into another, that other item (what it answers with)."""
    if not feedback_ids:
        return {}
    duplicate = select(Feedback.id, Feedback.duplicate_of_id).where(
        Feedback.id.in_(list(feedback_ids)), Feedback.duplicate_of_id.is_not(None)
    )
    pairs = {source: target for source, target in (await session.execute(duplicate)).all() if target is not None}
    if not pairs:
        return {}
    rows = await session.execute(select(Feedback).where(Feedback.id.in_(set(pairs.values()))))
    by_id = {row.id: row for row in rows.scalars()}
    return {source: by_id[target] for source, target in pairs.items() if target in by_id}


async def texts(session: AsyncSession, team_id: str, feedback_ids: Collection[int]) -> dict[int, str]:
    """The words of these items of the workspace, by id (what a triage post quotes of the items it names)."""
    if not feedback_ids:
        return {}
    rows = await session.execute(
        select(Feedback.id, Feedback.text).where(Feedback.team_id == team_id, Feedback.id.in_(list(feedback_ids)))
    )
    return {feedback_id: text for feedback_id, text in rows.all()}


# --- lists ---------------------------------------------------------------------------------------------------------

Sort = Literal["votes", "new"]


@dataclass(frozen=True)
class Listed:
    item: Feedback
    votes: int


def _votes_of_row() -> Any:
    return (
        select(func.count(FeedbackVote.id))
        .where(FeedbackVote.feedback_id == Feedback.id)
        .correlate(Feedback)
        .scalar_subquery()
    )


async def listing(
    session: AsyncSession,
    team_id: str,
    *,
    statuses: Collection[str] | None,
    product: str | None,
    sort: Sort,
    limit: int,
) -> list[Listed]:
    """A workspace's items, by votes (most first) or newest first; `product` matches case-insensitively."""
    votes = _votes_of_row().label("votes")
    query = select(Feedback, votes).where(Feedback.team_id == team_id)
    if statuses is not None:
        query = query.where(Feedback.status.in_(list(statuses)))
    if product is not None:
        query = query.where(func.lower(Feedback.product) == product.lower())
    order = (votes.desc(), Feedback.id.desc()) if sort == "votes" else (Feedback.id.desc(),)
    result = await session.execute(query.order_by(*order).limit(limit))
    return [Listed(row, count) for row, count in result.all()]


async def stream_with_votes(session: AsyncSession, team_id: str | None = None) -> AsyncIterator[tuple[Feedback, int]]:
    """Every item (of one workspace, with `team_id`) with its vote count, oldest first, without loading them all."""
    query = select(Feedback, _votes_of_row()).order_by(Feedback.id)
    if team_id is not None:
        query = query.where(Feedback.team_id == team_id)
    result = await session.stream(query.execution_options(yield_per=500))
    async for row, votes in result:
        yield row, votes
