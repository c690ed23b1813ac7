"""The demo workspace's rows, written and wiped in bulk. The story (who, what, when) is bot/demo's; this module
only knows tables. Functions take a session; the caller owns the transaction, so a fill or a reset is all or
nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    AuditEntry,
    Base,
    Bug,
    Delivery,
    DirectoryEntry,
    Feedback,
    Pulse,
    PulseResponse,
    PulseSchedule,
    Release,
    ReleaseAcknowledgement,
    Stakeholder,
    UserTimezone,
)

# Every table whose rows carry the workspace's team_id, children before the rows they point at: deliveries and
# feedback point at releases, pulses at their schedules. (Acknowledgements and answers hang off releases and
# pulses, and go with them.)
WORKSPACE_TABLES: tuple[type[Any], ...] = (
    Delivery,
    Feedback,
    Bug,
    Stakeholder,
    AuditEntry,
    UserTimezone,
    DirectoryEntry,
    Pulse,
    PulseSchedule,
    Release,
)


async def has_rows(session: AsyncSession, team_id: str) -> bool:
    """Whether anything at all is stored for the workspace."""
    for model in WORKSPACE_TABLES:
        if await session.scalar(select(exists().where(model.team_id == team_id))):
            return True
    return False


async def counts(session: AsyncSession, team_id: str) -> dict[str, int]:
    """Rows per table of the workspace (acknowledgements and pulse answers through their release and pulse)."""
    found = {}
    for model in WORKSPACE_TABLES:
        query = select(func.count()).select_from(model).where(model.team_id == team_id)
        found[model.__tablename__] = int(await session.scalar(query) or 0)
    acknowledgements = (
        select(func.count())
        .select_from(ReleaseAcknowledgement)
        .join(Release, Release.id == ReleaseAcknowledgement.release_id)
        .where(Release.team_id == team_id)
    )
    answers = (
        select(func.count())
        .select_from(PulseResponse)
        .join(Pulse, Pulse.id == PulseResponse.pulse_id)
        .where(Pulse.team_id == team_id)
    )
    found[ReleaseAcknowledgement.__tablename__] = int(await session.scalar(acknowledgements) or 0)
    found[PulseResponse.__tablename__] = int(await session.scalar(answers) or 0)
    return found


async def forget(session: AsyncSession, team_id: str) -> int:
    """Delete every row of the workspace, and nothing of any other; return how many went. The children are
    deleted by hand rather than left to ON DELETE CASCADE, which SQLite applies only with foreign keys on."""
    releases = select(Release.id).where(Release.team_id == team_id)
    pulses = select(Pulse.id).where(Pulse.team_id == team_id)
    removed = 0
    for statement in (
        delete(ReleaseAcknowledgement).where(ReleaseAcknowledgement.release_id.in_(releases)),
        delete(PulseResponse).where(PulseResponse.pulse_id.in_(pulses)),
        *(delete(model).where(model.team_id == team_id) for model in WORKSPACE_TABLES),
    ):
        result = await session.execute(statement.execution_options(synchronize_session=False))
        removed += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
    return removed


async def _add_all(session: AsyncSession, model: type[Base], rows: Iterable[Mapping[str, Any]]) -> list[Any]:
    objects = [model(**dict(row)) for row in rows]
    session.add_all(objects)
    await session.flush()
    return objects


async def add_feedback(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Feedback rows (Feedback's columns); their ids, in order."""
    return [item.id for item in await _add_all(session, Feedback, rows)]


async def add_bugs(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    return [bug.id for bug in await _add_all(session, Bug, rows)]


async def add_stakeholders(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> int:
    return len(await _add_all(session, Stakeholder, rows))


async def add_timezones(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> int:
    return len(await _add_all(session, UserTimezone, rows))


async def add_audit_entries(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> int:
    return len(await _add_all(session, AuditEntry, rows))


async def add_release(session: AsyncSession, values: Mapping[str, Any]) -> Release:
    release: Release = (await _add_all(session, Release, [values]))[0]
    return release


async def mark_shipped(
    session: AsyncSession, release: Release, feedback_ids: Sequence[int], bug_ids: Sequence[int]
) -> None:
    """The items a sent release addressed, as its fan-out left them: shipped in it, when it went out."""
    shipped = {"status": "shipped", "shipped_release_id": release.id, "shipped_at": release.fanned_out_at}
    for model, ids in ((Feedback, feedback_ids), (Bug, bug_ids)):
        if ids:
            await session.execute(
                update(model)
                .where(model.team_id == release.team_id, model.id.in_(ids))
                .values(**shipped)
                .execution_options(synchronize_session=False)
            )


async def add_deliveries(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> int:
    """Outbox rows (Delivery's columns), e.g. messages already sent."""
    return len(await _add_all(session, Delivery, rows))


async def add_acknowledgements(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> int:
    return len(await _add_all(session, ReleaseAcknowledgement, rows))


async def add_pulse(session: AsyncSession, values: Mapping[str, Any]) -> Pulse:
    pulse: Pulse = (await _add_all(session, Pulse, [values]))[0]
    return pulse
