"""Issue 15, hole 11: a Slack channel pulse took answers from people outside its audience. Anyone in the workspace
could click a copy of the buttons (a signed block_actions payload names the pulse and the score) or type
`/pulse answer`, and their score counted. Now only the people the pulse was sent to are counted, as on Teams."""

from __future__ import annotations

import json

from sqlalchemy import select

from comms.render.slack import pulse_comment_modal
from storage.models import Delivery, PulseResponse
from tests.e2e.test_pulses import start_pulse
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import block_actions, interactive, slash_command, text_value, view_submission
from tests.support import RunningServer

OUTSIDER = "UELSEWHERE"  # in the workspace, not in #product-team, so never asked


async def test_an_outsider_clicking_a_score_is_refused_and_nothing_is_stored(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    question = (await start_pulse(server, fake_slack))[0]
    async with server.deps.db.sessions() as session:
        asked = set((await session.execute(select(Delivery.recipient_id))).scalars())
    assert OUTSIDER not in asked

    forged = block_actions(
        "pulse_answer_0",
        "1:0",
        message={"text": question["text"], "blocks": question["blocks"]},
        response_url=fake_slack.response_url("outsider"),
        user_id=OUTSIDER,
    )
    status, _ = await server.slack(interactive(forged))
    (told,) = await fake_slack.wait_for("response_url", timeout=5)

    assert status == 200
    assert "was not sent to you" in told["text"] and told.get("replace_original") is not True
    assert await server.count(PulseResponse) == 0


async def test_an_outsider_typing_an_answer_or_a_comment_is_refused(
    server: RunningServer, fake_slack: FakeSlack
) -> None:
    await start_pulse(server, fake_slack)

    _, typed = await server.slack(slash_command("/pulse", "answer 0 rigged", user_id=OUTSIDER))
    modal = pulse_comment_modal(1, json.dumps({"pulse_id": "1"})).to_dict()
    _, commented = await server.slack(
        interactive(view_submission(modal, {"comment": text_value("rigged")}, user_id=OUTSIDER))
    )

    assert "was not sent to you" in typed["text"]
    assert "was not sent to you, so your comment was not saved" in json.dumps(commented)
    assert await server.count(PulseResponse) == 0
