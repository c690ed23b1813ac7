"""Triage channels: the product routes, and where each item's post lives."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.idempotent import insert_once
from storage.models import TriagePost, TriageRoute, utcnow
from storage.upsert import upsert


def product_key(product: str) -> str:
    """How a product is matched: case-folded, single spaces ("Expense  Hub" is "expense hub")."""
    return " ".join(product.split()).casefold()


async def set_route(
    session: AsyncSession, platform: str, team_id: str, product: str, channel_id: str, created_by: str
) -> None:
    values = {
        "platform": platform,
        "team_id": team_id,
        "product": product_key(product),
        "channel_id": channel_id,
        "created_by": created_by,
        "created_at": utcnow(),
    }
    statement = upsert(
        session,
        TriageRoute,
        values,
        index_elements=("platform", "team_id", "product"),
        update=("channel_id", "created_by", "created_at"),
    )
    await session.execute(statement)


async def routes(session: AsyncSession, platform: str, team_id: str) -> list[TriageRoute]:
    result = await session.execute(
        select(TriageRoute)
        .where(TriageRoute.platform == platform, TriageRoute.team_id == team_id)
        .order_by(TriageRoute.product)
    )
    return list(result.scalars())


async def channel_for(session: AsyncSession, platform: str, team_id: str, product: str | None) -> str | None:
    """The product's own triage channel, if it has one."""
    if not product or not product_key(product):
        return None
    result = await session.execute(
        select(TriageRoute.channel_id).where(
            TriageRoute.platform == platform,
            TriageRoute.team_id == team_id,
            TriageRoute.product == product_key(product),
        )
    )
    return result.scalar_one_or_none()


async def record_post(session: AsyncSession, item: str, team_id: str, channel_id: str, ts: str) -> None:
    values = {"item": item, "team_id": team_id, "channel_id": channel_id, "ts": ts, "created_at": utcnow()}
    await insert_once(session, TriagePost, values, conflict=("item",))


async def post_of(session: AsyncSession, item: str) -> TriagePost | None:
    result = await session.execute(select(TriagePost).where(TriagePost.item == item))
    return result.scalar_one_or_none()


async def touch(
    session: AsyncSession,
    items: Sequence[str],
    change: str | None,
    changed_by: str | None,
    *,
    shown_from: datetime | None = None,
) -> None:
    """The items changed (in this transaction): their posts are due a redraw, from `shown_from` (default now),
    showing `change` (kept as it was when None: a vote names nobody)."""
    if not items:
        return
    values: dict[str, object] = {"changed_at": shown_from or utcnow(), "redraw_due": True}
    if change is not None:
        values |= {"change": change[:255], "changed_by": changed_by}
    await session.execute(
        update(TriagePost)
        .where(TriagePost.item.in_(items))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def due_redraws(session: AsyncSession, skip_teams: Collection[str], limit: int = 50) -> list[TriagePost]:
    """Posts whose item changed since they were last drawn and may show it now, oldest change first."""
    query = select(TriagePost).where(TriagePost.redraw_due.is_(True), TriagePost.changed_at <= utcnow())
    if skip_teams:
        query = query.where(TriagePost.team_id.not_in(skip_teams))
    result = await session.execute(query.order_by(TriagePost.changed_at, TriagePost.id).limit(limit))
    return list(result.scalars())


async def redrawn(session: AsyncSession, item: str, changed_at: datetime | None) -> None:
    """The post was drawn as of `changed_at`: done, unless the item changed again meanwhile."""
    await session.execute(
        update(TriagePost)
        .where(TriagePost.item == item, TriagePost.changed_at == changed_at)
        .values(redraw_due=False)
        .execution_options(synchronize_session=False)
    )
