"""FEEDBOT_SECRET_KEY still encrypts the stored OAuth tokens, so it must be possible to replace it: list the new
key first and the old one after it (every key decrypts, the first encrypts), run `feedbot db rotate-key` to
re-encrypt every stored token with the new key, then drop the old one."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import select

from bot.domain.settings import SettingsError, load_settings
from storage.db import open_database
from storage.installations import EncryptedInstallationStore, TokenKeyMismatch
from storage.models import SLACK_BOTS

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
TOKEN = "xoxb-a-token-worth-stealing"
CLIENT_ID = "1111.2222"


def feedbot(database_url: str, *args: str, key: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("SLACK_", "FEEDBOT_"))}
    env |= {"DATABASE_URL": database_url, "FEEDBOT_SECRET_KEY": key}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, timeout=60)


async def bot_token(database_url: str, keys: list[str]) -> str | None:
    db = open_database(database_url)
    try:
        bot = await EncryptedInstallationStore(CLIENT_ID, db.engine, keys).async_find_bot(
            enterprise_id=None, team_id="T0001"
        )
        return bot.bot_token if bot is not None else None
    finally:
        await db.close()


async def test_tokens_move_to_the_new_key_and_the_old_key_can_go(database_url: str) -> None:
    db = open_database(database_url)
    try:
        store = EncryptedInstallationStore(CLIENT_ID, db.engine, [OLD])
        installation = Installation(
            app_id="AFEEDBOT", team_id="T0001", user_id="UINSTALLER", bot_token=TOKEN, bot_id="B1", bot_user_id="UBOT"
        )
        await store.async_save(installation)
    finally:
        await db.close()
    assert await bot_token(database_url, [NEW, OLD]) == TOKEN  # during rotation both keys read it

    rotated = await asyncio.to_thread(feedbot, database_url, "db", "rotate-key", key=f"{NEW},{OLD}")

    assert rotated.returncode == 0, rotated.stderr
    assert "re-encrypted 2 stored tokens" in rotated.stdout  # the installation's copy and the bot's
    assert await bot_token(database_url, [NEW]) == TOKEN
    with pytest.raises(TokenKeyMismatch):
        await bot_token(database_url, [OLD])
    db = open_database(database_url)
    try:
        async with db.sessions() as session:
            stored = (await session.execute(select(SLACK_BOTS.c.bot_token))).scalar_one()
    finally:
        await db.close()
    assert TOKEN not in stored and Fernet(NEW.encode()).decrypt(stored.encode()).decode() == TOKEN


async def test_rotating_to_a_list_that_lacks_the_old_key_changes_nothing(database_url: str) -> None:
    db = open_database(database_url)
    try:
        store = EncryptedInstallationStore(CLIENT_ID, db.engine, [OLD])
        await store.async_save(Installation(app_id="A", team_id="T0001", user_id="U1", bot_token=TOKEN, bot_id="B1"))
    finally:
        await db.close()

    refused = await asyncio.to_thread(feedbot, database_url, "db", "rotate-key", key=NEW)

    assert refused.returncode == 1 and "decrypts with none of FEEDBOT_SECRET_KEY's keys" in refused.stderr
    assert await bot_token(database_url, [OLD]) == TOKEN


def test_a_key_list_is_checked_key_by_key() -> None:
    assert load_settings(secret_key=f" {NEW} , {OLD}").secret_keys == [NEW, OLD]
    with pytest.raises(SettingsError, match="FEEDBOT_SECRET_KEY"):
        load_settings(secret_key=f"{NEW},not-a-key")
