"""`feedbot teams package`: the zip a Teams admin uploads to install feedbot (manifest and icons)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.files import replacing
from bot.cli.resources import CommandFailed
from bot.domain.settings import Settings
from bot.teams_package import build_package


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    teams = commands.add_parser("teams", help="Microsoft Teams: the app package to upload")
    actions = teams.add_subparsers(dest="teams_command", required=True, metavar="ACTION")
    package = actions.add_parser("package", help="write the Teams app package (a zip) for the bot's app id")
    package.add_argument("--output", type=Path, default=Path("feedbot-teams.zip"), metavar="FILE")
    package.add_argument("--app-id", metavar="GUID", help="the bot's Microsoft App ID (default: MICROSOFT_APP_ID)")
    package.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    app_id = args.app_id or settings.microsoft_app_id
    if not app_id:
        raise CommandFailed(
            "feedbot teams package needs the bot's Microsoft App ID: set MICROSOFT_APP_ID or pass --app-id"
        )
    try:
        content = build_package(app_id)
    except ValueError as error:
        raise CommandFailed(str(error)) from None
    try:
        with replacing(args.output, "wb") as out:
            out.write(content)
    except OSError as error:
        raise CommandFailed(f"cannot write {args.output}: {error.strerror}") from None
    print(f"wrote {args.output}: upload it in Teams (Apps → Manage your apps → Upload an app)")
    return 0
