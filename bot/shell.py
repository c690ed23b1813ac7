"""`feedbot shell`: the bot in a terminal. Same services and confirmations as Slack, no Slack needed.

Reads line by line, so a pipe works as well as a person typing.
"""

from __future__ import annotations

import asyncio
import getpass
import uuid
from collections.abc import Callable

from bot.commands import SHELL, CommandLine, parse_command_line, run_command
from bot.deps import Deps
from bot.desks import Desks
from bot.domain.answers import Answer, Form
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
        self._desks = Desks(deps)
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
                self._write(self._handle(runner, command))
            except _EndOfInput:
                self._write(reply_text(CANCELLED))
                return 0

    def _handle(self, runner: asyncio.Runner, line: CommandLine) -> str:
        answer = runner.run(run_command(self._desks, self._requester, line, SHELL, _source_key()))
        if answer.form is not None:
            # Questions are asked first, outside the event loop; only the storing runs on it.
            answer = runner.run(self._submit(self._filled(answer.form)))
        return "\n".join(self._shown(answer))

    def _filled(self, form: Form) -> FeedbackDraft | BugDraft:
        if form.kind == "feedback":
            return self._feedback_draft()
        return self._bug_draft(form.values.get("title", ""))

    async def _submit(self, draft: FeedbackDraft | BugDraft) -> Answer:
        intake = self._desks.intake
        if isinstance(draft, FeedbackDraft):
            return Answer(reply=(await intake.feedback(self._requester, draft, source_key=_source_key())).reply)
        return Answer(reply=(await intake.bug(self._requester, draft, source_key=_source_key())).reply)

    @staticmethod
    def _shown(answer: Answer) -> list[str]:
        shown = [reply_text(answer.reply)] if answer.reply is not None else []
        return shown + ([home_text(answer.home)] if answer.home is not None else [])

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

    def _feedback_draft(self) -> FeedbackDraft:
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


def _source_key() -> str:
    return f"shell:{uuid.uuid4()}"
