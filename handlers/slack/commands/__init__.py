"""The slash commands: one Bolt listener per Slack command of the table in bot/commands.py."""

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.commands import SLACK, commands_on
from handlers.slack.commands.bug import bug_command_callback
from handlers.slack.commands.digest import digest_command_callback
from handlers.slack.commands.feedback import feedback_command_callback
from handlers.slack.commands.kpi import kpi_command_callback
from handlers.slack.commands.pulse import pulse_command_callback
from handlers.slack.commands.release import release_command_callback
from handlers.slack.commands.stakeholders import stakeholders_command_callback

LISTENERS: dict[str, Callable[..., Awaitable[Any]]] = {
    "feedback": feedback_command_callback,
    "bug": bug_command_callback,
    "stakeholders": stakeholders_command_callback,
    "release": release_command_callback,
    "pulse": pulse_command_callback,
    "digest": digest_command_callback,
    "kpi": kpi_command_callback,
}


def register(app: AsyncApp) -> None:
    # A Slack command of the table without a listener fails here, at start-up (and in tests/test_manifest.py).
    for command in commands_on(SLACK):
        app.command(f"/{command.name}")(LISTENERS[command.name])
