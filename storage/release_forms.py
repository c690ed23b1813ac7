"""Release note drafts (forms to resume) and per-product templates. Functions take a session; the caller owns the
transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.idempotent import insert_once
from storage.models import Release, ReleaseFormDraft, ReleaseTemplate, utcnow

TEMPLATE_KEY = ("platform", "team_id", "product_key")


async def save_draft(
    session: AsyncSession,
    *,
    platform: str,
    team_id: str,
    author: str,
    fields: str,
    draft_id: int | None,
    view_key: str | None,
) -> ReleaseFormDraft | None:
    """Keep the form's values: in the author's draft `draft_id`, else in the draft of this form view (made on its
    first submission). None when `draft_id` is not a draft of this author (gone, or someone else's)."""
    now = utcnow()
    if draft_id is None:
        values = {
            "platform": platform,
            "team_id": team_id,
            "created_by": author,
            "fields": fields,
            "view_key": view_key,
            "created_at": now,
            "saved_at": now,
        }
        draft_id, _ = await insert_once(session, ReleaseFormDraft, values, conflict=("platform", "team_id", "view_key"))
    draft = await get_draft(session, platform, team_id, author, draft_id)
    if draft is not None:
        draft.fields, draft.saved_at = fields, now
        await session.flush()
    return draft


async def get_draft(
    session: AsyncSession, platform: str, team_id: str, author: str, draft_id: int
) -> ReleaseFormDraft | None:
    draft = await session.get(ReleaseFormDraft, draft_id, populate_existing=True)
    if draft is None or (draft.platform, draft.team_id, draft.created_by) != (platform, team_id, author):
        return None
    return draft


async def drafts_of(session: AsyncSession, platform: str, team_id: str, author: str) -> list[ReleaseFormDraft]:
    result = await session.execute(
        select(ReleaseFormDraft)
        .where(
            ReleaseFormDraft.platform == platform,
            ReleaseFormDraft.team_id == team_id,
            ReleaseFormDraft.created_by == author,
        )
        .order_by(ReleaseFormDraft.saved_at.desc(), ReleaseFormDraft.id.desc())
    )
    return list(result.scalars())


async def delete_draft(session: AsyncSession, draft_id: int) -> None:
    await session.execute(delete(ReleaseFormDraft).where(ReleaseFormDraft.id == draft_id))


async def delete_expired(session: AsyncSession, saved_before: datetime) -> int:
    """Drafts last saved before `saved_before` go, with the releases their previews made while those are still
    drafts (nothing was ever scheduled from them)."""
    expired = select(ReleaseFormDraft.id, ReleaseFormDraft.release_id).where(ReleaseFormDraft.saved_at < saved_before)
    rows = (await session.execute(expired)).all()
    if not rows:
        return 0
    draft_ids = [draft_id for draft_id, _ in rows]
    release_ids = [release_id for _, release_id in rows if release_id is not None]
    await session.execute(delete(ReleaseFormDraft).where(ReleaseFormDraft.id.in_(draft_ids)))
    if release_ids:
        await session.execute(delete(Release).where(Release.id.in_(release_ids), Release.status == "draft"))
    return len(draft_ids)


async def save_template(
    session: AsyncSession, *, platform: str, team_id: str, product: str, fields: str, saved_by: str
) -> bool:
    """Store or replace the product's template; True when it is new."""
    now = utcnow()
    values = {
        "platform": platform,
        "team_id": team_id,
        "product": product,
        "product_key": product.casefold(),
        "fields": fields,
        "saved_by": saved_by,
        "saved_at": now,
    }
    template_id, created = await insert_once(session, ReleaseTemplate, values, conflict=TEMPLATE_KEY)
    if not created:
        kept = await session.get_one(ReleaseTemplate, template_id, populate_existing=True)
        kept.product, kept.fields, kept.saved_by, kept.saved_at = product, fields, saved_by, now
        await session.flush()
    return created


async def template(session: AsyncSession, platform: str, team_id: str, product: str) -> ReleaseTemplate | None:
    result = await session.execute(
        select(ReleaseTemplate).where(
            ReleaseTemplate.platform == platform,
            ReleaseTemplate.team_id == team_id,
            ReleaseTemplate.product_key == product.casefold(),
        )
    )
    return result.scalar_one_or_none()


async def templates(session: AsyncSession, platform: str, team_id: str) -> list[ReleaseTemplate]:
    result = await session.execute(
        select(ReleaseTemplate)
        .where(ReleaseTemplate.platform == platform, ReleaseTemplate.team_id == team_id)
        .order_by(ReleaseTemplate.product_key)
    )
    return list(result.scalars())
