"""Pulses that start elsewhere: recurring ones across a restart, and ones created by the CLI."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from bot.desks.pulses import PulseDesk
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from storage.models import Pulse, PulseSchedule
from tests.conftest import ADMIN_USER
from tests.e2e.test_pulses import HUMANS, directory
from tests.e2e.test_release_delivery import _cli
from tests.fakes.slack_api import FakeSlack
from tests.support import RunningServer, running_server

ADMIN = Requester("slack", "T0001", ADMIN_USER, is_admin=True)


async def test_a_recurring_pulse_survives_a_restart_and_fires_once(settings: Settings, fake_slack: FakeSlack) -> None:
    directory(fake_slack)
    first_run = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
    async with running_server(settings) as first:
        reply = await PulseDesk(first.deps).recurring(
            ADMIN, channel_id="CPULSE01", question=None, every_days=30, cron=None, first_run=first_run
        )
        assert reply.kind == "ok", reply
        await asyncio.sleep(1)
    assert fake_slack.delivered() == []

    async with running_server(settings) as second:
        await fake_slack.wait_delivered(len(HUMANS), timeout=20)
        await asyncio.sleep(3)  # more scheduler rounds: no second pulse, nobody asked twice
        counts = Counter(call["channel"] for call in fake_slack.delivered())
        assert counts == Counter(dict.fromkeys(HUMANS, 1))
        (pulse,) = await second.rows(Pulse)
        (schedule,) = await second.rows(PulseSchedule)
        assert (pulse.schedule_id, pulse.run_at, pulse.status) == (schedule.id, first_run, "open")
        assert schedule.next_run_at == first_run + timedelta(days=30)
        assert "recommend our product" in pulse.question


async def test_a_pulse_started_from_the_cli_is_asked_by_the_running_server(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    directory(fake_slack)
    result = await asyncio.to_thread(
        _cli,
        database_url,
        "pulse",
        "start",
        "--channel",
        "CPULSE01",
        "--question",
        "Would you recommend it?",
        "--team",
        "T0001",
    )
    assert result.returncode == 0, result.stderr
    assert "PULSE-1 created" in result.stdout

    delivered = await fake_slack.wait_delivered(len(HUMANS), timeout=15)
    assert sorted(call["channel"] for call in delivered) == sorted(HUMANS)
    assert "Would you recommend it?" in delivered[0]["text"]


async def test_one_reminder_reaches_only_those_who_did_not_answer_then_the_pulse_closes(
    settings: Settings, fake_slack: FakeSlack
) -> None:
    from tests.e2e.test_pulses import click

    directory(fake_slack)
    short = settings.model_copy(update={"pulse_days": 10 / 86400})  # closes after 10 s, reminds after 5 s
    async with running_server(short) as server:
        await PulseDesk(server.deps).start(ADMIN, "CPULSE01", None)
        dms = {call["channel"]: call for call in await fake_slack.wait_delivered(len(HUMANS))}
        for user in HUMANS[:2]:
            await click(server, fake_slack, dms[user], 7)

        reminders = await fake_slack.wait_delivered(len(HUMANS) * 2 - 2, timeout=20)
        reminded = sorted(call["channel"] for call in reminders[len(HUMANS) :])
        assert reminded == sorted(HUMANS[2:])
        assert "A reminder" in reminders[-1]["text"]

        async with asyncio.timeout(20):
            while (await server.rows(Pulse))[0].status != "closed":
                await asyncio.sleep(0.5)
        await asyncio.sleep(2)
        assert len(fake_slack.delivered()) == len(HUMANS) * 2 - 2  # one reminder, never two
