"""eNPS by department over real HTTP: people imported with `feedbot people import`, a pulse answered from three
departments (one small), closed, and `/pulse results by department` showing the big one and withholding the small
one with the smallest other (complementary suppression), as Block Kit Slack accepts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.desks.pulses import PulseDesk
from bot.domain.requester import Requester
from storage.models import PulseResponse
from tests.adaptive_cards import submit_data
from tests.conftest import ADMIN_USER
from tests.e2e.teams_steps import install_for, install_in_channel, send
from tests.e2e.test_pulses import click
from tests.fakes.bot_connector import (
    CHANNEL_CONVERSATION,
    PERSONAL_CONVERSATION,
    USER,
    FakeBotConnector,
    Member,
    aad_object_id,
    message,
)
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import slash_command
from tests.support import RunningServer, process_env

KEY = Fernet.generate_key().decode()
DEPARTMENTS = {"Engineering": 8, "Support": 6, "Legal": 2}
PEOPLE = {
    f"USEG{department[:3].upper()}{n:02d}": department
    for department, size in DEPARTMENTS.items()
    for n in range(1, size + 1)
}
SCORES = {
    "Engineering": [10, 10, 9, 9, 8, 7, 6, 3],  # 4 promoters, 2 detractors of 8: +25
    "Support": [9, 8, 8, 7, 6, 5],
    "Legal": [10, 2],
}
WITHHELD = "withheld (fewer than 5, or would reveal a smaller one)"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # teams_emulator: the fake Bot Framework connector posts without Microsoft's tokens.
    return {"secret_key": KEY, "anonymity_threshold": 5, "teams_emulator": True}


def import_people(database_url: str, tmp_path: Path, people: dict[str, str] = PEOPLE) -> str:
    path = tmp_path / "people.csv"
    rows = [f"{user},{department},Berlin,2024-01-15,{user.lower()}" for user, department in people.items()]
    path.write_text("user,department,location,start_date,nickname\n" + "\n".join(rows) + "\n", encoding="utf-8")
    env = process_env(DATABASE_URL=database_url, FEEDBOT_SECRET_KEY=KEY)
    result = subprocess.run(
        [sys.executable, "-m", "bot", "people", "import", str(path)], env=env, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "ignored the columns nickname" in result.stderr.decode()
    return result.stdout.decode().strip()


async def test_results_by_department_show_the_big_one_and_withhold_the_small_one_with_the_smallest_other(
    server: RunningServer, fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    assert import_people(database_url, tmp_path) == "Imported 16 people (0 updated)"
    fake_slack.users = [{"id": user, "name": user.lower(), "deleted": False, "is_bot": False} for user in PEOPLE]
    fake_slack.members["CSEGMENT"] = list(PEOPLE)
    _, started = await server.slack(
        slash_command("/pulse", "start <#CSEGMENT|all> How is Expenses?", user_id=ADMIN_USER)
    )
    assert "PULSE-1" in started["text"], started
    dms = {call["channel"]: call for call in await fake_slack.wait_delivered(len(PEOPLE), timeout=20)}

    for department, scores in SCORES.items():
        members = [user for user, sits in PEOPLE.items() if sits == department]
        for user, score in zip(members, scores, strict=True):
            await click(server, fake_slack, dms[user], score)
    _, early = await server.slack(slash_command("/pulse", "results by department", user_id=ADMIN_USER))
    assert "16 answered so far" in early["text"] and "Engineering" not in early["text"]  # running: the count only
    await server.slack(slash_command("/pulse", "close", user_id=ADMIN_USER))

    status, answer = await server.slack(slash_command("/pulse", "results PULSE-1 by department", user_id=ADMIN_USER))

    assert status == 200
    shown = answer["text"]
    assert "16 responses" in shown and "*By department*" in shown
    assert "• Engineering: eNPS +25 · 8 responses" in shown
    assert f"• Legal: {WITHHELD}" in shown and f"• Support: {WITHHELD}" in shown
    # Withheld slices come after the shown ones, by name: their order says nothing of their sizes.
    assert shown.index("Engineering") < shown.index("Legal") < shown.index("Support")
    assert answer["response_type"] == "ephemeral" and "Engineering" in json.dumps(answer["blocks"])

    _, refused = await server.slack(slash_command("/pulse", "results by department", user_id="USEGENG01"))
    assert "Only feedbot admins and the person who launched PULSE-1" in refused["text"]
    assert "Engineering" not in refused["text"]
    _, wrong = await server.slack(slash_command("/pulse", "results by <@U1|boss>", user_id=ADMIN_USER))
    assert "by department or by location" in wrong["text"]

    async with server.deps.db.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM pulse_responses"))).mappings().all()
    assert await server.count(PulseResponse) == 16
    assert sorted(row["department"] for row in rows) == sorted(PEOPLE.values())
    assert {row["location"] for row in rows} == {"Berlin"}
    assert not any(user in json.dumps([dict(row) for row in rows], default=str) for user in PEOPLE)


async def test_an_answer_from_someone_not_in_the_directory_counts_as_unknown(
    server: RunningServer, fake_slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    import_people(database_url, tmp_path)
    outsiders = [f"UNEW{n:04d}" for n in range(5)]
    fake_slack.users = [
        {"id": user, "name": user.lower(), "deleted": False, "is_bot": False} for user in [*PEOPLE, *outsiders]
    ]
    await server.slack(slash_command("/pulse", "start", user_id=ADMIN_USER))
    dms = {call["channel"]: call for call in await fake_slack.wait_delivered(len(PEOPLE) + 5, timeout=20)}
    engineers = [user for user, sits in PEOPLE.items() if sits == "Engineering"]
    for user in [*engineers, *outsiders]:
        await click(server, fake_slack, dms[user], 9 if user in outsiders else 6)
    await server.slack(slash_command("/pulse", "close", user_id=ADMIN_USER))

    _, answer = await server.slack(slash_command("/pulse", "results by location", user_id=ADMIN_USER))

    assert "• Berlin: eNPS -100 · 8 responses" in answer["text"]
    assert "• unknown: eNPS +100 · 5 responses" in answer["text"]


async def test_a_teams_answer_keeps_the_department_of_its_29_id_or_its_entra_object_id(
    server: RunningServer, fake_connector: FakeBotConnector, database_url: str, tmp_path: Path
) -> None:
    bob, cy = "29:2user-bob", "29:3user-cy"
    import_people(database_url, tmp_path, {aad_object_id(bob): "Support", cy: "Legal"})  # Ada is not listed
    await install_in_channel(server, fake_connector)
    await install_for(server, fake_connector, USER, PERSONAL_CONVERSATION)
    fake_connector.set_members(CHANNEL_CONVERSATION, [Member(person, name=person[3:]) for person in (USER, bob, cy)])
    admin = Requester("slack", "T0001", ADMIN_USER, is_admin=True)
    assert (await PulseDesk(server.deps).start(admin, CHANNEL_CONVERSATION, "Would you recommend us?")).kind == "ok"
    asked = await fake_connector.wait_for(lambda posted: bool(posted.cards), 3)

    chats = {USER: PERSONAL_CONVERSATION} | {person: fake_connector.opened_with(person)[0].id for person in (bob, cy)}
    for person, chat in chats.items():
        [question] = [posted for posted in asked if posted.conversation_id == chat]
        value = submit_data(question.cards[0], "pulse_answer_8")
        clicked = message(
            None,
            service_url=fake_connector.url,
            user=person,
            conversation=chat,
            value=value,
            reply_to_id=question.activity_id,
        )
        await send(server, clicked)

    rows = await server.rows(PulseResponse)
    assert sorted((row.department or "") for row in rows) == ["", "Legal", "Support"]
    assert {row.location for row in rows} == {"Berlin", None}
