"""`feedbot db upgrade|rotate-key`: the schema, and the key stored tokens are encrypted with."""

from __future__ import annotations

import argparse

from bot.cli.resources import CommandFailed, Resources, run_with
from bot.domain.settings import Settings
from storage.installations import TokenKeyMismatch, reencrypt_tokens
from storage.migrate import upgrade_to_head


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations up to the newest schema").set_defaults(run=upgrade)
    db_commands.add_parser(
        "rotate-key",
        help="re-encrypt stored tokens with the first FEEDBOT_SECRET_KEY",
        description="Re-encrypt every stored token with the first key of FEEDBOT_SECRET_KEY (comma-separated, "
        "newest first), after which the older keys can be removed.",
    ).set_defaults(run=rotate_key)


def upgrade(args: argparse.Namespace, settings: Settings) -> int:
    upgrade_to_head(settings.database_url)
    print("database is at the newest schema")
    return 0


def rotate_key(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.secret_keys:
        raise CommandFailed("FEEDBOT_SECRET_KEY is not set: there is nothing to rotate to")

    async def rotate(resources: Resources) -> int:
        async with resources.db.sessions.begin() as session:
            return await reencrypt_tokens(session, settings.secret_keys)

    try:
        count = run_with(settings, rotate)
    except TokenKeyMismatch as problem:
        raise CommandFailed(str(problem)) from None
    print(f"re-encrypted {count} stored tokens with the first key of FEEDBOT_SECRET_KEY: the others can go now")
    return 0
