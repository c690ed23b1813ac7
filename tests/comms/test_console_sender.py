"""The console sender and the routing in front of each platform sender: the terminal's workspaces print, every
other workspace goes to its platform, and nothing crosses over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from comms.console_sender import KEPT_LOCAL, ConsoleRouting, ConsoleSender, KeptLocal, console_writer
from comms.senders import Permanent, RateLimited, SendResult, Sent, Transient
from comms.webhooks import queue_event
from storage import directory
from storage.db import Database, open_database
from storage.migrate import upgrade_to_head
from storage.models import Delivery

PNG = b"\x89PNG\r\n\x1a\nrest"


class RecordingSender:
    """Stands in for Slack's sender: what reached the platform."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []
        self.uploads: list[str] = []

    async def send(self, team_id: str, recipient_id: str, message: dict[str, Any]) -> SendResult:
        self.sent.append((team_id, recipient_id))
        return Sent("C1", "1.0")

    async def permalink(self, team_id: str, channel: str, ts: str) -> str | None:
        return "https://example.slack.com/archives/C1/p1"

    async def timezone(self, team_id: str, user_id: str) -> str | RateLimited | Transient | None:
        return "America/New_York"

    async def upload(
        self, team_id: str, channel: str, thread_ts: str | None, content: bytes, filename: str, title: str
    ) -> bool:
        self.uploads.append(team_id)
        return True


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    upgrade_to_head(database_url)
    database = open_database(database_url)
    async with database.sessions.begin() as session:
        await directory.save(
            session,
            [
                {
                    "platform": "slack",
                    "team_id": "demo",
                    "target_id": "UDEMO001",
                    "kind": "user",
                    "name": "Ada Obi",
                    "timezone": "Asia/Kolkata",
                },
                {"platform": "slack", "team_id": "demo", "target_id": "CDEMO1", "kind": "channel", "name": "ops"},
            ],
        )
    yield database
    await database.close()


async def test_the_terminals_workspaces_print_and_real_ones_reach_their_platform(db: Database, tmp_path: Path) -> None:
    printed: list[str] = []
    platform = RecordingSender()
    routed = ConsoleRouting(platform, ConsoleSender(db, printed.append, tmp_path))
    message = {
        "text": "fallback",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi <@UDEMO001>"}}],
    }

    to_demo = await routed.send("demo", "UDEMO001", message)
    to_channel = await routed.send("demo", "CDEMO1", message)
    to_real = await routed.send("T0REAL", "U0REAL", message)

    assert platform.sent == [("T0REAL", "U0REAL")]
    assert isinstance(to_demo, Sent) and isinstance(to_channel, Sent) and to_demo.ts != to_channel.ts
    assert isinstance(to_real, Sent) and to_real.channel == "C1"
    assert "── to @Ada Obi · " in printed[0] and " IST " in printed[0] and "Hi @Ada Obi" in printed[0]
    assert "── to #ops · " in printed[1]
    assert await routed.timezone("demo", "UDEMO001") == "Asia/Kolkata"
    assert await routed.timezone("demo", "UNOBODY") is None
    assert await routed.timezone("T0REAL", "U0REAL") == "America/New_York"
    assert await routed.permalink("demo", "CDEMO1", "1.0") is None


async def test_a_shared_file_is_saved_under_a_new_name_each_time(db: Database, tmp_path: Path) -> None:
    printed: list[str] = []
    platform = RecordingSender()
    routed = ConsoleRouting(platform, ConsoleSender(db, printed.append, tmp_path))

    assert await routed.upload("local", "U1", None, PNG, "../../chart.png", "The chart")
    assert await routed.upload("local", "U2", None, PNG, "chart.png", "The chart")
    assert await routed.upload("T0REAL", "C1", "1.0", PNG, "chart.png", "The chart")

    saved = sorted(await asyncio.to_thread(lambda: list(tmp_path.glob("local-*-chart.png"))))
    assert len(saved) == 2 and all(path.read_bytes() == PNG for path in saved)
    assert platform.uploads == ["T0REAL"] and len(printed) == 2


def test_the_outbox_log_gets_every_message_appended(tmp_path: Path) -> None:
    log = tmp_path / "deliveries.log"
    write = console_writer(log)
    write("first")
    write("second")
    assert log.read_text(encoding="utf-8") == "first\nsecond\n"


async def test_trackers_and_webhooks_never_get_the_terminals_workspaces(db: Database) -> None:
    """Made-up demo data must not reach a real webhook receiver or issue tracker: nothing is queued for them, and a
    row that exists all the same fails on this machine."""
    async with db.sessions.begin() as session:
        assert not await queue_event(session, "feedback.created", "demo", "FB-1", {"text": "made up"})
        assert not await queue_event(session, "pulse.closed", "local", "PULSE-1", {})
        assert await queue_event(session, "feedback.created", "T0REAL", "FB-2", {"text": "real"})
    async with db.sessions() as session:
        teams = list((await session.execute(select(Delivery.team_id))).scalars())
    assert teams == ["T0REAL"]

    outside = RecordingSender()
    kept = KeptLocal(outside)
    assert await kept.send("demo", "FB-1", {"type": "feedback.created"}) == Permanent(KEPT_LOCAL)
    assert await kept.upload("local", "C1", None, PNG, "chart.png", "The chart") is False
    assert isinstance(await kept.send("T0REAL", "FB-2", {"type": "feedback.created"}), Sent)
    assert outside.sent == [("T0REAL", "FB-2")]


async def test_names_cannot_reorder_the_heading_with_bidi_controls(db: Database, tmp_path: Path) -> None:
    async with db.sessions.begin() as session:
        await directory.save(
            session,
            [
                {
                    "platform": "slack",
                    "team_id": "demo",
                    "target_id": "UDEMO002",
                    "kind": "user",
                    "name": "Eve\u202e nimdA\x1b[2J",
                }
            ],
        )
    printed: list[str] = []
    await ConsoleSender(db, printed.append, tmp_path).send("demo", "UDEMO002", {"text": "hi <@UDEMO002>"})
    assert "── to @Eve nimdA[2J · " in printed[0] and "hi @Eve nimdA[2J" in printed[0]
    assert "\u202e" not in printed[0] and "\x1b" not in printed[0]
