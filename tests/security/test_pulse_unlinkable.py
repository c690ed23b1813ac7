"""Issue 15, hole 3: answers could be linked to people from the database. Answers were keyed by
HMAC(key, pulse, person) with one long-lived key: FEEDBOT_SECRET_KEY, or a key generated into the database beside
the outbox's list of the people asked, so recomputing the HMAC for each of them named every answer. Now each pulse
has its own random salt, erased when it closes: afterwards nothing in the database, nor the operator's key, links
an answer to a person. And an anonymous Teams item neither touches the person's rows nor keeps its exact time."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import string
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import inspect, text, update

from storage.models import Feedback, Pulse, TeamsConversation, utcnow
from tests.adaptive_cards import submit_data
from tests.conftest import ADMIN_USER
from tests.e2e.teams_steps import install_for, send
from tests.e2e.test_pulses import HUMANS, click, start_pulse
from tests.fakes.bot_connector import PERSONAL_CONVERSATION, USER, FakeBotConnector, message
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import (
    checkbox_values,
    interactive,
    select_value,
    slash_command,
    text_value,
    view_submission,
)
from tests.support import RunningServer, eventually

OPERATOR_KEY = Fernet.generate_key().decode()


@pytest.fixture(params=["generated key", "FEEDBOT_SECRET_KEY"])
def settings_overrides(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Both installs the attack worked on: a trial without the key, and production with it."""
    return {"secret_key": OPERATOR_KEY} if request.param == "FEEDBOT_SECRET_KEY" else {}


@pytest.fixture(autouse=True)
def teams_emulator(monkeypatch: pytest.MonkeyPatch) -> None:
    # Teams activities without Microsoft credentials: the local emulator mode, explicitly.
    monkeypatch.setenv("FEEDBOT_TEAMS_EMULATOR", "1")


async def everything_stored(server: RunningServer) -> tuple[list[dict[str, Any]], list[str]]:
    """Every row of every table, and every string in them: what an attacker with a dump holds."""
    async with server.deps.db.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        rows = [
            {"table": table, **row}
            for table in tables
            for row in (await connection.execute(text(f'SELECT * FROM "{table}"'))).mappings().all()
        ]
    strings = sorted({value for row in rows for value in row.values() if isinstance(value, str) and value})
    return rows, strings


def candidate_keys(strings: list[str], operator_key: str | None) -> Iterator[bytes]:
    for value in [*strings, *([operator_key] if operator_key else [])]:
        yield value.encode()
        if len(value) % 2 == 0 and all(character in string.hexdigits for character in value):
            yield bytes.fromhex(value)


async def assert_no_answer_links_to_anyone(server: RunningServer) -> None:
    rows, strings = await everything_stored(server)
    (pulse,) = [row for row in rows if row["table"] == "pulses"]
    assert pulse["status"] == "closed"
    respondents = {row["respondent"] for row in rows if row["table"] == "pulse_responses"}
    assert len(respondents) == 6
    asked = {row["recipient_id"] for row in rows if row["table"] == "deliveries"}
    assert set(HUMANS) <= asked

    message_of = {person: f"slack:{pulse['team_id']}:{pulse['id']}:{person}".encode() for person in asked}
    linked = [
        person
        for key in candidate_keys(strings, server.deps.settings.secret_key)
        for person, message in message_of.items()
        if hmac.new(key, message, hashlib.sha256).hexdigest() in respondents
    ]
    assert linked == [], f"{len(set(linked))} answers linked to people"
    assert "respondent_salt" in pulse and pulse["respondent_salt"] is None


async def answer_six(server: RunningServer, fake: FakeSlack) -> None:
    dms = {call["channel"]: call for call in await start_pulse(server, fake)}
    for user, score in zip(HUMANS[:6], [10, 9, 3, 8, 0, 7], strict=True):
        await click(server, fake, dms[user], score)
    await click(server, fake, dms[HUMANS[0]], 6)  # changing an answer while it runs still counts once


async def test_after_close_nothing_in_the_database_links_an_answer_to_a_person(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await answer_six(server, fake_slack)
    _, closed = await server.slack(slash_command("/pulse", "close", user_id=ADMIN_USER))
    assert "is closed" in closed["text"]

    await assert_no_answer_links_to_anyone(server)


async def test_a_pulse_closed_by_its_closing_time_keeps_no_salt_either(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await answer_six(server, fake_slack)
    async with server.deps.db.sessions.begin() as session:
        await session.execute(update(Pulse).values(closes_at=utcnow() - timedelta(seconds=1)))

    async def closed() -> bool:
        rows = await server.rows(Pulse)
        return rows[0].status == "closed"

    await eventually(closed, timeout=15)  # the server's own housekeeping closes it
    await assert_no_answer_links_to_anyone(server)


async def test_anonymous_teams_feedback_touches_no_person_row_and_keeps_only_the_hour(
    server: RunningServer, fake_connector: FakeBotConnector
) -> None:
    await install_for(server, fake_connector, USER, PERSONAL_CONVERSATION)
    await send(server, message("feedback", service_url=fake_connector.url))
    [form] = fake_connector.to(PERSONAL_CONVERSATION)[-1:]
    [reference] = await server.rows(TeamsConversation)
    await asyncio.sleep(0.05)

    values = {**submit_data(form.cards[0], "feedback_submit"), "text": "My lead ignores us", "anonymous": "true"}
    await send(server, message(None, service_url=fake_connector.url, value=values, reply_to_id=form.activity_id))

    [row] = await server.rows(Feedback)
    [after] = await server.rows(TeamsConversation)
    assert (row.anonymous, row.user_id, row.text) == (True, None, "My lead ignores us")
    assert after.updated_at == reference.updated_at
    assert (row.created_at.minute, row.created_at.second, row.created_at.microsecond) == (0, 0, 0)


async def test_anonymous_slack_feedback_keeps_only_the_hour(server: RunningServer, fake_slack: FakeSlack) -> None:
    await server.slack(slash_command("/feedback", ""))
    (opened,) = await fake_slack.wait_for("views.open")
    values = {
        "text": text_value("My manager ignores the survey results"),
        "product": text_value(""),
        "category": select_value(None),
        "anonymous": checkbox_values("anonymous"),
    }
    await server.slack(interactive(view_submission(opened["view"], values)))

    [row] = await server.rows(Feedback)
    assert row.anonymous and row.created_at == row.created_at.replace(minute=0, second=0, microsecond=0)
