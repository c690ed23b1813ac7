"""Issue-tracker state of feedback and bugs, and their tracker outbox rows. Functions take the caller's session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import subjects
from storage.models import Bug, Delivery, Feedback, utcnow

Item = Bug | Feedback
MODELS: dict[str, type[Bug] | type[Feedback]] = {"bug": Bug, "feedback": Feedback}
QUEUED = "queued"  # our own statuses, until the tracker reports one
FAILED = "failed"


async def get(session: AsyncSession, kind: str, item_id: int) -> Item | None:
    return await session.get(MODELS[kind], item_id)


async def mark_queued(session: AsyncSession, kind: str, ids: Sequence[int], tracker: str) -> None:
    model = MODELS[kind]
    # ORM-enabled UPDATE: rows already in the session (the group commit's new bugs) see the values too.
    await session.execute(update(model).where(model.id.in_(ids)).values(tracker=tracker, tracker_status=QUEUED))


async def record_created(session: AsyncSession, kind: str, item_id: int, tracker: str, key: str, url: str) -> None:
    model = MODELS[kind]
    await session.execute(
        update(model)
        .where(model.id == item_id)
        .values(tracker=tracker, tracker_key=key, tracker_url=url, tracker_status=None)
        .execution_options(synchronize_session=False)
    )


async def mark_failed(session: AsyncSession, kind: str, item_id: int) -> None:
    model = MODELS[kind]
    await session.execute(
        update(model)
        .where(model.id == item_id, model.tracker_key.is_(None))
        .values(tracker_status=FAILED)
        .execution_options(synchronize_session=False)
    )


async def find_by_key(session: AsyncSession, tracker: str, key: str) -> Item | None:
    """The item filed as `key` in `tracker` (ix_bugs_tracker, ix_feedback_tracker)."""
    bug = await session.scalar(select(Bug).where(Bug.tracker == tracker, Bug.tracker_key == key).limit(1))
    if bug is not None:
        return bug
    return await session.scalar(
        select(Feedback).where(Feedback.tracker == tracker, Feedback.tracker_key == key).limit(1)
    )


async def set_status(session: AsyncSession, item: Item, tracker_status: str, status: str | None) -> None:
    values: dict[str, Any] = {"tracker_status": tracker_status[:64]}
    if status is not None:
        values["status"] = status
    model = type(item)
    await session.execute(
        update(model).where(model.id == item.id).values(**values).execution_options(synchronize_session=False)
    )


async def delivery(session: AsyncSession, subject: str) -> Delivery | None:
    """A tracker subject has one recipient (the item itself), so one row at most."""
    return await session.scalar(select(Delivery).where(Delivery.subject == subject).limit(1))


async def rearm(session: AsyncSession, delivery_id: int, platform: str, payload: str) -> None:
    """A failed tracker row goes out again from scratch (an admin's re-send): the subject stays unique, so the
    issue is still filed at most once, and the attempt budget starts over."""
    now = utcnow()
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == "failed")
        .values(
            status="pending",
            platform=platform,
            payload=payload,
            attempts=0,
            next_attempt_at=now,
            claimed_until=None,
            last_error=None,
        )
    )


async def failed(session: AsyncSession, team_id: str, limit: int) -> list[tuple[str, Item, str | None]]:
    """Items whose tracker send failed for good, newest first, with the tracker's error: (kind, item, error)."""
    bugs = await session.scalars(
        select(Bug).where(Bug.team_id == team_id, Bug.tracker_status == FAILED).order_by(Bug.id.desc()).limit(limit)
    )
    feedback = await session.scalars(
        select(Feedback)
        .where(Feedback.team_id == team_id, Feedback.tracker_status == FAILED)
        .order_by(Feedback.id.desc())
        .limit(limit)
    )
    items: list[tuple[str, Item]] = [("bug", bug) for bug in bugs] + [("feedback", item) for item in feedback]
    items.sort(key=lambda entry: entry[1].created_at, reverse=True)
    found: list[tuple[str, Item, str | None]] = []
    for kind, item in items[:limit]:
        row = await delivery(session, subjects.tracker_filing(kind, item.id))
        found.append((kind, item, row.last_error if row is not None else None))
    return found


async def unfiled_feedback(session: AsyncSession, team_id: str, limit: int) -> list[Feedback]:
    result = await session.scalars(
        select(Feedback)
        .where(Feedback.team_id == team_id, Feedback.tracker.is_(None))
        .order_by(Feedback.created_at.desc(), Feedback.id.desc())
        .limit(limit)
    )
    return list(result)
