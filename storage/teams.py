"""Teams conversation references. Functions take a session; the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

# Re-exported: the adapters make it (bot.domain is its home), storage's callers keep naming it here.
from bot.domain.teams import StoredReference as StoredReference
from storage.models import TeamsConversation, utcnow
from storage.upsert import insert_ignoring_duplicates, upsert


async def remember(session: AsyncSession, reference: StoredReference, *, replace: bool = True) -> None:
    """Insert or refresh: Teams may move a tenant to another service URL, and the newest one is the one to use.
    With replace=False an existing row wins (a roster entry must not overwrite a real 1:1 conversation).

    A person's 29: id and a conversation's id belong to one tenant: an activity from another tenant naming the same
    id does not move it there, or what tenant A sends this person or channel would go to tenant B."""
    now = utcnow()
    values = {
        "target_id": reference.target_id,
        "kind": reference.kind,
        "tenant_id": reference.tenant_id,
        "conversation_id": reference.conversation_id,
        "service_url": reference.service_url,
        "reference": reference.reference,
        "timezone": reference.timezone,
        "created_at": now,
        "updated_at": now,
    }
    if replace:
        # An activity without localTimezone (an install, a card click from an old client) keeps the known zone.
        kept = {"created_at"} if reference.timezone is not None else {"created_at", "timezone"}
        changed = [column for column in values if column not in kept]
        same_tenant = or_(TeamsConversation.tenant_id == reference.tenant_id, TeamsConversation.tenant_id == "")
        statement = upsert(
            session, TeamsConversation, values, index_elements=["target_id"], update=changed, where=same_tenant
        )
    else:
        statement = insert_ignoring_duplicates(session, TeamsConversation, values, index_elements=["target_id"])
    await session.execute(statement)


async def find(session: AsyncSession, target_id: str) -> StoredReference | None:
    row = (
        await session.execute(select(TeamsConversation).where(TeamsConversation.target_id == target_id))
    ).scalar_one_or_none()
    if row is None:
        return None
    return StoredReference(
        row.target_id, row.kind, row.tenant_id, row.conversation_id, row.service_url, row.reference, row.timezone
    )


async def forget(session: AsyncSession, target_id: str, tenant_id: str) -> bool:
    """The bot was removed from a conversation of this tenant (never another tenant's of the same id)."""
    row = (
        await session.execute(
            select(TeamsConversation).where(
                TeamsConversation.target_id == target_id, TeamsConversation.tenant_id == tenant_id
            )
        )
    ).scalar_one_or_none()
    if row is None:
        return False
    await session.delete(row)
    return True


async def tenants(session: AsyncSession) -> list[str]:
    """Every Teams tenant the bot was installed in or spoken to from."""
    result = await session.execute(select(TeamsConversation.tenant_id).distinct().order_by(TeamsConversation.tenant_id))
    return [tenant for tenant in result.scalars() if tenant]
