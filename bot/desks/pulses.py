"""Pulse use cases shared by Slack, the CLI and the shell: one transaction each, answers as replies."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.deps import Deps
from bot.desks.pulse_campaigns import launch
from bot.domain.demo import is_demo
from bot.domain.ids import pulse_label
from bot.domain.platforms import TEAMS, is_teams_id
from bot.domain.replies import Reply, channel_mention, verbatim
from bot.domain.requester import Requester
from bot.domain.validation import InvalidSubmission
from bot.services import pulses
from bot.services.admin import NotAllowed
from storage import directory
from storage import pulses as pulse_store
from storage import teams as teams_store
from storage.models import Pulse


class PulseDesk:
    def __init__(self, deps: Deps) -> None:
        self._deps = deps

    async def _run(self, work: Callable[[AsyncSession], Awaitable[Reply]]) -> Reply:
        try:
            async with self._deps.db.sessions.begin() as session:
                return await work(session)
        except NotAllowed as refusal:
            return refusal.reply
        except InvalidSubmission as invalid:
            return Reply.invalid(" ".join(invalid.errors.values()))

    async def command(self, requester: Requester, text: str) -> Reply:
        try:
            command = pulses.parse_command(text)
        except ValueError as problem:
            return Reply.invalid(str(problem))
        if isinstance(command, pulses.PulseAnswer):
            return await self.answer_latest(requester, command.score, command.comment)
        if command.action == "start":
            return await self.start(requester, command.channel_id, command.question)
        if command.action == "close":
            return await self.close(requester, command.pulse_id)
        return await self.results(requester, command.pulse_id, command.by)

    async def close(self, requester: Requester, pulse_id: int | None) -> Reply:
        """Close a pulse (None: the latest open one)."""
        on_closed = self._deps.webhooks.pulse_closed
        zone = self._deps.settings.zone
        return await self._run(lambda session: pulses.close(session, requester, pulse_id, on_closed, zone))

    async def answer_latest(self, requester: Requester, score: int, comment: str | None) -> Reply:
        """Typed answers (the shell, or anyone who prefers typing to buttons) go to the newest open pulse."""
        try:
            async with self._deps.db.sessions() as session:
                pulse = await pulses.latest_open(session, requester)
        except InvalidSubmission as invalid:
            return Reply.invalid(" ".join(invalid.errors.values()))
        reply, _ = await self.answer(requester, pulse.id, score)
        if comment and reply.kind == "ok":
            commented = await self.comment(requester, pulse.id, comment)
            return Reply.ok(f"{reply.text} {commented.text}")
        return reply

    async def simulate(self, requester: Requester, count: str) -> Reply:
        """`/pulse simulate N` in the demo company: N made-up answers, so results and thresholds can be seen."""

        async def work(session: AsyncSession) -> Reply:
            people = len(await directory.entries(session, requester.team_id, "user"))
            return await pulses.simulate(session, requester, count, people, random.Random())

        return await self._run(work)

    async def start_local(self, requester: Requester, question: str | None) -> Reply:
        """The shell's pulse, asked right here: its audience is the person at the keyboard, or in the demo
        company its people (who answer through /as NAME, or /pulse simulate)."""
        opened: list[Pulse] = []

        async def work(session: AsyncSession) -> Reply:
            pulse = await pulses.create(session, requester, self._deps.settings, channel_id=None, question=question)
            people = (
                len(await directory.entries(session, requester.team_id, "user")) if is_demo(requester.team_id) else 0
            )
            await pulse_store.transition(session, pulse.id, ("launching",), status="open", audience_size=max(people, 1))
            opened.append(pulse)
            return Reply.ok("")

        reply = await self._run(work)
        if not opened:
            return reply
        pulse = opened[0]
        others = (
            ["Answer as someone else with /as NAME, or add made-up answers with /pulse simulate 20."]
            if is_demo(requester.team_id)
            else []
        )
        return Reply.info(
            f"*{pulse_label(pulse.id)}*: {verbatim(pulse.question)}",
            "Answer with /pulse answer 0-10 [comment]; /pulse results shows how many answered, and the eNPS "
            f"after /pulse close if {self._deps.settings.anonymity_threshold} people answered.",
            *others,
        )

    async def start(
        self, requester: Requester, channel_id: str | None, question: str | None, channel_name: str | None = None
    ) -> Reply:
        """`channel_name`: what the platform calls the channel, where its id alone says nothing (Teams)."""
        created: list[Pulse] = []

        async def work(session: AsyncSession) -> Reply:
            if channel_id and requester.platform == TEAMS and is_teams_id(channel_id):
                refused = await self._not_in_tenant(session, requester, channel_id)
                if refused is not None:
                    return refused
            created.append(
                await pulses.create(session, requester, self._deps.settings, channel_id=channel_id, question=question)
            )
            return Reply.ok("")

        reply = await self._run(work)
        if not created:
            return reply
        pulse = created[0]
        self._deps.background.spawn(self._launch(pulse.id), name="pulse:launch")
        audience = "everyone in the workspace"
        if channel_id and is_teams_id(channel_id):
            audience = (
                f"the people of {verbatim(channel_name)}"
                if channel_name
                else f"the people of Teams channel `{channel_id}`"
            )
        elif channel_id:
            audience = f"the people in {channel_mention(channel_id)}"
        return Reply.ok(
            f"*{pulse_label(pulse.id)}* is on its way to {audience}: “{verbatim(pulse.question)}”. "
            f"`/pulse results {pulse.id}` shows how many answered; scores show after it closes, if "
            f"{self._deps.settings.anonymity_threshold} people answered.",
            item_id=pulse_label(pulse.id),
        )

    @staticmethod
    async def _not_in_tenant(session: AsyncSession, requester: Requester, channel_id: str) -> Reply | None:
        """A Teams pulse asks a conversation of the admin's own tenant that the bot is in (it reads the roster
        through it): a conversation of another tenant, or one the bot was never added to, is refused."""
        conversation = await teams_store.find(session, channel_id)
        if conversation is not None and conversation.kind == "channel" and conversation.tenant_id == requester.team_id:
            return None
        return Reply.invalid(
            f"I am not in the conversation {verbatim(channel_id)} of your organisation, so I cannot ask its people. "
            "Add me to its team (or chat), then type *pulse start* there."
        )

    async def _launch(self, pulse_id: int) -> None:
        await launch(self._deps.db, pulse_id, self._deps.directory, self._deps.settings.anonymity_threshold)
        self._deps.nudge_scheduler()

    async def created_elsewhere(self, requester: Requester, channel_id: str | None, question: str | None) -> Reply:
        """From the CLI: the running server resolves the audience and asks within seconds."""

        async def work(session: AsyncSession) -> Reply:
            pulse = await pulses.create(
                session,
                requester,
                self._deps.settings,
                channel_id=channel_id,
                question=question,
                launching_here=False,
            )
            return Reply.ok(f"*{pulse_label(pulse.id)}* created: a running `feedbot serve` asks the audience now.")

        return await self._run(work)

    async def recurring(
        self,
        requester: Requester,
        *,
        channel_id: str | None,
        question: str | None,
        every_days: int | None,
        cron: str | None,
        first_run: datetime,
    ) -> Reply:
        return await self._run(
            lambda session: pulses.add_schedule(
                session,
                requester,
                self._deps.settings,
                channel_id=channel_id,
                question=question,
                every_days=every_days,
                cron=cron,
                first_run=first_run,
            )
        )

    async def results(self, requester: Requester, pulse_id: int | None, by: str | None = None) -> Reply:
        settings = self._deps.settings
        threshold, zone = settings.anonymity_threshold, settings.zone
        return await self._run(lambda session: pulses.results(session, requester, pulse_id, threshold, by, zone))

    async def look(
        self, requester: Requester, pulse_id: int | None, by: str | None = None
    ) -> pulses.Progress | pulses.Results | Reply:
        """What `results` shows, as data (for `feedbot pulse results --format json`)."""
        settings = self._deps.settings
        try:
            # A transaction that commits: the first breakdown asked for is the pulse's for good.
            async with self._deps.db.sessions.begin() as session:
                return await pulses.look(session, requester, pulse_id, settings.anonymity_threshold, by, settings.zone)
        except InvalidSubmission as invalid:
            return Reply.invalid(" ".join(invalid.errors.values()))

    async def answer(self, requester: Requester, pulse_id: int, score: int) -> tuple[Reply, Pulse | None]:
        async with self._deps.db.sessions.begin() as session:
            reply = await pulses.answer(session, pulse_id, requester, score, self._deps.settings.pseudonym_key)
            pulse = await pulse_store.get(session, pulse_id, requester.team_id)
        return reply, pulse

    async def comment(self, requester: Requester, pulse_id: int, text: str) -> Reply:
        return await self._run(lambda session: pulses.comment(session, pulse_id, requester, text))
