"""`feedbot shell`: the bot in a terminal. Same services and confirmations as Slack, no Slack needed.

Reads line by line, so a pipe works as well as a person typing.
"""

from __future__ import annotations

import asyncio
import getpass
import uuid
from collections.abc import Callable

from bot.commands import help_reply, parse_command_line, unknown_command_reply
from bot.deps import Deps
from bot.desks.intake import IntakeDesk
from bot.desks.pulses import PulseDesk
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.vocabulary import CATEGORIES, SEVERITIES
from bot.services.bugs import BugDraft
from bot.services.feedback import FeedbackDraft
from comms.render.text import home_text, reply_text

ReadLine = Callable[[str], str | None]  # prompt → the line, or None at end of input
Write = Callable[[str], None]

LOCAL_TEAM = "local"
CANCELLED = Reply.info("Cancelled: nothing was saved.")


def local_requester() -> Requester:
    # The person at the console owns the install, so they get the admin commands too.
    return Requester(platform="local", team_id=LOCAL_TEAM, user_id=f"local:{getpass.getuser()}", is_admin=True)


class _EndOfInput(Exception):
    pass


class Shell:
    def __init__(self, deps: Deps, requester: Requester, read_line: ReadLine, write: Write) -> None:
        self._intake = IntakeDesk(deps)
        self._pulses = PulseDesk(deps)
        self._requester = requester
        self._read_line = read_line
        self._write = write

    def run(self, runner: asyncio.Runner) -> int:
        self._write("feedbot shell: type /help for the commands, exit or Ctrl-D to leave.")
        while True:
            line = self._read_line("feedbot> ")
            if line is None or line.strip().lower() in {"exit", "quit", "/exit"}:
                return 0
            command = parse_command_line(line)
            if command is None:
                continue
            try:
                self._write(self._handle(runner, command.name, command.argument))
            except _EndOfInput:
                self._write(reply_text(CANCELLED))
                return 0

    def _handle(self, runner: asyncio.Runner, name: str, argument: str) -> str:
        # Prompts are answered first, outside the event loop; only the storing runs on it.
        if name == "help":
            return reply_text(help_reply())
        if name == "feedback":
            draft = self._feedback_draft(argument)
            outcome = runner.run(self._intake.feedback(self._requester, draft, source_key=_source_key()))
            return reply_text(outcome.reply)
        if name == "bug":
            bug = self._bug_draft(argument)
            outcome = runner.run(self._intake.bug(self._requester, bug, source_key=_source_key()))
            return reply_text(outcome.reply)
        if name == "home":
            return home_text(runner.run(self._intake.home(self._requester)))
        if name == "pulse":
            return reply_text(runner.run(self._pulse(argument)))
        return reply_text(unknown_command_reply(name))

    def _ask(self, prompt: str) -> str:
        answer = self._read_line(prompt)
        if answer is None:
            raise _EndOfInput
        return answer.strip()

    def _ask_choice(self, prompt: str, choices: tuple[str, ...], *, optional: bool) -> str | None:
        while True:
            answer = self._ask(f"{prompt} [{'/'.join(choices)}]{' (optional)' if optional else ''}: ").lower()
            if answer in choices or (optional and not answer):
                return answer or None
            self._write(f"Please answer one of: {', '.join(choices)}.")

    def _feedback_draft(self, text: str) -> FeedbackDraft:
        if text:
            return FeedbackDraft(text=text)
        return FeedbackDraft(
            text=self._ask("What would you like to tell us? "),
            category=self._ask_choice("Kind of feedback", CATEGORIES, optional=True),
            product=self._ask("Product or area (optional): "),
            anonymous=self._ask("Share anonymously? [y/N]: ").lower() in {"y", "yes"},
        )

    def _bug_draft(self, title: str) -> BugDraft:
        return BugDraft(
            title=title or self._ask("Title: "),
            what_happened=self._ask("What happened? "),
            expected=self._ask("What did you expect? (optional): "),
            severity=self._ask_choice("Severity", SEVERITIES, optional=False),
            product=self._ask("Product or area (optional): "),
        )

    async def _pulse(self, argument: str) -> Reply:
        words = argument.split(maxsplit=1)
        if words and words[0].lower() == "start":
            return await self._pulses.start_local(self._requester, words[1] if len(words) > 1 else None)
        return await self._pulses.command(self._requester, argument)


def _source_key() -> str:
    return f"shell:{uuid.uuid4()}"
