"""Random activities at /api/messages: never a 500, and nothing stored that is not a whole row."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.models import Bug, Feedback, TeamsConversation
from tests.e2e.test_fuzz_requests import json_values
from tests.fakes.bot_connector import CHANNEL_CONVERSATION, FakeBotConnector, message
from tests.support import RunningServer

ACTIONS = ["feedback_submit", "bug_submit", "pulse_answer_7", "pulse_comment", "pulse_comment_submit", "release_ack"]
TEXTS = ["feedback ", "bug ", "help", "", "<at>feedbot</at> feedback ", "nonsense "]
card_values = st.fixed_dictionaries(
    {"feedbot": st.sampled_from(ACTIONS) | json_values},
    optional={
        "value": st.text(max_size=12) | json_values,
        "text": st.text(max_size=40) | json_values,
        "title": st.text(max_size=40) | json_values,
        "what_happened": st.text(max_size=40),
        "severity": st.sampled_from(["major", "minor", "blocker", "", "huge"]) | json_values,
        "category": st.sampled_from(["idea", "problem", "", "x"]) | json_values,
        "anonymous": st.sampled_from(["true", "false"]) | json_values,
        "comment": st.text(max_size=40) | json_values,
    },
)
overrides = st.dictionaries(
    st.sampled_from(["type", "from", "conversation", "channelData", "entities", "recipient", "id", "replyToId"]),
    json_values,
    max_size=2,
)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"teams_emulator": True}  # activities from this machine, unsigned


def activity(connector: FakeBotConnector, text: str | None, value: Any, channel: bool, extra: dict[str, Any]) -> str:
    where = {"conversation": CHANNEL_CONVERSATION, "conversation_type": "channel"} if channel else {}
    built = message(text, service_url=connector.url, value=value, **where)
    return json.dumps(built | extra)


# As in test_fuzz_requests: hypothesis warns about random state the server (retry jitter) uses meanwhile.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_random_activities_never_get_a_500(server: RunningServer, fake_connector: FakeBotConnector) -> None:
    loop = asyncio.get_running_loop()
    statuses: list[int] = []

    async def send(body: str) -> int:
        headers = {"Content-Type": "application/json"}
        async with server.http.post(f"{server.url}/api/messages", data=body.encode(), headers=headers) as response:
            await response.read()
            return response.status

    bodies = st.one_of(
        st.builds(
            lambda connector, prefix, words, value, channel, extra: activity(
                connector, None if value is not None else prefix + words, value, channel, extra
            ),
            st.just(fake_connector),
            st.sampled_from(TEXTS),
            st.text(max_size=60),
            st.none() | card_values,
            st.booleans(),
            overrides,
        ),
        json_values.map(json.dumps),
    )

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(bodies)
    def one(body: str) -> None:
        status = asyncio.run_coroutine_threadsafe(send(body), loop).result(timeout=15)
        statuses.append(status)
        assert status < 500, body

    await asyncio.to_thread(one)
    assert len(statuses) >= 120 and max(statuses) < 500
    for row in await server.rows(Feedback):
        assert row.text.strip() and len(row.text) <= 3000 and row.platform == "teams" and row.source_key
    for bug in await server.rows(Bug):
        assert bug.title.strip() and bug.what_happened.strip() and bug.severity in {"blocker", "major", "minor"}
    for reference in await server.rows(TeamsConversation):
        assert reference.target_id and reference.conversation_id and reference.service_url == fake_connector.url
