"""`feedbot shell`: the bot in a terminal. Same services and confirmations as Slack, no Slack needed.

Reads line by line, so a pipe works as well as a person typing. While it waits for the next line, the scheduler
and the outbox run (bot/runtime.py, for the terminal's workspaces only): a release due in a minute arrives here a
minute later, tier by tier, as each recipient reads it.

In the `demo` workspace you are one of the demo company's people (`/whoami`), and `/as NAME` makes you another:
an employee giving feedback, a product manager releasing, a lion acknowledging.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import getpass
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from bot.commands import SHELL, CommandLine, parse_command_line, run_command
from bot.deps import Deps
from bot.desks import Desks
from bot.desks.intake import STORAGE_UNAVAILABLE
from bot.domain.answers import Answer, Form
from bot.domain.console import LOCAL_PLATFORM, LOCAL_TEAM
from bot.domain.demo import DEMO_PLATFORM, DEMO_TEAM, is_product_manager
from bot.domain.ids import release_label
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.vocabulary import CATEGORIES, SEVERITIES, TIERS
from bot.services import names
from bot.services.bugs import BugDraft
from bot.services.feedback import FeedbackDraft
from bot.services.releases import ReleaseDraft
from comms.console_sender import saved_file
from comms.render.console import note_text
from comms.render.text import home_text, reply_text
from storage import directory
from storage import stakeholders as stakeholder_store
from storage.models import DirectoryEntry, Release

log = logging.getLogger("feedbot.shell")

ReadLine = Callable[[str], str | None]  # prompt → the line, or None at end of input
Write = Callable[[str], None]

CANCELLED = Reply.info("Cancelled: nothing was saved.")
MAX_WAIT_SECONDS = 600
PROMPT = "feedbot> "
# Release fields the form asks for, in order: (field, prompt, required).
RELEASE_QUESTIONS: tuple[tuple[str, str, bool], ...] = (
    ("title", "Title: ", True),
    ("version", "Version (optional): ", False),
    ("summary", "Summary, what every tier without its own text gets: ", True),
    ("deer_text", "Deer: what changes in their daily work (optional, else the summary): ", False),
    ("details", "Elephants: the details (optional): ", False),
    ("exec_summary", "Lions: a few lines on impact and decisions (optional, else the summary): ", False),
    ("affected", "Who is affected (optional): ", False),
    ("send_at", "When? now, in 10 minutes, or a date and time like 2026-12-02 09:00 [now]: ", False),
    ("linked", "Feedback and bugs it ships, like FB-3 BUG-2 (optional): ", False),
)


@dataclass(frozen=True)
class Persona:
    """Who the person at the keyboard is acting as."""

    requester: Requester
    name: str
    about: str = ""  # title and department, for /whoami


def local_persona() -> Persona:
    # The person at the console owns the install, so they get the admin commands too.
    user = getpass.getuser()
    return Persona(Requester(LOCAL_PLATFORM, LOCAL_TEAM, f"local:{user}", is_admin=True), user)


def demo_persona(entry: DirectoryEntry, is_admin: bool) -> Persona:
    about = ", ".join(part for part in (entry.title, entry.department) if part)
    return Persona(Requester(DEMO_PLATFORM, DEMO_TEAM, entry.target_id, is_admin=is_admin), entry.name, about)


class _EndOfInput(Exception):
    def __init__(self, *, told: bool = False) -> None:
        super().__init__()
        self.told = told  # the person was already told what became of what they were doing


class Shell:
    def __init__(
        self,
        deps: Deps,
        persona: Persona,
        read_line: ReadLine,
        write: Write,
        files: Path,
    ) -> None:
        """`files` is where pictures (the digest's chart) are saved."""
        self._deps = deps
        self._desks = Desks(deps)
        self._persona = persona
        self._read_line = read_line
        self._write = write
        self._files = files

    @property
    def _requester(self) -> Requester:
        return self._persona.requester

    async def run(self) -> int:
        self._write("feedbot shell: type /help for the commands, exit or Ctrl-D to leave.")
        await self._handle(CommandLine("whoami", ""))
        while True:
            line = await self._read(PROMPT)
            if line is None or line.strip().lower() in {"exit", "quit", "/exit"}:
                return 0
            command = parse_command_line(line)
            if command is None:
                continue
            try:
                await self._handle(command)
            except _EndOfInput as ended:
                if not ended.told:
                    self._write(reply_text(CANCELLED))
                return 0

    async def _handle(self, line: CommandLine) -> None:
        try:
            await self._answer(line)
        except DBAPIError:
            # The database may come back: the shell says so and waits for the next line.
            self._write(reply_text(STORAGE_UNAVAILABLE))
        except _EndOfInput:
            raise
        except Exception as problem:  # one command's failure is not the session's: say so and read on
            log.error("/%s failed: %s", line.name, type(problem).__name__)
            self._write(reply_text(Reply.failed(f"/{line.name} did not work ({type(problem).__name__}).")))

    async def _read(self, prompt: str) -> str | None:
        """Read off the event loop, so the scheduler and the outbox carry on while the shell waits for a line. A
        daemon thread rather than the loop's executor: Ctrl-C at the prompt ends the shell at once, where shutting
        an executor down would wait for the next Enter."""
        loop = asyncio.get_running_loop()
        line: asyncio.Future[str | None] = loop.create_future()

        def settle(outcome: Callable[[], None]) -> None:
            if not line.done():
                outcome()

        def hand_over(outcome: Callable[[], None]) -> None:
            with contextlib.suppress(RuntimeError):  # the loop closed while this thread waited for input
                loop.call_soon_threadsafe(settle, outcome)

        def read() -> None:
            try:
                text = self._read_line(prompt)
            except Exception as problem:  # raised where the line was awaited
                hand_over(functools.partial(line.set_exception, problem))
            else:
                hand_over(functools.partial(line.set_result, text))

        threading.Thread(target=read, name="shell-input", daemon=True).start()
        return await line

    async def _answer(self, line: CommandLine) -> None:
        if line.name == "whoami":
            self._write(await self._whoami())
            return
        if line.name == "as":
            self._write(await self._become(line.argument))
            return
        if line.name == "wait":
            self._write(await self._wait(line.argument))
            return
        named = await self._with_ids(line)
        if isinstance(named, Reply):
            self._write(await self._text(named))
            return
        answer = await run_command(self._desks, self._requester, named, SHELL, _source_key())
        if answer.form is not None:
            answer = await self._filled(answer.form)
        await self._show(answer)

    async def _show(self, answer: Answer) -> None:
        if answer.reply is not None:
            self._write(await self._text(answer.reply))
        if answer.home is not None:
            self._write(home_text(answer.home))
        if answer.note is not None:
            self._write(note_text(answer.note, await self._names()))
        if answer.attachment is not None:
            attachment = answer.attachment
            team = self._requester.team_id
            path = await asyncio.to_thread(saved_file, self._files, team, attachment.filename, attachment.content)
            self._write(f"[{attachment.title}: saved to {path}]")

    async def _text(self, reply: Reply) -> str:
        return reply_text(reply, await self._names())

    async def _names(self) -> dict[str, str]:
        async with self._deps.db.sessions() as session:
            return await directory.names(session, self._requester.team_id)

    async def _entries(self) -> list[DirectoryEntry]:
        async with self._deps.db.sessions() as session:
            return await directory.entries(session, self._requester.team_id)

    # -- who you are --------------------------------------------------------------------------------------------

    async def _whoami(self) -> str:
        persona = self._persona
        requester = persona.requester
        async with self._deps.db.sessions() as session:
            tier = await stakeholder_store.tier_of(session, requester.platform, requester.team_id, requester.user_id)
        about = f" ({persona.about})" if persona.about else ""
        may = "you may use the admin commands" if requester.is_admin else "you are not an admin"
        listed = f"; in the stakeholder map as a {tier}" if tier else ""
        other = " /as NAME acts as someone else." if requester.team_id == DEMO_TEAM else ""
        return f"You are {persona.name}{about} in the {requester.team_id} workspace: {may}{listed}.{other}"

    async def _become(self, typed: str) -> str:
        if self._requester.team_id != DEMO_TEAM:
            return reply_text(
                Reply.invalid("Only the demo company has other people: run feedbot demo, then the shell.")
            )
        if not typed.strip():
            return reply_text(Reply.invalid("Type /as and a name, like /as dana."))
        found = names.find(await self._entries(), typed.strip(), "user")
        if isinstance(found, Reply):
            return await self._text(found)
        self._persona = demo_persona(
            found, is_product_manager(found) or self._deps.settings.is_admin(found.target_id, DEMO_PLATFORM)
        )
        return await self._whoami()

    async def _wait(self, typed: str) -> str:
        seconds = typed.strip()
        if not seconds.isascii() or not seconds.isdigit() or not 0 < int(seconds) <= MAX_WAIT_SECONDS:
            return reply_text(Reply.invalid(f"Type /wait and a number of seconds, 1 to {MAX_WAIT_SECONDS}."))
        await asyncio.sleep(int(seconds))
        return reply_text(Reply.info(f"Waited {int(seconds)} s."))

    async def _with_ids(self, line: CommandLine) -> CommandLine | Reply:
        """`/stakeholders add lion @dana #leadership` → the ids the stakeholder map keeps."""
        if line.name != "stakeholders":
            return line
        entries = await self._entries()
        words = []
        for word in line.argument.split():
            if word[:1] not in {"@", "#"}:
                words.append(word)
                continue
            found = names.find(entries, word, "channel" if word.startswith("#") else "user")
            if isinstance(found, Reply):
                return found
            words.append(f"<#{found.target_id}>" if found.kind == "channel" else f"<@{found.target_id}>")
        return replace(line, argument=" ".join(words))

    # -- forms ----------------------------------------------------------------------------------------------------

    async def _filled(self, form: Form) -> Answer:
        intake = self._desks.intake
        if form.kind == "release":
            return Answer(reply=await self._release())
        if form.kind == "feedback":
            draft = await self._feedback_draft()
            return Answer(reply=(await intake.feedback(self._requester, draft, source_key=_source_key())).reply)
        bug = await self._bug_draft(form.values.get("title", ""))
        return Answer(reply=(await intake.bug(self._requester, bug, source_key=_source_key())).reply)

    async def _ask(self, prompt: str) -> str:
        answer = await self._read(prompt)
        if answer is None:
            raise _EndOfInput
        return answer.strip()

    async def _ask_choice(self, prompt: str, choices: tuple[str, ...], *, optional: bool) -> str | None:
        while True:
            answer = (await self._ask(f"{prompt} [{'/'.join(choices)}]{' (optional)' if optional else ''}: ")).lower()
            if answer in choices or (optional and not answer):
                return answer or None
            self._write(f"Please answer one of: {', '.join(choices)}.")

    async def _feedback_draft(self) -> FeedbackDraft:
        return FeedbackDraft(
            text=await self._ask("What would you like to tell us? "),
            category=await self._ask_choice("Kind of feedback", CATEGORIES, optional=True),
            product=await self._ask("Product or area (optional): "),
            anonymous=(await self._ask("Share anonymously? [y/N]: ")).lower() in {"y", "yes"},
        )

    async def _bug_draft(self, title: str) -> BugDraft:
        return BugDraft(
            title=title or await self._ask("Title: "),
            what_happened=await self._ask("What happened? "),
            expected=await self._ask("What did you expect? (optional): "),
            severity=await self._ask_choice("Severity", SEVERITIES, optional=False),
            product=await self._ask("Product or area (optional): "),
        )

    async def _release(self) -> Reply:
        """Ask for the note, show each tier's form of it with how many it reaches, and schedule it once confirmed.
        A field the services refuse is asked again, with the reason, keeping every other answer."""
        desk = self._desks.releases
        answers = {field: await self._ask(prompt) for field, prompt, _ in RELEASE_QUESTIONS}
        source_key = _source_key()
        for _ in range(3):
            drafted = await desk.draft(self._requester, _release_draft(answers), source_key)
            if drafted.release is not None:
                break
            if drafted.refusal is not None or not drafted.errors:
                return drafted.refusal or CANCELLED
            for field, prompt, _required in RELEASE_QUESTIONS:
                if field in drafted.errors:
                    self._write(reply_text(Reply.invalid(drafted.errors[field])))
                    answers[field] = await self._ask(prompt)
        else:
            return Reply.invalid("The release still has problems: nothing was saved. Type /release to start again.")
        release = drafted.release
        self._write(await self._preview(release))
        not_scheduled = Reply.info(f"{release_label(release.id)} was not scheduled: nothing will be sent.")
        try:
            confirmed = (await self._ask("Schedule it? [Y/n]: ")).lower() not in {"n", "no"}
        except _EndOfInput:
            await desk.cancel(self._requester, release.id)
            self._write(reply_text(not_scheduled))
            raise _EndOfInput(told=True) from None
        if not confirmed:
            await desk.cancel(self._requester, release.id)
            return not_scheduled
        return await desk.schedule(self._requester, release.id)

    async def _preview(self, release: Release) -> str:
        audience = await self._desks.releases.audience(release)
        notes = await self._desks.releases.notes_of(release)
        shown = await self._names()
        parts = []
        for tier in TIERS:
            count = audience.get(tier, 0)
            reach = f"{count} recipient{'s' if count != 1 else ''}" if count else "nobody in this tier yet"
            parts.append(f"── {tier} ({reach}) " + "─" * 30)
            parts.append(note_text(notes[tier], shown))
        return "\n".join(parts)


def _release_draft(answers: dict[str, str]) -> ReleaseDraft:
    return ReleaseDraft(
        title=answers["title"],
        summary=answers["summary"],
        version=answers["version"] or None,
        deer_text=answers["deer_text"] or None,
        details=answers["details"] or None,
        exec_summary=answers["exec_summary"] or None,
        affected=answers["affected"] or None,
        linked=answers["linked"].replace(",", " ").split(),
        send_at=answers["send_at"] or "now",
    )


def _source_key() -> str:
    return f"shell:{uuid.uuid4()}"
