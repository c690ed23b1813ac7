"""The database goes away for a few seconds under a running `feedbot serve`, then comes back.

A TCP proxy sits between the real process and PostgreSQL. Cutting it drops every connection the pool holds
and refuses new ones; stalling it lets no byte through while closing nothing, as a network partition does.
Either way Slack must get a clear answer inside its 3 s, /healthz must say what is going on and not hang,
the pool must recover by itself, and nothing a person was told is saved may be missing or doubled.
"""

from __future__ import annotations

import asyncio
import re
import signal
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
import pytest

from tests.conftest import BACKENDS, POSTGRES_ADMIN_URL
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack
from tests.fakes.slack_requests import SIGNING_SECRET, signed_headers, slash_command, trigger_id
from tests.fakes.tcp_proxy import TcpProxy
from tests.support import eventually, free_port, process_env, start_serve, wait_healthy

pytestmark = pytest.mark.skipif("postgresql" not in BACKENDS, reason="the outage is staged in front of PostgreSQL")

SLACK_DEADLINE_SECONDS = 3.0  # Slack shows the person an error if the ack takes longer
HEALTH_PROBE_TIMEOUT_SECONDS = 3.0  # what a load balancer typically waits for /healthz
HEALTH_NOTICES_WITHIN_SECONDS = 5.0  # /healthz must follow the database down and up again this quickly
OUTAGE_SECONDS = 4.0
TEST_BUDGET_SECONDS = 45.0

SAVED = re.compile(r"\*FB-(\d+)\*")
NOT_SAVED = "could not be saved"
SAVING = "Saving your feedback"


@dataclass
class Sent:
    key: str
    source_key: str
    text: str
    status: int
    ack: str
    seconds: float
    late: str | None = None  # what arrived later through response_url, if the ack said "saving…"

    @property
    def answer(self) -> str:
        return self.late if self.late is not None else self.ack

    @property
    def saved_id(self) -> int | None:
        match = SAVED.search(self.answer)
        return int(match.group(1)) if match else None


@dataclass
class Serve:
    base: str
    http: aiohttp.ClientSession
    fake_slack: FakeSlack
    proxy: TcpProxy
    process: asyncio.subprocess.Process
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    async def feedback(self, key: str) -> Sent:
        trigger = trigger_id()
        text = f"outage test {key}"
        body = slash_command("/feedback", text, trigger=trigger, response_url=self.fake_slack.response_url(key))
        # A hang must fail this test, not stall it: give up a little after Slack would.
        timeout = aiohttp.ClientTimeout(total=SLACK_DEADLINE_SECONDS + 2)
        started = time.monotonic()
        async with self.http.post(
            f"{self.base}/slack/events", data=body, headers=signed_headers(body), timeout=timeout
        ) as response:
            ack = (await response.json(content_type=None) or {}).get("text", "") if response.status == 200 else ""
            status = response.status
        return Sent(key, f"command:{trigger}", text, status, ack, time.monotonic() - started)

    async def health(self) -> int:
        # A probe that hangs is as bad as a wrong one: the load balancer gives up and learns nothing.
        try:
            timeout = aiohttp.ClientTimeout(total=HEALTH_PROBE_TIMEOUT_SECONDS)
            async with self.http.get(f"{self.base}/healthz", timeout=timeout) as response:
                return response.status
        except TimeoutError:
            pytest.fail(f"/healthz did not answer within {HEALTH_PROBE_TIMEOUT_SECONDS} s")

    async def health_becomes(self, status: int) -> float:
        """Seconds until /healthz answers `status`; fails after HEALTH_NOTICES_WITHIN_SECONDS."""
        started = time.monotonic()
        while (seen := await self.health()) != status:
            elapsed = time.monotonic() - started
            assert elapsed < HEALTH_NOTICES_WITHIN_SECONDS, f"/healthz still {seen} after {elapsed:.1f} s"
            await asyncio.sleep(0.1)
        return time.monotonic() - started

    async def late_answers(self, sent: list[Sent]) -> None:
        """Requests acked with "saving…" get their real answer later, through response_url: collect it."""
        pending = [request for request in sent if SAVING in request.ack]

        def answers() -> dict[str, str]:
            # Similar items offered after a saved /feedback come the same way; they are not the answer.
            return {
                call["key"]: call["text"]
                for call in self.fake_slack.calls_to("response_url")
                if not any(element.get("action_id", "").startswith("triage_same:") for element in _elements(call))
            }

        await eventually(lambda: _all_there(answers(), len(pending)), timeout=15)
        late = answers()
        assert set(late) == {request.key for request in pending}, "a late answer to a request answered at once"
        for request in pending:
            request.late = late[request.key]
            assert SAVED.search(request.late) or NOT_SAVED in request.late, request


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """A database of its own on the real server (`feedbot serve` migrates it); dropped afterwards."""
    name = f"feedbot_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _direct_url(name: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
async def serve(fresh_postgres: str, fake_slack: FakeSlack, tmp_path: Path) -> AsyncIterator[Serve]:
    """`feedbot serve` as its own process, talking to PostgreSQL only through the proxy."""
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.start()
    env = process_env(
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{proxy.port}/{fresh_postgres}",
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake_slack.api_url,
    )
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:  # a file, not a pipe: the outage's error logs must never block the server
        process = await start_serve(port, env, output=output.fileno())
    try:
        async with aiohttp.ClientSession() as http:
            running = Serve(f"http://127.0.0.1:{port}", http, fake_slack, proxy, process, log)
            try:
                await wait_healthy(http, running.base, seconds=20)
            except TimeoutError:
                pytest.fail(f"feedbot serve did not start:\n{running.output()}")
            yield running
    finally:
        proxy.restore()  # a failed test may leave the line stalled: let the graceful shutdown reach the database
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=15)
            except TimeoutError:
                process.kill()
                await process.wait()
        await proxy.stop()


class WriteLock:
    """PostgreSQL's EXCLUSIVE lock on `feedback`, held over a direct connection: writers wait, readers do not."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None

    def take(self) -> None:
        self._connection = psycopg.connect(_direct_url(self._name))
        self._connection.execute("LOCK TABLE feedback IN EXCLUSIVE MODE")

    def release(self) -> None:
        if self._connection is not None:
            self._connection.rollback()
            self._connection.close()
            self._connection = None

    def waiting(self) -> int:
        """How many sessions of this database wait on a lock."""
        with psycopg.connect(_direct_url(self._name)) as connection:
            row = connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", (self._name,)
            ).fetchone()
        return int(row[0]) if row else 0


@pytest.fixture
def write_lock(fresh_postgres: str) -> Iterator[WriteLock]:
    lock = WriteLock(fresh_postgres)
    yield lock
    lock.release()


def _assert_answered_in_time(sent: list[Sent], serve: Serve) -> None:
    for request in sent:
        assert request.status == 200, f"{request.key}: HTTP {request.status}\n{serve.output()}"
        assert request.seconds < SLACK_DEADLINE_SECONDS, f"{request.key}: answered after {request.seconds:.2f} s"
        assert SAVED.search(request.ack) or NOT_SAVED in request.ack or SAVING in request.ack, request


def _assert_nothing_lost(name: str, sent: list[Sent]) -> None:
    """Against the database itself (not through the proxy): every id given out is there once, nothing else."""
    with psycopg.connect(_direct_url(name)) as connection:
        rows = connection.execute("SELECT id, source_key, text FROM feedback ORDER BY id").fetchall()
    stored = {str(source_key): (int(row_id), str(text)) for row_id, source_key, text in rows}
    for request in sent:
        if request.saved_id is not None:
            # Told it was saved as FB-n: it is, as that row, with its text (source keys are unique per request).
            assert stored.get(request.source_key) == (request.saved_id, request.text), request
        else:
            # Told it was not saved: not a trace of it (no row behind a failed or interrupted transaction).
            assert NOT_SAVED in request.answer, request
            assert request.source_key not in stored, request
    told_saved = sum(request.saved_id is not None for request in sent)
    assert len(rows) == told_saved, f"{len(rows)} rows for {told_saved} confirmations"


async def test_a_cut_connection_is_reported_and_survived_without_losing_a_saved_word(
    serve: Serve, fresh_postgres: str, write_lock: WriteLock
) -> None:
    async with asyncio.timeout(TEST_BUDGET_SECONDS):
        # Several at once, so the pool holds connections for the cut to kill.
        before = await asyncio.gather(*(serve.feedback(f"before-{n}") for n in range(6)))
        _assert_answered_in_time(before, serve)
        assert all(request.saved_id for request in before), [request.ack for request in before]
        assert serve.proxy.open_connections >= 1, "the pool should hold live connections for the cut to drop"

        # One request is mid-transaction when the line goes: its INSERT waits on a lock taken directly, so
        # Slack gets "saving…" and the cut lands before any COMMIT could have been sent.
        await asyncio.to_thread(write_lock.take)
        in_flight = await serve.feedback("in-flight")
        _assert_answered_in_time([in_flight], serve)
        assert SAVING in in_flight.ack, in_flight
        assert await asyncio.to_thread(write_lock.waiting) >= 1, "the in-flight INSERT should wait on the lock"

        serve.proxy.cut()
        cut_at = time.monotonic()
        went_down_in = await serve.health_becomes(503)
        during: list[Sent] = []
        while time.monotonic() - cut_at < OUTAGE_SECONDS:
            during += await asyncio.gather(*(serve.feedback(f"during-{len(during) + n}") for n in range(3)))
            assert await serve.health() == 503
            await asyncio.sleep(0.3)
        await asyncio.to_thread(write_lock.release)
        _assert_answered_in_time(during, serve)
        # With the database gone nothing can be confirmed on the spot: the cut really cut.
        assert not any(SAVED.search(request.ack) for request in during), [request.ack for request in during]

        serve.proxy.restore()
        came_back_in = await serve.health_becomes(200)
        after = await asyncio.gather(*(serve.feedback(f"after-{n}") for n in range(6)))
        _assert_answered_in_time(after, serve)
        assert all(request.saved_id for request in after), [request.ack for request in after]

        sent = [*before, in_flight, *during, *after]
        await serve.late_answers(sent)
        # Its connection died before COMMIT: the only honest answer is "not saved".
        assert in_flight.late is not None and NOT_SAVED in in_flight.late, in_flight

    _assert_nothing_lost(fresh_postgres, sent)
    assert serve.process.returncode is None, f"feedbot serve died during the outage:\n{serve.output()}"
    print(
        f"\ncut: /healthz 503 after {went_down_in:.2f} s, 200 again {came_back_in:.2f} s after the restore; "
        f"{len(during)} requests during the outage; slowest ack {max(r.seconds for r in sent):.2f} s"
    )


async def test_a_silent_network_is_reported_in_time_and_the_held_requests_confirmed_later(
    serve: Serve, fresh_postgres: str
) -> None:
    async with asyncio.timeout(TEST_BUDGET_SECONDS):
        before = await asyncio.gather(*(serve.feedback(f"before-{n}") for n in range(4)))
        _assert_answered_in_time(before, serve)
        assert all(request.saved_id for request in before), [request.ack for request in before]

        # No RST, no FIN: pooled connections and new connects alike just hear nothing.
        serve.proxy.stall()
        stalled_at = time.monotonic()
        during, went_down_in = await asyncio.gather(
            asyncio.gather(*(serve.feedback(f"during-{n}") for n in range(3))),
            serve.health_becomes(503),
        )
        _assert_answered_in_time(during, serve)
        assert all(SAVING in request.ack for request in during), [request.ack for request in during]
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stalled_at)))

        serve.proxy.restore()
        came_back_in = await serve.health_becomes(200)
        after = await asyncio.gather(*(serve.feedback(f"after-{n}") for n in range(4)))
        _assert_answered_in_time(after, serve)
        assert all(request.saved_id for request in after), [request.ack for request in after]

        sent = [*before, *during, *after]
        await serve.late_answers(sent)

    _assert_nothing_lost(fresh_postgres, sent)
    assert serve.process.returncode is None, f"feedbot serve died during the outage:\n{serve.output()}"
    print(
        f"\nstall: /healthz 503 after {went_down_in:.2f} s, 200 again {came_back_in:.2f} s after the restore; "
        f"late answers: {[request.late for request in during]}"
    )


def _elements(call: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = call.get("blocks") or []
    return [element for block in blocks if block.get("type") == "actions" for element in block.get("elements", [])]


async def _all_there(found: dict[str, str], count: int) -> bool:
    return len(found) >= count
