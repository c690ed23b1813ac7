"""Random invokes at /api/messages, over real HTTP to the running server: our names and others, with values of every
shape (well-formed, half-formed, wrong types). Never a 5xx, always a JSON answer, and nothing stored that is not a
whole row."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.answers import BUG_FROM_MESSAGE, FEEDBACK_FROM_MESSAGE
from storage.models import Bug, Feedback
from tests.e2e.teams_steps import install_in_channel, send
from tests.e2e.test_fuzz_requests import json_values
from tests.fakes.bot_connector import CHANNEL_CONVERSATION, FakeBotConnector, message, message_action_invoke
from tests.support import RunningServer

TRIAGER = "29:1triager-tam"
OURS = ["adaptiveCard/action", "composeExtension/fetchTask", "composeExtension/submitAction"]
OTHERS = ["task/fetch", "task/submit", "composeExtension/query", "signin/verifyState", "fileConsent/invoke", ""]
VERBS = [
    "feedback_submit",
    "bug_submit",
    "triage_status:planned",
    "triage_status:nonsense",
    "triage_decline",
    "triage_merge",
    "triage_assign",
    "triage_reply",
    "triage_tracker",
    "release_ack",
    "pulse_answer_3",
]
COMMANDS = [FEEDBACK_FROM_MESSAGE, BUG_FROM_MESSAGE, "share_to_jira"]
short_text = st.text(max_size=40)
html = st.one_of(
    short_text,
    st.lists(st.sampled_from(["<p>", "</p>", "<br>", "<script>", "&amp;", "&#x1F600;", "<b>x</b>", "<at>A</at>"])).map(
        "".join
    ),
)
FIELDS = ["feedbot", "value", "text", "title", "what_happened", "severity", "category", "anonymous", "product"]
FIELDS += ["reason", "duplicate_of", "person", "reply"]
inputs = st.dictionaries(
    st.sampled_from(FIELDS),
    st.sampled_from(["FB-1", "FB-999", "me", "none", "major", "idea", "true", "", "x" * 4000])
    | short_text
    | json_values,
    max_size=6,
)
execute_values = st.fixed_dictionaries(
    {"action": st.fixed_dictionaries({"type": st.sampled_from(["Action.Execute", "Action.Submit"]) | json_values})},
    optional={"trigger": st.sampled_from(["manual", "automatic"]) | json_values},
).flatmap(
    lambda value: st.fixed_dictionaries(
        {"verb": st.sampled_from(VERBS) | json_values, "data": inputs | json_values}
    ).map(lambda action: value | {"action": value["action"] | action})
)
message_action_values = st.fixed_dictionaries(
    {"commandId": st.sampled_from(COMMANDS) | json_values},
    optional={
        "messagePayload": st.fixed_dictionaries(
            {},
            optional={
                "id": short_text | json_values,
                "body": st.fixed_dictionaries({"contentType": st.sampled_from(["html", "text"]), "content": html})
                | json_values,
                "linkToMessage": st.sampled_from(["https://teams.microsoft.com/l/message/1/2", "javascript:x"])
                | short_text
                | json_values,
            },
        )
        | json_values,
        "data": inputs | json_values,
        "commandContext": st.sampled_from(["message", "compose"]),
    },
)
values = st.one_of(execute_values, message_action_values, json_values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"teams_emulator": True, "triage_channel": CHANNEL_CONVERSATION, "triagers": TRIAGER}


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_random_invokes_never_get_a_5xx(server: RunningServer, fake_connector: FakeBotConnector) -> None:
    await install_in_channel(server, fake_connector)
    await send(server, message("feedback Something to triage", service_url=fake_connector.url))
    loop = asyncio.get_running_loop()
    statuses: list[int] = []
    base = message_action_invoke("x", FEEDBACK_FROM_MESSAGE, "<p>x</p>", service_url=fake_connector.url)
    places = st.sampled_from(
        [
            {},
            {"conversation": {"id": CHANNEL_CONVERSATION, "conversationType": "channel"}},
            {"conversation": {"id": CHANNEL_CONVERSATION}, "channelData": {"tenant": {"id": "another"}}},
            {"from": {"id": TRIAGER}},
            {"from": None},
        ]
    )

    async def post(body: str) -> tuple[int, str]:
        headers = {"Content-Type": "application/json"}
        async with server.http.post(f"{server.url}/api/messages", data=body.encode(), headers=headers) as response:
            return response.status, await response.text()

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.sampled_from(OURS + OTHERS) | json_values, values, places)
    def one(name: Any, value: Any, place: dict[str, Any]) -> None:
        body = json.dumps(base | {"name": name, "value": value} | place)
        status, text = asyncio.run_coroutine_threadsafe(post(body), loop).result(timeout=15)
        statuses.append(status)
        # An invoke is answered, a refusal included: a 201 would be a turn that failed and answered nothing.
        assert status in (200, 400), (status, body, text)
        json.loads(text)

    await asyncio.to_thread(one)
    assert len(statuses) >= 100 and max(statuses) < 500
    for row in await server.rows(Feedback):
        assert row.text.strip() and len(row.text) <= 3000 and row.platform == "teams" and len(row.source_key) <= 255
        assert row.permalink is None or row.permalink.startswith("https://teams.microsoft.com/")
    for bug in await server.rows(Bug):
        assert bug.title.strip() and bug.what_happened.strip() and bug.severity in {"blocker", "major", "minor"}
