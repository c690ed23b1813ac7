"""Release queries. Functions take a session; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, cast, exists, func, literal, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage import state, subjects
from storage.idempotent import insert_once
from storage.models import Delivery, Release, ReleaseAcknowledgement, utcnow


async def add(session: AsyncSession, values: dict[str, Any]) -> tuple[Release, bool]:
    values.setdefault("created_at", utcnow())
    if values.get("source_key") is None:
        release = Release(**values)
        session.add(release)
        await session.flush()
        return release, True
    release_id, created = await insert_once(session, Release, values)
    return await session.get_one(Release, release_id), created


async def get(session: AsyncSession, release_id: int, team_id: str | None = None) -> Release | None:
    release = await session.get(Release, release_id, populate_existing=True)
    if release is None or (team_id is not None and release.team_id != team_id):
        return None
    return release


async def reload(session: AsyncSession, release_id: int) -> Release:
    """A release this transaction just read or changed, as it is now; NoResultFound if it is gone."""
    return await session.get_one(Release, release_id, populate_existing=True)


async def transition(session: AsyncSession, release_id: int, from_statuses: tuple[str, ...], **values: Any) -> bool:
    """Change a release only if it is still in one of `from_statuses` (see storage.state)."""
    return await state.transition(session, Release, release_id, from_statuses, **values)


async def scheduled(session: AsyncSession, teams: Collection[str] | None = None) -> list[tuple[int, datetime, bool]]:
    """Every release waiting for its send time, across workspaces (or `teams`): (id, send_at, per_recipient_time)."""
    result = await session.execute(
        select(Release.id, Release.send_at, Release.per_recipient_time)
        .where(Release.status == "scheduled", _in_teams(teams))
        .order_by(Release.send_at)
    )
    return [(release_id, send_at, bool(local)) for release_id, send_at, local in result.all()]


async def delivered_but_unfinished(session: AsyncSession, teams: Collection[str] | None = None) -> list[Release]:
    """Releases being sent whose every delivery is settled (sent or failed)."""
    pending = exists().where(and_(Delivery.release_id == Release.id, Delivery.status == "pending"))
    result = await session.execute(select(Release).where(Release.status == "sending", ~pending, _in_teams(teams)))
    return list(result.scalars())


def _in_teams(teams: Collection[str] | None) -> ColumnElement[bool]:
    return Release.team_id.in_(teams) if teams is not None else true()


async def listing(session: AsyncSession, platform: str, team_id: str | None, limit: int = 50) -> list[Release]:
    query = select(Release).where(Release.platform == platform)
    if team_id is not None:
        query = query.where(Release.team_id == team_id)
    result = await session.execute(query.order_by(Release.send_at.desc(), Release.id.desc()).limit(limit))
    return list(result.scalars())


async def acknowledge(session: AsyncSession, release_id: int, user_id: str) -> bool:
    _, created = await insert_once(
        session,
        ReleaseAcknowledgement,
        {"release_id": release_id, "user_id": user_id, "acknowledged_at": utcnow()},
        conflict=("release_id", "user_id"),
    )
    return created


async def addressed_to(session: AsyncSession, release_id: int, person: str) -> bool:
    """Whether the release note went, or is going, to this person (their own copy, not a channel's)."""
    found = await session.scalar(
        select(Delivery.id)
        .where(
            Delivery.release_id == release_id,
            Delivery.recipient_id == person,
            Delivery.subject == subjects.release(release_id),
            Delivery.status.in_(("pending", "sent")),
        )
        .limit(1)
    )
    return found is not None


async def acknowledged_by(session: AsyncSession, release_id: int) -> list[str]:
    result = await session.execute(
        select(ReleaseAcknowledgement.user_id)
        .where(ReleaseAcknowledgement.release_id == release_id)
        .order_by(ReleaseAcknowledgement.acknowledged_at)
    )
    return list(result.scalars())


@dataclass(frozen=True)
class ReleaseTally:
    """A release with its deliveries counted: recipients queued per tier, delivered, failed, acknowledged."""

    release: Release
    audience: dict[str, int]
    delivered: int
    failed: int
    acknowledged: int


def _tallies(tiers: Sequence[str]) -> Select[Release, *tuple[Any, ...]]:
    """Releases with their own note's deliveries counted (subject release:N; not the closing-the-loop messages or
    the author's report) and their acknowledgements, in one grouped query."""
    own_note = Delivery.subject == literal(subjects.RELEASE) + cast(Delivery.release_id, String)
    per_tier = [func.count(case((Delivery.tier == tier, 1))).label(f"tier_{tier}") for tier in tiers]
    deliveries = (
        select(
            Delivery.release_id,
            *per_tier,
            func.count(case((Delivery.status == "sent", 1))).label("delivered"),
            func.count(case((Delivery.status == "failed", 1))).label("failed"),
        )
        .where(Delivery.release_id.is_not(None), own_note)
        .group_by(Delivery.release_id)
        .subquery()
    )
    acknowledgements = (
        select(ReleaseAcknowledgement.release_id, func.count().label("acknowledged"))
        .group_by(ReleaseAcknowledgement.release_id)
        .subquery()
    )
    tier_columns = [func.coalesce(deliveries.c[f"tier_{tier}"], 0) for tier in tiers]
    query = (
        select(
            Release,
            func.coalesce(deliveries.c.delivered, 0),
            func.coalesce(deliveries.c.failed, 0),
            func.coalesce(acknowledgements.c.acknowledged, 0),
            *tier_columns,
        )
        .outerjoin(deliveries, deliveries.c.release_id == Release.id)
        .outerjoin(acknowledgements, acknowledgements.c.release_id == Release.id)
    )
    return query


async def stream_tallies(
    session: AsyncSession, tiers: Sequence[str], team_id: str | None = None
) -> AsyncIterator[ReleaseTally]:
    """Every release (of one workspace, with `team_id`), oldest first, counted in one grouped query."""
    query = _tallies(tiers).order_by(Release.created_at, Release.id)
    if team_id is not None:
        query = query.where(Release.team_id == team_id)
    result = await session.stream(query.execution_options(yield_per=500))
    async for release, delivered, failed, acknowledged, *audience in result:
        yield ReleaseTally(release, dict(zip(tiers, audience, strict=True)), delivered, failed, acknowledged)


async def tallies_by_status(
    session: AsyncSession,
    tiers: Sequence[str],
    platform: str,
    team_id: str,
    statuses: Collection[str],
    limit: int,
    *,
    latest_first: bool = False,
) -> list[ReleaseTally]:
    """A workspace's releases in `statuses`, counted, by send time (the soonest first, or the latest)."""
    order = (Release.send_at.desc(), Release.id.desc()) if latest_first else (Release.send_at, Release.id)
    query = (
        _tallies(tiers)
        .where(Release.platform == platform, Release.team_id == team_id, Release.status.in_(statuses))
        .order_by(*order)
        .limit(limit)
    )
    result = await session.execute(query)
    return [
        ReleaseTally(release, dict(zip(tiers, audience, strict=True)), delivered, failed, acknowledged)
        for release, delivered, failed, acknowledged, *audience in result.all()
    ]


# -- the author's live delivery report ------------------------------------------------------------------------------


async def record_report(session: AsyncSession, release_id: int, channel: str, ts: str, at: datetime) -> None:
    """Where the delivery report landed: drawn just now, with everything it shows."""
    await session.execute(
        update(Release)
        .where(Release.id == release_id)
        .values(report_channel=channel, report_ts=ts, report_updated_at=at, report_due=False)
    )


async def report_changed(session: AsyncSession, release_id: int) -> None:
    """Something the posted report shows has changed. Only a posted report that is not already due is written:
    a release's many deliveries settling at once do not all queue up on its row."""
    await session.execute(
        update(Release)
        .where(Release.id == release_id, Release.report_ts.is_not(None), Release.report_due.is_(False))
        .values(report_due=True)
        .execution_options(synchronize_session=False)
    )


async def reports_to_redraw(
    session: AsyncSession, now: datetime, quiet: timedelta, teams: Collection[str] | None = None
) -> list[int]:
    """Posted reports with a change to show, last drawn at least `quiet` ago."""
    result = await session.execute(
        select(Release.id).where(Release.report_due.is_(True), _redraw_allowed(now, quiet), _in_teams(teams))
    )
    return list(result.scalars())


async def claim_report_redraw(session: AsyncSession, release_id: int, now: datetime, quiet: timedelta) -> bool:
    """Take one report's redraw: the compare-and-set makes sure that, however many processes tick, a report is
    redrawn at most once per `quiet` interval."""
    result = await session.execute(
        update(Release)
        .where(Release.id == release_id, Release.report_due.is_(True), _redraw_allowed(now, quiet))
        .values(report_due=False, report_updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def _redraw_allowed(now: datetime, quiet: timedelta) -> ColumnElement[bool]:
    return and_(
        Release.report_ts.is_not(None),
        or_(Release.report_updated_at.is_(None), Release.report_updated_at <= now - quiet),
    )


# -- reminding lions who have not acknowledged ----------------------------------------------------------------------


@dataclass(frozen=True)
class Unacknowledged:
    release_id: int
    team_id: str
    lion: str


async def unacknowledged_lions(
    session: AsyncSession, sent_from: datetime, sent_until: datetime, teams: Collection[str] | None = None
) -> list[Unacknowledged]:
    """Lions whose own copy of a release was delivered between the two moments, who have not acknowledged it and
    have not been reminded of it yet."""
    own_note = Delivery.subject == literal(subjects.RELEASE) + cast(Delivery.release_id, String)
    reminder = aliased(Delivery)
    reminded = exists().where(
        reminder.subject == literal(subjects.ACK_REMINDER + subjects.RELEASE) + cast(Delivery.release_id, String),
        reminder.recipient_id == Delivery.recipient_id,
    )
    acknowledged = exists().where(
        ReleaseAcknowledgement.release_id == Delivery.release_id,
        ReleaseAcknowledgement.user_id == Delivery.recipient_id,
    )
    query = (
        select(Delivery.release_id, Delivery.team_id, Delivery.recipient_id)
        .where(
            Delivery.release_id.is_not(None),
            own_note,
            Delivery.tier == "lion",
            Delivery.recipient_kind == "user",
            Delivery.status == "sent",
            Delivery.sent_at > sent_from,
            Delivery.sent_at <= sent_until,
            ~acknowledged,
            ~reminded,
        )
        .order_by(Delivery.release_id, Delivery.id)
    )
    if teams is not None:
        query = query.where(Delivery.team_id.in_(teams))
    result = await session.execute(query)
    return [Unacknowledged(release_id, team_id, lion) for release_id, team_id, lion in result.all() if release_id]


async def reminded(session: AsyncSession, release_id: int) -> list[str]:
    """The lions reminded to acknowledge (the reminder queued or delivered), in the order they were reminded."""
    result = await session.execute(
        select(Delivery.recipient_id)
        .where(Delivery.subject == subjects.ack_reminder(release_id), Delivery.status.in_(("pending", "sent")))
        .order_by(Delivery.id)
    )
    return list(result.scalars())
