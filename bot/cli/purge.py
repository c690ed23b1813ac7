"""`feedbot purge --user ID`: a person's request to be forgotten, carried out from the command line."""

from __future__ import annotations

import argparse

from bot.cli.resources import CommandFailed, Resources, print_reply, run_with
from bot.domain.person_key import is_entra_id
from bot.domain.settings import Settings
from bot.services import privacy
from bot.services.stakeholders import parse_target


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    purge = commands.add_parser("purge", help="forget a person: remove or anonymise all they sent")
    purge.add_argument("--user", required=True, metavar="USER_ID", help="Slack user id (U…, W…) or Teams id (29:…)")
    purge.add_argument(
        "--team",
        metavar="TEAM_ID",
        help="only this workspace (default: every workspace); usage events and the people directory belong to no "
        "workspace and are purged either way",
    )
    purge.add_argument(
        "--email",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="the person's email address (or Entra object id) too: usage events and the people directory may name "
        "them by it (repeatable)",
    )
    purge.set_defaults(run=run)


def person(word: str) -> str:
    """A user id as typed, or as Slack writes a mention (<@U123|ada>); never a channel."""
    cleaned = word.strip()
    target = parse_target(cleaned)
    if target is not None and target.kind == "channel":
        raise CommandFailed(f"{cleaned} is a channel, not a person: pass a user id (U…, W…, 29:…)")
    if target is None and (not cleaned or any(character.isspace() for character in cleaned)):
        raise CommandFailed(f"“{word}” is not a user id: pass one like U012ABCDEF (or a Teams id 29:…)")
    return target.id if target is not None else cleaned


def _email(text: str) -> str:
    cleaned = text.strip()
    if is_entra_id(cleaned):
        return cleaned
    if "@" not in cleaned or any(character.isspace() for character in cleaned):
        raise CommandFailed(f"“{text}” is not an email address or an Entra object id: pass one like ada@example.com")
    return cleaned


def run(args: argparse.Namespace, settings: Settings) -> int:
    user_id = person(args.user)
    emails = [_email(text) for text in args.email]

    async def purge(resources: Resources) -> privacy.Purged:
        async with resources.db.sessions.begin() as session:
            return await privacy.purge_person(
                session, settings.pseudonym_key, user_id, args.team, secret_keys=settings.secret_keys, other_ids=emails
            )

    return print_reply(run_with(settings, purge).reply())
