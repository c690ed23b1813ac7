"""POST /api/events over real HTTP, on both databases: Segment's and RudderStack's track shape, one or a batch, bad
events reported by index while good ones are kept, the bearer token, the size limits, dedupe, and random bodies."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.domain.person_key import person_key
from bot.domain.settings import Settings
from storage.models import UsageEvent
from tests.support import RunningServer, running_server

TOKEN = "events-token-0123456789abcdef"
SECRET_KEY = Fernet.generate_key().decode()
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"events_token": TOKEN, "secret_key": SECRET_KEY}


@pytest.fixture(autouse=True)
def fixed_clock(server: RunningServer) -> None:
    server.deps.clock = lambda: NOW


def track(user: str = "U0042", index: int = 0, **properties: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "userId": user,
        "event": "Expense Approved",
        "timestamp": "2026-11-30T09:15:00.250+01:00",
        "messageId": f"msg-{index}",
        "properties": {"product": "Expense Hub", "task": "approve", "outcome": "completed", "duration_ms": 8200}
        | properties,
    }


async def post(
    server: RunningServer, body: Any, headers: dict[str, str] | None = None, *, raw: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    data = raw if raw is not None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json", **(AUTH if headers is None else headers)}
    async with server.http.post(f"{server.url}/api/events", data=data, headers=sent) as response:
        return response.status, await response.json()


def pseudonym(user: str) -> str:
    return person_key(SECRET_KEY, user)


async def test_one_track_call_is_stored_under_a_pseudonym(server: RunningServer) -> None:
    assert await post(server, track()) == (200, {"accepted": 1, "rejected": []})

    (row,) = await server.rows(UsageEvent)
    assert (row.product, row.event, row.task, row.outcome, row.duration_ms, row.error) == (
        "Expense Hub", "Expense Approved", "approve", "completed", 8200, None,
    )  # fmt: skip
    assert row.occurred_at == datetime(2026, 11, 30, 8, 15, 0, 250000, tzinfo=UTC)
    assert (row.received_at, row.message_id, row.anonymous) == (NOW, "msg-0", False)
    assert row.person == pseudonym("U0042") and "U0042" not in repr(vars(row))


async def test_a_segment_batch_with_its_library_fields_and_an_anonymous_id(server: RunningServer) -> None:
    library = {"library": {"name": "analytics-node"}}
    anonymous = {"type": "track", "anonymousId": "507f191e810c19729de860ea", "event": "Opened",
                 "properties": {"product": "Expense Hub"}, "context": library}  # fmt: skip
    started = track("ada@example.com", 1, outcome="started", duration_ms=None, task="submit")
    body = {"batch": [started, anonymous], "context": {"ip": "10.0.0.1"}, "sentAt": "2026-11-30T09:16:00Z",
            "integrations": {"All": True}, "writeKey": "ignored"}  # fmt: skip

    assert await post(server, body) == (200, {"accepted": 2, "rejected": []})

    first, second = await server.rows(UsageEvent)
    assert (first.person, first.outcome, first.duration_ms, first.task) == (
        pseudonym("ADA@example.com"), "started", None, "submit",
    )  # fmt: skip
    assert (second.person, second.anonymous, second.event, second.task) == (
        pseudonym("507f191e810c19729de860ea"), True, "Opened", None,
    )  # fmt: skip
    assert second.occurred_at == NOW and second.message_id is None  # no timestamp: when it arrived


async def test_bad_events_are_reported_by_index_and_the_good_ones_kept(server: RunningServer) -> None:
    good = track()
    bad: list[tuple[Any, str]] = [
        ("not an object", "an event must be a JSON object"),
        (good | {"type": "identify"}, "only track events are stored, not “identify”"),
        ({k: v for k, v in good.items() if k != "userId"}, "userId or anonymousId is required"),
        (good | {"userId": "   "}, "userId or anonymousId is required"),
        (good | {"userId": ["U1"]}, "userId must be a string"),
        (good | {"event": ""}, "event is required"),
        (good | {"event": 7}, "event must be a string"),
        (good | {"timestamp": "yesterday"}, "timestamp “yesterday” is not an ISO 8601 date and time"),
        (good | {"timestamp": "2026-12-02T12:00:01Z"}, "timestamp is more than a day in the future"),
        (good | {"timestamp": "9999-12-31T23:59:59-05:00"}, "timestamp is more than a day in the future"),
        (good | {"timestamp": "0001-01-01T00:00:00+05:00"}, "timestamp is before 2000"),
        (good | {"timestamp": 1764500000}, "timestamp must be an ISO 8601 string"),
        (good | {"messageId": 12}, "messageId must be a string of 1 to 200 characters"),
        (good | {"messageId": "m" * 201}, "messageId must be a string of 1 to 200 characters"),
        (good | {"properties": ["Expense Hub"]}, "properties must be an object"),
        (good | {"properties": {}}, "properties.product is required"),
        (track(product="p" * 101), "properties.product is longer than 100 characters"),
        (track(task=3), "properties.task must be a string"),
        (track(outcome="done"), "properties.outcome must be one of started, completed, failed, abandoned, not “done”"),
        (track(duration_ms=-1), "properties.duration_ms must not be negative"),
        (track(duration_ms="8200"), "properties.duration_ms must be a whole number of milliseconds"),
        (track(duration_ms=1.5), "properties.duration_ms must be a whole number of milliseconds"),
        (track(duration_ms=True), "properties.duration_ms must be a whole number of milliseconds"),
        (track(duration_ms=2**63), "properties.duration_ms is too large"),
        (track(error={"code": 500}), "properties.error must be a string"),
        (track(product="Expense\x00Hub"), "properties.product contains a NUL character"),
        (good | {"userId": "U\ud800"}, "userId is not valid Unicode text"),
        (track(error="\udfff"), "properties.error is not valid Unicode text"),
    ]
    kept = [track("U1", 1), track("U2", 2, duration_ms=1200.0, error="E" * 300), track("U3", 3, outcome="failed")]
    batch = [kept[0], *(event for event, _ in bad[:10]), kept[1], *(event for event, _ in bad[10:]), kept[2]]
    last = len(batch) - 1

    status, answer = await post(server, {"batch": batch})

    assert status == 200 and answer["accepted"] == 3
    expected = [(index, reason) for index, (_, reason) in zip([*range(1, 11), *range(12, last)], bad, strict=True)]
    got = [(each["index"], each["reason"]) for each in answer["rejected"]]
    assert [index for index, _ in got] == [index for index, _ in expected]
    for (_, reason), (_, wanted) in zip(got, expected, strict=True):
        assert reason.startswith(wanted), (reason, wanted)
    assert not any("U0042" in reason for _, reason in got)  # a user id is never quoted back
    rows = await server.rows(UsageEvent)
    assert [(row.person, row.duration_ms, row.outcome) for row in rows] == [
        (pseudonym("U1"), 8200, "completed"), (pseudonym("U2"), 1200, "completed"), (pseudonym("U3"), 8200, "failed"),
    ]  # fmt: skip
    assert rows[1].error == "E" * 200  # a long error message is cut to the column, not refused

    metrics = await (await server.http.get(f"{server.url}/metrics")).text()
    assert "feedbot_usage_events_accepted_total 3.0" in metrics
    assert f"feedbot_usage_events_rejected_total {len(bad)}.0" in metrics


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        f"Basic {TOKEN}",
        "Bearer wrong-token-0123456789abcdef",
        "Bearer ",
        f"Bearer  {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN} {TOKEN}",
        TOKEN,
    ],
)
async def test_a_bad_token_is_refused_and_nothing_stored(server: RunningServer, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    status, answer = await post(server, {"batch": [track()]}, headers)
    assert (status, answer) == (401, {"error": "missing or wrong events token"})
    assert await server.count(UsageEvent) == 0


async def test_too_many_events_or_too_large_a_body_is_refused_whole(server: RunningServer) -> None:
    status, answer = await post(server, {"batch": [track(index=index) for index in range(501)]})
    assert (status, answer) == (413, {"error": "a batch holds at most 500 events; this one has 501"})

    padding = "x" * (1024 * 1024)
    status, answer = await post(server, {"batch": [track()], "context": {"padding": padding}})
    assert status == 413 and "larger than 1 MiB" in answer["error"]

    # Without a Content-Length the body is read up to the limit and no further.
    async def chunks() -> Any:
        yield b'{"batch": ['
        for _ in range(20):
            yield b'"' + b"y" * 64 * 1024 + b'",'
        yield b"1]}"

    async with server.http.post(f"{server.url}/api/events", data=chunks(), headers=AUTH) as response:
        assert response.status == 413
    assert await server.count(UsageEvent) == 0

    status, answer = await post(server, {"batch": [track(index=index) for index in range(500)]})
    assert (status, answer["accepted"]) == (200, 500)


async def test_bodies_that_are_not_a_batch_are_refused_with_a_reason(server: RunningServer) -> None:
    for raw, reason in [
        (b"{not json", "the body is not JSON"),
        (b"\xff\xfe", "the body is not JSON"),
        (b"", "the body is not JSON"),
        (b"[1, 2]", "the body must be a JSON object"),
        (b'{"batch": {"type": "track"}}', "batch must be a list of events"),
        (b'{"batch": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "the JSON nests too deeply"),
    ]:
        status, answer = await post(server, None, raw=raw)
        assert status == 400 and answer["error"].startswith(reason), (raw, answer)
    status, answer = await post(server, track(), AUTH | {"Idempotency-Key": "k" * 197})
    assert (status, answer) == (400, {"error": "Idempotency-Key must be 1 to 196 characters"})
    assert await server.count(UsageEvent) == 0


async def test_a_resent_event_is_stored_once_by_message_id_or_idempotency_key(server: RunningServer) -> None:
    batch = {"batch": [track("U1", 1), track("U2", 2), track("U1", 1)]}  # a repeat inside the batch too
    assert await post(server, batch) == (200, {"accepted": 3, "rejected": []})
    assert await post(server, batch) == (200, {"accepted": 3, "rejected": []})  # accepted: it is there
    assert await server.count(UsageEvent) == 2

    unnamed = [{k: v for k, v in track(f"U{n}").items() if k != "messageId"} for n in range(3)]
    keyed = AUTH | {"Idempotency-Key": "upload-7f3a"}
    assert await post(server, {"batch": unnamed}, keyed) == (200, {"accepted": 3, "rejected": []})
    assert await post(server, {"batch": unnamed}, keyed) == (200, {"accepted": 3, "rejected": []})
    assert await server.count(UsageEvent) == 5
    stored = {row.message_id for row in await server.rows(UsageEvent)}
    assert {"upload-7f3a#0", "upload-7f3a#1", "upload-7f3a#2"} <= stored

    await post(server, {"batch": unnamed})  # neither: every request is new events
    await post(server, {"batch": unnamed}, AUTH | {"Idempotency-Key": "upload-other"})
    assert await server.count(UsageEvent) == 11


async def test_without_a_token_setting_the_api_is_off(settings: Settings) -> None:
    async with running_server(settings.model_copy(update={"events_token": None})) as server:
        assert await post(server, track()) == (404, {"error": "events API is off"})
        assert await server.count(UsageEvent) == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
texts = st.none() | st.text(max_size=30) | st.integers() | json_values
events = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["track", "identify", ""]) | texts,
        "userId": texts,
        "anonymousId": texts,
        "event": texts,
        "timestamp": st.datetimes(timezones=st.timezones()).map(datetime.isoformat) | texts,
        "messageId": texts,
        "properties": st.fixed_dictionaries(
            {},
            optional={
                "product": texts,
                "task": texts,
                "outcome": st.sampled_from(["started", "completed", "failed", "abandoned"]) | texts,
                "duration_ms": st.integers() | st.floats() | texts,
                "error": texts,
            },
        )
        | json_values,
    },
)
bodies: st.SearchStrategy[bytes] = st.one_of(
    events.map(lambda event: json.dumps(event).encode()),
    st.lists(events, max_size=5).map(lambda batch: json.dumps({"batch": batch}).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=100),
)


# The server shares the process and uses `random` while hypothesis generates in a worker thread (see
# test_fuzz_requests.py): nothing to fix in the test.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
async def test_random_bodies_never_get_a_5xx(server: RunningServer) -> None:
    loop = asyncio.get_running_loop()
    statuses: list[int] = []
    send: Callable[[bytes], Any] = lambda raw: post(server, None, raw=raw)  # noqa: E731

    @hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(bodies)
    def one(raw: bytes) -> None:
        status, _ = asyncio.run_coroutine_threadsafe(send(raw), loop).result(timeout=15)
        statuses.append(status)
        assert status < 500, raw

    await asyncio.to_thread(one)
    assert len(statuses) >= 60 and set(statuses) <= {200, 400, 413}
    for row in await server.rows(UsageEvent):
        assert row.product and row.event and len(row.person) == 64
        assert row.occurred_at <= NOW + timedelta(days=1)


async def raw_request(server: RunningServer, headers: bytes, body: bytes) -> int:
    """Header bytes as a client may send them, not UTF-8 (an HTTP library would refuse to)."""
    host, port = server.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = b"POST /api/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
    writer.write(head + headers + b"Content-Length: %d\r\n\r\n" % len(body) + body)
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


async def test_header_bytes_that_are_not_utf8_are_refused_not_a_500(server: RunningServer) -> None:
    body = json.dumps(track()).encode()
    assert await raw_request(server, b"Authorization: Bearer \xff\xfe" + TOKEN.encode() + b"\r\n", body) == 401
    keyed = f"Authorization: Bearer {TOKEN}\r\n".encode() + b"Idempotency-Key: k\xff\r\n"
    assert (
        await raw_request(server, keyed, json.dumps({k: v for k, v in track().items() if k != "messageId"}).encode())
        == 400
    )
    assert await server.count(UsageEvent) == 0
