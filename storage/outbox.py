"""The outbox table: enqueue (once per subject and recipient), claim due rows, settle them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, func, literal, not_, null, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.platforms import TEAMS, TEAMS_PREFIXES
from storage import subjects
from storage.idempotent import insert_once
from storage.models import Delivery, Stakeholder, utcnow
from storage.upsert import insert_ignoring_duplicates

SUBJECT_RECIPIENT = ("subject", "recipient_id")


@dataclass(frozen=True)
class OutboxMessage:
    """One message to one recipient. `subject` comes from storage/subjects.py; with the recipient it makes the
    message unique. `payload` is what the platform's sender posts (Block Kit, an Adaptive Card activity, a
    tracker issue, a webhook event) as JSON."""

    subject: str
    platform: str
    team_id: str
    recipient_id: str
    recipient_kind: Literal["user", "channel", "webhook", "feedback", "bug"]
    payload: str
    release_id: int | None = None
    # When the message is counted as made (a roll-up row carries the end of the period it covered).
    created_at: datetime | None = None
    not_before: datetime | None = None  # held until then


async def enqueue(session: AsyncSession, message: OutboxMessage) -> bool:
    """Queue one message; False if this subject already went (or is going) to this recipient."""
    now = utcnow()
    row = {
        "subject": message.subject,
        "platform": message.platform,
        "team_id": message.team_id,
        "recipient_id": message.recipient_id,
        "recipient_kind": message.recipient_kind,
        "payload": message.payload,
        "release_id": message.release_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": message.not_before or now,
        "created_at": message.created_at or now,
    }
    _, created = await insert_once(session, Delivery, row, conflict=SUBJECT_RECIPIENT)
    return created


async def enqueue_tier(
    session: AsyncSession,
    *,
    subject: str,
    platform: str,
    team_id: str,
    tier: str,
    payloads: Mapping[str, str],
    release_id: int | None,
    channels_at: datetime | None = None,
    people_wall_time: str | None = None,
) -> int:
    """Every stakeholder of a tier, in one INSERT … SELECT: nothing is loaded, however many recipients.
    `channels_at` holds channel posts until then; `people_wall_time` sends to people at that wall-clock
    time in their own time zone (the worker resolves it). `payloads` holds one rendering per platform: the
    map's own `platform`, and "teams" for Teams ids on it (one release reaches both platforms)."""
    total = 0
    for target_platform, payload in payloads.items():
        on_teams = or_(*(Stakeholder.target_id.startswith(prefix) for prefix in TEAMS_PREFIXES))
        total += await _enqueue_targets(
            session,
            subject=subject,
            platform=platform,
            target_platform=target_platform,
            targets=on_teams if target_platform == TEAMS else not_(on_teams),
            team_id=team_id,
            tier=tier,
            payload=payload,
            release_id=release_id,
            channels_at=channels_at,
            people_wall_time=people_wall_time,
        )
    return total


async def _enqueue_targets(
    session: AsyncSession,
    *,
    subject: str,
    platform: str,
    target_platform: str,
    targets: ColumnElement[bool],
    team_id: str,
    tier: str,
    payload: str,
    release_id: int | None,
    channels_at: datetime | None,
    people_wall_time: str | None,
) -> int:
    now = utcnow()
    table = Delivery.__table__
    when = table.c.next_attempt_at.type
    is_channel = Stakeholder.target_kind == "channel"
    rows = select(
        literal(subject),
        literal(target_platform),
        literal(team_id),
        literal(release_id),
        literal(tier),
        Stakeholder.target_id,
        Stakeholder.target_kind,
        literal(payload),
        literal("pending"),
        literal(0),
        case((is_channel, literal(channels_at or now, type_=when)), else_=literal(now, type_=when)),
        literal(now, type_=table.c.created_at.type),
        case((is_channel, null()), else_=literal(people_wall_time, type_=table.c.local_wall_time.type)),
    ).where(Stakeholder.platform == platform, Stakeholder.team_id == team_id, Stakeholder.tier == tier, targets)
    columns = [
        "subject",
        "platform",
        "team_id",
        "release_id",
        "tier",
        "recipient_id",
        "recipient_kind",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "local_wall_time",
    ]
    statement = insert_ignoring_duplicates(session, Delivery, index_elements=SUBJECT_RECIPIENT).from_select(
        columns, rows
    )
    result = await session.execute(statement)
    return max(result.rowcount or 0, 0)  # type: ignore[attr-defined]


async def hold_until_local_time(session: AsyncSession, delivery_id: int, at: datetime) -> None:
    """The recipient's local time is known now: send at `at`, and do not look it up again."""
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(next_attempt_at=at, local_wall_time=None, claimed_until=None, attempts=Delivery.attempts - 1)
    )


async def claim_due(
    session: AsyncSession,
    now: datetime,
    limit: int,
    lease: timedelta,
    skip_platforms: Collection[str] = (),
    teams: Collection[str] | None = None,
) -> list[Delivery]:
    """Claim up to `limit` due rows for `lease`, none for `skip_platforms` (paused by a rate limit) and, with
    `teams`, only those workspaces' rows (the shell delivers its own workspaces and nobody else's). On
    PostgreSQL, SKIP LOCKED lets replicas claim side by side without ever taking the same row; an expired lease
    (a crashed worker) makes a row claimable again."""
    due = (
        select(Delivery.id)
        .where(
            Delivery.status == "pending",
            Delivery.next_attempt_at <= now,
            or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            Delivery.platform.not_in(skip_platforms) if skip_platforms else true(),
            Delivery.team_id.in_(teams) if teams is not None else true(),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()))
        .values(claimed_until=now + lease, attempts=Delivery.attempts + 1)
        .returning(Delivery)
        .execution_options(synchronize_session=False)
    )
    return sorted(result.scalars(), key=lambda row: (row.next_attempt_at, row.id))


async def mark_sent(session: AsyncSession, delivery_id: int, channel: str | None, ts: str | None) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status="sent", sent_channel=channel, sent_ts=ts, sent_at=utcnow(), claimed_until=None, last_error=None)
    )


async def remember_permalink(session: AsyncSession, delivery_id: int, link: str) -> None:
    await session.execute(update(Delivery).where(Delivery.id == delivery_id).values(permalink=link[:1000]))


async def retry_later(
    session: AsyncSession, delivery_id: int, at: datetime, error: str | None, *, counts_as_attempt: bool = True
) -> None:
    values: dict[str, Any] = {"next_attempt_at": at, "claimed_until": None, "last_error": error}
    if not counts_as_attempt:
        values["attempts"] = Delivery.attempts - 1
    await session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**values))


async def mark_failed(session: AsyncSession, delivery_id: int, error: str) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status="failed", last_error=error[:255], claimed_until=None)
    )


async def unclaim(session: AsyncSession, delivery_ids: Sequence[int], at: datetime) -> None:
    if delivery_ids:
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status == "pending")
            .values(claimed_until=None, next_attempt_at=at, attempts=Delivery.attempts - 1)
        )


async def pending_count(session: AsyncSession) -> int:
    result = await session.execute(select(func.count()).select_from(Delivery).where(Delivery.status == "pending"))
    return int(result.scalar_one())


@dataclass(frozen=True)
class TierOutcome:
    tier: str
    sent: int
    failed: int
    pending: int


async def release_outcomes(session: AsyncSession, release_id: int) -> list[TierOutcome]:
    result = await session.execute(
        select(Delivery.tier, Delivery.status, func.count())
        .where(Delivery.release_id == release_id, Delivery.subject == subjects.release(release_id))
        .group_by(Delivery.tier, Delivery.status)
    )
    counts: dict[str, dict[str, int]] = {}
    for tier, status, count in result.all():
        counts.setdefault(tier or "", {})[status] = count
    return [TierOutcome(tier, c.get("sent", 0), c.get("failed", 0), c.get("pending", 0)) for tier, c in counts.items()]


async def release_failures(session: AsyncSession, release_id: int, limit: int = 20) -> list[Delivery]:
    result = await session.execute(
        select(Delivery)
        .where(Delivery.subject == subjects.release(release_id), Delivery.status == "failed")
        .order_by(Delivery.id)
        .limit(limit)
    )
    return list(result.scalars())


async def release_channel_posts(session: AsyncSession, release_id: int, limit: int = 20) -> list[Delivery]:
    result = await session.execute(
        select(Delivery)
        .where(
            Delivery.subject == subjects.release(release_id),
            Delivery.status == "sent",
            Delivery.recipient_kind == "channel",
        )
        .order_by(Delivery.id)
        .limit(limit)
    )
    return list(result.scalars())


async def for_subject(session: AsyncSession, subject: str) -> list[Delivery]:
    result = await session.execute(select(Delivery).where(Delivery.subject == subject).order_by(Delivery.id))
    return list(result.scalars())


async def latest_with_subject_prefix(session: AsyncSession, prefix: str) -> datetime | None:
    """When the newest row whose subject starts with `prefix` was queued (e.g. a team's last weekly roll-up)."""
    return await session.scalar(
        select(func.max(Delivery.created_at)).where(Delivery.subject.startswith(prefix, autoescape=True))
    )


async def recent_for_platform(
    session: AsyncSession, platform: str, team_id: str | None = None, limit: int = 20
) -> list[Delivery]:
    """The newest deliveries of one platform (e.g. every webhook event), newest first."""
    query = select(Delivery).where(Delivery.platform == platform)
    if team_id is not None:
        query = query.where(Delivery.team_id == team_id)
    result = await session.execute(query.order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit))
    return list(result.scalars())


async def workspace_that_asked(session: AsyncSession, subject: str, recipient_id: str, platform: str) -> str | None:
    """The workspace whose message about `subject` went to this recipient on this platform: a Teams person
    answering a pulse or a release from a Slack workspace's map acts in that workspace, and only if it really
    asked them there."""
    result = await session.execute(
        select(Delivery.team_id)
        .where(Delivery.subject == subject, Delivery.recipient_id == recipient_id, Delivery.platform == platform)
        .limit(1)
    )
    return result.scalar_one_or_none()
