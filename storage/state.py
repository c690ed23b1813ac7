"""Compare-and-set on a row's status: the one mechanism that makes racing replicas and double clicks harmless."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Pulse, Release


async def transition(
    session: AsyncSession,
    model: type[Release] | type[Pulse],
    row_id: int,
    from_statuses: tuple[str, ...],
    **values: Any,
) -> bool:
    """Apply `values` only if the row is still in one of `from_statuses`; True if this call changed it."""
    result = await session.execute(
        update(model)
        .where(model.id == row_id, model.status.in_(from_statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
