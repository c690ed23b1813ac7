"""`feedbot shell`: try the bot in this terminal, no Slack needed (the console itself is bot/shell.py).

It acts in the demo company when `feedbot demo` has filled the database, else in the `local` workspace; its
scheduler and outbox deliver those two workspaces' messages here (or to --outbox-log) and nobody else's."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path

from bot.cli.resources import Resources, add_outbox_log
from bot.domain.console import CONSOLE_TEAMS
from bot.domain.demo import DEMO_TEAM, is_product_manager
from bot.domain.settings import Settings
from bot.runtime import Runtime
from bot.shell import Persona, Shell, demo_persona, local_persona
from comms.console_sender import ConsoleSender, console_writer
from storage import directory
from storage.db import folder_of
from storage.migrate import upgrade_to_head

RUNTIME_STOP_SECONDS = 5.0


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    shell = commands.add_parser("shell", help="try the bot in this terminal, no Slack needed")
    add_outbox_log(shell)
    shell.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    interactive = sys.stdin.isatty()

    def read_line(prompt: str) -> str | None:
        try:
            return input(prompt) if interactive else _read_piped_line(prompt)
        except EOFError:
            return None

    upgrade_to_head(settings.database_url)
    try:
        return asyncio.run(_session(settings, read_line, args.outbox_log))
    except KeyboardInterrupt:
        # Ctrl-C: what is queued stays in the outbox for the next shell or server; the usual status for SIGINT.
        print()
        return 130


async def _session(settings: Settings, read_line: Callable[[str], str | None], outbox_log: Path | None) -> int:
    resources = Resources(settings)
    deps = resources.deps
    files = folder_of(settings.database_url)
    runtime = Runtime(deps, ConsoleSender(deps.db, console_writer(outbox_log), files), teams=CONSOLE_TEAMS)
    try:
        persona = await _first_persona(resources)
        runtime.start()
        return await Shell(deps, persona, read_line, _say, files).run()
    finally:
        await runtime.stop(RUNTIME_STOP_SECONDS)
        await deps.background.drain(RUNTIME_STOP_SECONDS)
        await resources.close()


async def _first_persona(resources: Resources) -> Persona:
    """A product manager of the demo company when there is one, else the person at the keyboard."""
    async with resources.db.sessions() as session:
        people = await directory.entries(session, DEMO_TEAM, "user")
    managers = [entry for entry in people if is_product_manager(entry)]
    return demo_persona(managers[0], is_admin=True) if managers else local_persona()


def _say(text: str) -> None:
    print(text, flush=True)


def _read_piped_line(prompt: str) -> str | None:
    line = sys.stdin.readline()
    if not line:
        return None
    # Echoed after its prompt, so what a piped session prints reads like the conversation it was.
    print(f"{prompt}{line.rstrip(chr(10))}", flush=True)
    return line.rstrip("\n")
