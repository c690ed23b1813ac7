"""OAuth installations on our database: slack_sdk's SQLAlchemy stores, with tokens encrypted at rest, and the
Enterprise Grid organisation each workspace belongs to."""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.models import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES, SlackWorkspace, utcnow
from storage.upsert import upsert

TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
FERNET_PREFIX = "gAAAAA"  # every Fernet token starts with version byte 0x80, base64-encoded
STATE_SECONDS = 600

Record = TypeVar("Record", Installation, Bot)


def token_cipher(keys: list[str]) -> MultiFernet:
    """FEEDBOT_SECRET_KEY's keys, newest first: the first encrypts, every one decrypts (key rotation)."""
    return MultiFernet([Fernet(key.encode()) for key in keys])


class TokenKeyMismatch(Exception):
    """Stored tokens cannot be decrypted with FEEDBOT_SECRET_KEY: the key changed since they were saved."""


class EncryptedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's store, but tokens are Fernet-encrypted before they reach a row and decrypted on the way out,
    so a database dump or backup holds no usable token."""

    def __init__(self, client_id: str, engine: AsyncEngine, keys: list[str]) -> None:
        super().__init__(
            client_id, engine, bots_table_name=SLACK_BOTS.name, installations_table_name=SLACK_INSTALLATIONS.name
        )
        self._fernet = token_cipher(keys)

    async def async_save(self, installation: Installation) -> None:
        await super().async_save(self._sealed(installation))

    async def async_save_bot(self, bot: Bot) -> None:
        # Also reached from async_save with an installation's already sealed tokens: _sealed leaves those alone.
        await super().async_save_bot(self._sealed(bot))

    async def async_find_bot(self, **kwargs: Any) -> Bot | None:
        return self._opened(await super().async_find_bot(**kwargs))

    async def async_find_installation(self, **kwargs: Any) -> Installation | None:
        return self._opened(await super().async_find_installation(**kwargs))

    def _sealed(self, record: Record) -> Record:
        sealed = copy.copy(record)
        for name in TOKEN_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str) and not value.startswith(FERNET_PREFIX):
                setattr(sealed, name, self._fernet.encrypt(value.encode()).decode())
        return sealed

    def _opened(self, record: Record | None) -> Record | None:
        if record is None:
            return None
        opened = copy.copy(record)
        for name in TOKEN_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str) and value.startswith(FERNET_PREFIX):
                try:
                    setattr(opened, name, self._fernet.decrypt(value.encode()).decode())
                except InvalidToken:
                    raise TokenKeyMismatch(
                        "stored Slack tokens do not decrypt with FEEDBOT_SECRET_KEY: restore the key they were "
                        "saved with, or reinstall the app"
                    ) from None
        return opened


async def reencrypt_tokens(session: AsyncSession, keys: list[str]) -> int:
    """Rotation's last step: every stored token re-encrypted with the first key, so the others can be dropped
    from FEEDBOT_SECRET_KEY. Returns how many tokens were rewritten; nothing changes if one fails to decrypt."""
    cipher = token_cipher(keys)
    rewritten = 0
    for table in (SLACK_INSTALLATIONS, SLACK_BOTS):
        columns = [table.c[name] for name in TOKEN_FIELDS if name in table.c]
        for row in (await session.execute(select(table.c.id, *columns))).all():
            changes = {}
            for column, value in zip(columns, row[1:], strict=True):
                if isinstance(value, str) and value.startswith(FERNET_PREFIX):
                    try:
                        changes[column.name] = cipher.rotate(value.encode()).decode()
                    except InvalidToken:
                        raise TokenKeyMismatch(
                            f"a stored token in {table.name} decrypts with none of FEEDBOT_SECRET_KEY's keys: add the "
                            "key it was saved with to the list"
                        ) from None
            if changes:
                await session.execute(table.update().where(table.c.id == row[0]).values(**changes))
                rewritten += len(changes)
    return rewritten


def state_store(engine: AsyncEngine) -> AsyncSQLAlchemyOAuthStateStore:
    return AsyncSQLAlchemyOAuthStateStore(STATE_SECONDS, engine, table_name=SLACK_OAUTH_STATES.name)


async def remember_enterprise(session: AsyncSession, team_id: str, enterprise_id: str) -> None:
    values = {"team_id": team_id, "enterprise_id": enterprise_id, "seen_at": utcnow()}
    await session.execute(
        upsert(session, SlackWorkspace, values, index_elements=["team_id"], update=["enterprise_id", "seen_at"])
    )


async def enterprise_of(session: AsyncSession, team_id: str) -> str | None:
    result = await session.execute(select(SlackWorkspace.enterprise_id).where(SlackWorkspace.team_id == team_id))
    return result.scalar_one_or_none()
