"""`feedbot people import FILE.csv` and `feedbot people sync-slack [--team T]`: the people directory that eNPS
results, KPIs and digests are sliced by (department, location).

Every row is stored under the keyed pseudonym of its user (bot/domain/person_key.py), so both need
FEEDBOT_SECRET_KEY. An import is all or nothing: the first problem is named by its line and nothing is stored."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.resources import TEAM_HELP, CommandFailed, Resources, run_with
from bot.domain.settings import Settings
from bot.services import people
from comms.render.text import shown_as_typed
from comms.slack_profiles import ProfilesUnavailable, profile_client, profiles
from storage.models import utcnow


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = commands.add_parser("people", help="departments and locations of people: import, sync-slack")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = actions.add_parser(
        "import",
        help="add or update people from a CSV file",
        description="Read a CSV file with a header row: `user` (a Slack id U…/W…, a Teams id 29:…, an Entra "
        "object id or an email) and any of `department`, `location`, `start_date` (YYYY-MM-DD). Other columns are "
        "ignored with a warning. A bad line stops the import and nothing is stored.",
    )
    load.add_argument("file", metavar="FILE.csv", help="the CSV file, or - for standard input")
    load.set_defaults(run=run_import)
    sync = actions.add_parser(
        "sync-slack",
        help="add departments and locations from Slack profiles",
        description="Read the custom profile fields labelled Department and Location of every active human in the "
        "workspace, and store them under their Slack id and their email. A value in Slack replaces a stored one; "
        "an empty profile field never erases one.",
    )
    sync.add_argument("--team", metavar="TEAM_ID", help=TEAM_HELP)
    sync.set_defaults(run=run_sync)


def _secret_key(settings: Settings) -> str:
    if settings.pseudonym_key is None:
        raise CommandFailed(people.NO_KEY)
    return settings.pseudonym_key


def _read(name: str) -> bytes:
    try:
        if name == "-":
            return sys.stdin.buffer.read(people.MAX_FILE_BYTES + 1)
        path = Path(name)
        with path.open("rb") as file:
            return file.read(people.MAX_FILE_BYTES + 1)
    except OSError as problem:
        raise CommandFailed(f"cannot read {name}: {problem.strerror or problem}") from None


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    # Everything is checked before the database is opened: a bad file changes nothing.
    key = _secret_key(settings)
    try:
        found = people.read_people_csv(_read(args.file))
    except people.PeopleFileError as problem:
        raise CommandFailed(f"{args.file}: {problem}; nothing was imported") from None
    if found.ignored_columns:
        ignored = ", ".join(found.ignored_columns)
        print(f"feedbot: warning: ignored the columns {shown_as_typed(ignored)}", file=sys.stderr)

    async def store(resources: Resources) -> int:
        async with resources.db.sessions.begin() as session:
            imported = await people.import_people(session, found, key, utcnow())
        print(f"Imported {imported.people} people ({imported.updated} updated)")
        return 0

    return run_with(settings, store)


def run_sync(args: argparse.Namespace, settings: Settings) -> int:
    key = _secret_key(settings)

    async def sync(resources: Resources) -> int:
        team = await resources.workspace(args.team)
        installed = await resources.deps.clients.for_team(team)
        if installed is None or not installed.token:
            raise CommandFailed(f"feedbot holds no Slack token for workspace {team}")
        try:
            fields, members = await profiles(profile_client(installed.token, installed.base_url))
        except ProfilesUnavailable as problem:
            raise CommandFailed(f"{problem}; nothing was changed") from None
        if fields.department is None and fields.location is None:
            raise CommandFailed(
                f"workspace {team} has no profile field labelled Department or Location; nothing was changed"
            )
        async with resources.db.sessions.begin() as session:
            synced = await people.sync_profiles(session, members, key, utcnow())
        print(
            f"Read {len(members)} Slack profiles: {synced.members} people with a department or location "
            f"({synced.rows} rows added or changed, under their Slack id and their email)"
        )
        return 0

    return run_with(settings, sync)
