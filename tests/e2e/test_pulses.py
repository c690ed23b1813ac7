"""eNPS pulses over real HTTP: the right people asked once, answers counted once and anonymously, only the count
while running, results after close exactly right above the threshold."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import text

from bot.domain.enps import Enps
from storage.models import Pulse, PulseResponse
from tests.conftest import ADMIN_USER
from tests.fakes.slack_api import BOT_USER_ID, FakeSlack
from tests.fakes.slack_requests import block_actions, interactive, slash_command, text_value, view_submission
from tests.support import RunningServer

HUMANS = [f"UHUMAN{n:03d}" for n in range(1, 13)]


def directory(fake: FakeSlack) -> None:
    people = [{"id": user, "name": user.lower(), "deleted": False, "is_bot": False} for user in HUMANS]
    others = [
        {"id": BOT_USER_ID, "name": "feedbot", "deleted": False, "is_bot": True},
        {"id": "UOTHERBOT", "name": "otherbot", "deleted": False, "is_bot": True},
        {"id": "UWORKFLOW", "name": "workflow", "deleted": False, "is_bot": False, "is_app_user": True},
        {"id": "UGONE0001", "name": "gone", "deleted": True, "is_bot": False},
        {"id": "USLACKBOT", "name": "slackbot", "deleted": False, "is_bot": False},
    ]
    fake.users = (
        people[:5]
        + others
        + people[5:]
        + [{"id": "UELSEWHERE", "name": "not-in-channel", "deleted": False, "is_bot": False}]
    )
    # More than one page (the bot asks for 200 at a time) of channel members, with bots among them.
    fake.members["CPULSE01"] = [*HUMANS[:6], BOT_USER_ID, "UOTHERBOT", "UWORKFLOW", "UGONE0001", *HUMANS[6:]] + [
        f"UGUEST{n:04d}"
        for n in range(250)  # deactivated long ago: not in users.list at all
    ]


async def start_pulse(server: RunningServer, fake: FakeSlack) -> list[dict[str, Any]]:
    directory(fake)
    status, answer = await server.slack(
        slash_command(
            "/pulse", "start <#CPULSE01|product-team> How likely are you to recommend Expenses?", user_id=ADMIN_USER
        )
    )
    assert status == 200 and "PULSE-1" in answer["text"], answer
    return await fake.wait_delivered(len(HUMANS), timeout=20)


async def click(server: RunningServer, fake: FakeSlack, dm: dict[str, Any], score: int) -> dict[str, Any]:
    """Press a score button on a DM the bot sent; return what the bot answered through response_url."""
    message = {"text": dm["text"], "blocks": dm["blocks"]}
    key = f"{dm['channel']}-{score}-{len(fake.calls)}"
    payload = block_actions(
        f"pulse_answer_{score}",
        f"1:{score}",
        message=message,
        response_url=fake.response_url(key),
        user_id=dm["channel"],
    )
    status, _ = await server.slack(interactive(payload))
    assert status == 200
    async with asyncio.timeout(5):
        while True:
            for call in fake.calls_to("response_url"):
                if call["key"] == key:
                    return call
            await asyncio.sleep(0.02)


async def test_a_channel_pulse_asks_exactly_its_humans_once(server: RunningServer, fake_slack: FakeSlack) -> None:
    delivered = await start_pulse(server, fake_slack)

    assert sorted(call["channel"] for call in delivered) == sorted(HUMANS)
    question = json.dumps(delivered[0]["blocks"])
    assert "How likely are you to recommend Expenses?" in question
    assert all(f"pulse_answer_{score}" in question for score in range(11))
    (pulse,) = await server.rows(Pulse)
    assert (pulse.status, pulse.audience_size) == ("open", 12)


async def test_answers_count_once_and_results_are_exact(server: RunningServer, fake_slack: FakeSlack) -> None:
    dms = {call["channel"]: call for call in await start_pulse(server, fake_slack)}
    scores = dict(zip(HUMANS[:10], [10, 10, 9, 9, 8, 7, 6, 5, 0, 3], strict=True))

    first_three = list(scores)[:3]
    for user in first_three:
        await click(server, fake_slack, dms[user], 1)  # a first answer, changed below
    _, running = await server.slack(slash_command("/pulse", "results", user_id="UHUMAN012"))
    assert "The pulse of" in running["text"] and "(PULSE-1, running)*: 3 answered so far" in running["text"]
    assert "25% of 12 asked" in running["text"]

    for user, score in scores.items():
        await click(server, fake_slack, dms[user], score)
    updated = [call for call in fake_slack.calls_to("response_url") if call.get("replace_original")]
    assert "You answered *10*" in json.dumps(updated[-10]["blocks"])

    _, running = await server.slack(slash_command("/pulse", "results PULSE-1", user_id=ADMIN_USER))
    assert "10 answered so far" in running["text"] and "eNPS" not in running["text"]
    _, closed = await server.slack(slash_command("/pulse", "close", user_id=ADMIN_USER))
    assert "(PULSE-1)* is closed" in closed["text"]
    _, refused = await server.slack(slash_command("/pulse", "results PULSE-1", user_id="UHUMAN012"))
    assert "Only feedbot admins and the person who launched PULSE-1" in refused["text"]

    _, results = await server.slack(slash_command("/pulse", "results PULSE-1", user_id=ADMIN_USER))
    rendered = results["text"]
    # 4 promoters, 2 passives, 4 detractors of 10: (40% − 40%) = 0; 10 of the 12 asked answered.
    assert "eNPS 0" in rendered and "10 responses" in rendered and "83% of 12 asked" in rendered
    assert "Promoters (9–10): 4 (40%)" in rendered and "Passives (7–8): 2 (20%)" in rendered
    assert "Detractors (0–6): 4 (40%)" in rendered
    assert await server.count(PulseResponse) == 10


async def test_a_changed_answer_counts_once_and_all_detractors_is_minus_100(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    dms = {call["channel"]: call for call in await start_pulse(server, fake_slack)}
    for user in HUMANS[:5]:
        await click(server, fake_slack, dms[user], 9)
    for user in HUMANS[:5]:
        await click(server, fake_slack, dms[user], 6)
    await server.slack(slash_command("/pulse", "close", user_id=ADMIN_USER))
    _, results = await server.slack(slash_command("/pulse", "results", user_id=ADMIN_USER))
    assert "eNPS -100" in results["text"] and "5 responses" in results["text"]
    assert await server.count(PulseResponse) == 5
    assert Enps.from_tally({9: 5}).score == 100


async def test_no_user_id_is_stored_with_an_answer_or_exported(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    dms = {call["channel"]: call for call in await start_pulse(server, fake_slack)}
    for user in HUMANS[:6]:
        await click(server, fake_slack, dms[user], 8)
    answered = [call for call in fake_slack.calls_to("response_url") if call.get("replace_original")][-1]
    comment_button = {"text": answered["text"], "blocks": answered["blocks"]}
    open_comment = block_actions(
        "pulse_comment", "1", message=comment_button, response_url=fake_slack.response_url("c"), user_id=HUMANS[0]
    )
    await server.slack(interactive(open_comment))
    (modal,) = await fake_slack.wait_for("views.open")
    _, saved = await server.slack(
        interactive(view_submission(modal["view"], {"comment": text_value("Faster please")}, user_id=HUMANS[0]))
    )
    assert "without your name" in json.dumps(saved["view"])

    async with server.deps.db.engine.connect() as connection:
        rows = (await connection.execute(text("SELECT * FROM pulse_responses"))).mappings().all()
    stored = json.dumps([dict(row) for row in rows], default=str)
    assert len(rows) == 6 and "Faster please" in stored
    assert not any(user in stored for user in HUMANS)
    assert set(rows[0].keys()) == {
        "id",
        "pulse_id",
        "respondent",
        "score",
        "comment",
        "answered_on",
        "department",
        "location",
    }

    from tests.e2e.test_export_roundtrip import _export

    assert json.loads(_export(database_url, "pulse-responses", "--format", "json")) == []  # still running
    await server.slack(slash_command("/pulse", "close", user_id=ADMIN_USER))

    exported = _export(database_url, "pulse-responses", "--format", "json")
    assert not any(user in exported for user in HUMANS)
    assert sorted(row["score"] for row in json.loads(exported)) == [8] * 6


async def test_answers_after_close_are_politely_refused(server: RunningServer, fake_slack: FakeSlack) -> None:
    dms = {call["channel"]: call for call in await start_pulse(server, fake_slack)}
    _, closed = await server.slack(slash_command("/pulse", "close", user_id=ADMIN_USER))
    assert "(PULSE-1)* is closed" in closed["text"]

    answer = await click(server, fake_slack, dms[HUMANS[0]], 10)
    assert "this pulse has closed" in answer["text"]
    assert await server.count(PulseResponse) == 0


async def test_non_admins_cannot_start_or_close(server: RunningServer, fake_slack: FakeSlack) -> None:
    _, refused = await server.slack(slash_command("/pulse", "start", user_id="UHUMAN001"))
    assert "Only feedbot admins" in refused["text"]
    assert await server.count(Pulse) == 0


def test_enps_matches_its_definition_for_a_small_case() -> None:
    assert Enps.from_tally({10: 1, 0: 2}).score == -33
