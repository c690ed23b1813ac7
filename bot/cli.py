"""The `feedbot` command: serve, shell, db upgrade, export, stakeholders, release, pulse, digest, purge, webhooks."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from sqlalchemy.exc import OperationalError

from bot import (
    cli_announce,
    cli_digest,
    cli_privacy,
    cli_pulse,
    cli_support,
    cli_teams,
    cli_trackers,
    cli_webhooks,
)
from bot.domain.settings import Settings, SettingsError, load_settings, require_slack_credentials
from bot.export import EXPORT_KINDS, FORMATS, write_export
from storage.db import DatabaseDriverMissing
from storage.migrate import upgrade_to_head

log = logging.getLogger("feedbot")


class CommandFailed(Exception):
    """A user-facing failure: printed as one line, exit status 1 (2 for configuration)."""


class _OneLineHelp(argparse.HelpFormatter):
    """Each subcommand and its help on one line. argparse measures subcommand names without the extra indent it
    prints them with, so a long name (stakeholders, reschedule) would push its help onto a line of its own."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if isinstance(action, argparse._SubParsersAction):
            longest = max((len(name) for name in action.choices), default=0)
            indent = self._current_indent + 2 * self._indent_increment
            self._action_max_length = max(self._action_max_length, longest + indent)


class _Parser(argparse.ArgumentParser):
    """Subcommand parsers are made of the parent's class, so every level of `--help` is laid out alike."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _OneLineHelp)
        super().__init__(*args, **kwargs)


def parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="feedbot", description="feedback, bugs and release notes in chat")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the HTTP server (Slack events, health, metrics)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument(
        "--socket-mode",
        action="store_true",
        help="receive Slack events over a WebSocket (needs SLACK_APP_TOKEN) instead of POST /slack/events",
    )

    commands.add_parser("shell", help="try the bot in this terminal, no Slack needed")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations up to the newest schema")
    db_commands.add_parser(
        "rotate-key",
        help="re-encrypt stored tokens with the first FEEDBOT_SECRET_KEY",
        description="Re-encrypt every stored token with the first key of FEEDBOT_SECRET_KEY (comma-separated, "
        "newest first), after which the older keys can be removed.",
    )

    export = commands.add_parser(
        "export",
        help="print every row of a kind as CSV or JSON",
        description="Print every row of a kind as CSV or JSON. pulse-responses holds closed pulses that reached "
        "FEEDBOT_ANONYMITY_THRESHOLD answers only.",
    )
    export.add_argument("kind", choices=EXPORT_KINDS)
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--team", metavar="TEAM_ID", help="only this workspace (Slack team id or Teams tenant id)")
    export.add_argument("--output", metavar="FILE", type=Path, help="write to FILE instead of stdout")
    cli_announce.add_parsers(commands)
    cli_pulse.add_parsers(commands)
    cli_digest.add_parsers(commands)
    cli_privacy.add_parsers(commands)
    cli_webhooks.add_parsers(commands)
    cli_trackers.add_parsers(commands)
    cli_teams.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        return _run(args, settings)
    except SettingsError as error:
        print(f"feedbot: {error}", file=sys.stderr)
        return 2
    except DatabaseDriverMissing as error:
        print(f"feedbot: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "connection failed"
        print(f"feedbot: cannot use the database in DATABASE_URL: {reason}", file=sys.stderr)
        return 1
    except (CommandFailed, cli_support.CommandFailed) as error:
        print(f"feedbot: {error}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db":
        upgrade_to_head(settings.database_url)
        if args.db_command == "rotate-key":
            return _rotate_key(settings)
        print("database is at the newest schema")
        return 0
    if args.command == "serve":
        logging.getLogger().setLevel(logging.INFO)
        require_slack_credentials(settings, socket_mode=args.socket_mode)
        if args.socket_mode:
            from handlers.slack.socket_mode import check_app_token

            # Before the database is touched: a token Slack refuses stops start-up like a missing setting does.
            asyncio.run(check_app_token(settings))
        upgrade_to_head(settings.database_url)
        from bot.serve import serve

        serve(settings, host=args.host, port=args.port, socket_mode=args.socket_mode)
        return 0
    if args.command == "teams":
        return cli_teams.run(args, settings)
    # Every other command works on the database: bring it to the newest schema first.
    commands: dict[str, Callable[[], int]] = {
        "shell": lambda: _shell(settings),
        "export": lambda: _export(settings, args.kind, args.format, args.team, args.output),
        "purge": lambda: cli_privacy.run(args, settings),
        "digest": lambda: cli_digest.run(args, settings),
        "pulse": lambda: cli_pulse.run(args, settings),
        "webhooks": lambda: cli_webhooks.run(args, settings),
        "tracker": lambda: cli_trackers.run(args, settings),
        "stakeholders": lambda: cli_announce.run(args, settings),
        "release": lambda: cli_announce.run(args, settings),
    }
    command = commands.get(args.command)
    if command is not None:
        upgrade_to_head(settings.database_url)
        return command()
    raise CommandFailed(f"unknown command {args.command}")


def _rotate_key(settings: Settings) -> int:
    from storage.db import open_database
    from storage.installations import TokenKeyMismatch, reencrypt_tokens

    if not settings.secret_keys:
        raise CommandFailed("FEEDBOT_SECRET_KEY is not set: there is nothing to rotate to")

    async def run() -> int:
        db = open_database(settings.database_url)
        try:
            async with db.sessions.begin() as session:
                return await reencrypt_tokens(session, settings.secret_keys)
        finally:
            await db.close()

    try:
        count = asyncio.run(run())
    except TokenKeyMismatch as problem:
        raise CommandFailed(str(problem)) from None
    print(f"re-encrypted {count} stored tokens with the first key of FEEDBOT_SECRET_KEY: the others can go now")
    return 0


def _shell(settings: Settings) -> int:
    from bot.deps import build_deps
    from bot.shell import Shell, local_requester

    interactive = sys.stdin.isatty()

    def read_line(prompt: str) -> str | None:
        try:
            return input(prompt) if interactive else _read_piped_line()
        except EOFError:
            return None

    with asyncio.Runner() as runner:
        deps = build_deps(settings)
        try:
            return Shell(deps, local_requester(), read_line, print).run(runner)
        finally:
            runner.run(deps.db.close())


def _read_piped_line() -> str | None:
    line = sys.stdin.readline()
    return line.rstrip("\n") if line else None


def _export(settings: Settings, kind: str, fmt: str, team: str | None, output: Path | None = None) -> int:
    if output is not None:
        return _export_to_file(settings, kind, fmt, team, output)
    from storage.db import open_database

    # RFC 4180 wants CRLF row ends: the csv module writes them, so the stream must not translate newlines.
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)

    async def run() -> int:
        db = open_database(settings.database_url)
        try:
            return await write_export(db, kind, fmt, out, team, anonymity_threshold=settings.anonymity_threshold)
        finally:
            await db.close()

    try:
        count = asyncio.run(run())
        out.flush()
    finally:
        out.detach()
    print(f"exported {count} {kind} rows{_export_scope(kind, settings)}", file=sys.stderr)
    return 0


def _export_scope(kind: str, settings: Settings) -> str:
    if kind != "pulse-responses":
        return ""
    return f" (closed pulses with at least {settings.anonymity_threshold} answers only; running ones are left out)"


def _export_to_file(settings: Settings, kind: str, fmt: str, team: str | None, output: Path) -> int:
    """FILE is either the whole export or untouched, and only its owner can read it (cli_support.replacing)."""
    from storage.db import open_database

    async def run(out: IO[str]) -> int:
        db = open_database(settings.database_url)
        try:
            return await write_export(db, kind, fmt, out, team, anonymity_threshold=settings.anonymity_threshold)
        finally:
            await db.close()

    try:
        with cli_support.replacing(output, "w", encoding="utf-8", newline="") as out:
            count = asyncio.run(run(out))
    except OSError as error:
        raise CommandFailed(f"cannot write {output}: {error.strerror}") from None
    print(f"exported {count} {kind} rows to {output}{_export_scope(kind, settings)}", file=sys.stderr)
    return 0
