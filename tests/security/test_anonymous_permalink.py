"""Issue 15, hole 4: feedback shared anonymously from a message shortcut kept the message's permalink (channel,
message and, in Slack, its author), and `feedbot export` printed it. Now nothing of where it was said is kept."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from bot.desks.intake import IntakeDesk
from storage.models import Feedback
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_requests import (
    checkbox_values,
    interactive,
    message_shortcut,
    select_value,
    text_value,
    view_submission,
)
from tests.support import RunningServer, serve_env

CHANNEL = "C0SMALL01"
MESSAGE_TS = "1700000555.000900"
SECRET_TEXT = "My lead takes credit for the team's work"


async def share_anonymously(server: RunningServer, fake_slack: FakeSlack) -> Feedback:
    """A message shortcut on someone's message, then the modal sent back with "Share anonymously" ticked."""
    shortcut = message_shortcut("feedback_from_message", SECRET_TEXT, channel_id=CHANNEL, message_ts=MESSAGE_TS)
    status, _ = await server.slack(interactive(shortcut))
    assert status == 200
    (opened,) = await fake_slack.wait_for("views.open")
    values = {
        "text": text_value(SECRET_TEXT),
        "product": text_value(""),
        "category": select_value("problem"),
        "anonymous": checkbox_values("anonymous"),
    }
    status, answer = await server.slack(interactive(view_submission(opened["view"], values, view_id="V0ANON1")))
    assert status == 200 and answer["response_action"] == "update"
    # The link used to be fetched and stored in the background after the answer: let all of that finish.
    await server.deps.background.drain(5)
    (row,) = await server.rows(Feedback)
    return row


async def test_anonymous_feedback_from_a_message_keeps_no_permalink_and_the_export_shows_none(
    server: RunningServer, fake_slack: FakeSlack, database_url: str
) -> None:
    row = await share_anonymously(server, fake_slack)

    assert (row.text, row.anonymous) == (SECRET_TEXT, True)
    assert (row.permalink, row.channel_id, row.user_id) == (None, None, None)
    assert fake_slack.calls_to("chat.getPermalink") == []  # nobody even asked Slack where it was said

    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "export", "feedback", "--format", "json"],
        env=serve_env(database_url, fake_slack),
        capture_output=True,
        timeout=60,
        check=True,
    )
    output = result.stdout.decode()
    (exported,) = json.loads(output)
    assert (exported["permalink"], exported["channel"], exported["user"]) == (None, None, None)
    for trace in (CHANNEL, MESSAGE_TS, MESSAGE_TS.replace(".", ""), "U0001", "U0042", "archives"):
        assert trace not in output


async def test_a_late_permalink_never_lands_on_anonymous_feedback(server: RunningServer, fake_slack: FakeSlack) -> None:
    row = await share_anonymously(server, fake_slack)

    # Whatever asks (a retried background task, a code path to come), the service keeps the link off.
    await IntakeDesk(server.deps).attach_permalink("feedback", row.id, "https://fake.slack.test/archives/C0SMALL01/p1")

    (after,) = await server.rows(Feedback)
    assert after.permalink is None
