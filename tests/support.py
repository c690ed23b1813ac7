"""Helpers for tests and benchmarks that run the real server: in-process on a socket, or as a process."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import create_engine, func, insert, select

from bot.app import build_web_app, runner_options
from bot.deps import Deps, build_deps
from bot.domain.settings import Settings
from handlers.http_guard import ServerLimits
from storage.db import sync_url
from storage.migrate import upgrade_to_head
from storage.models import Base, Stakeholder, utcnow
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack, block_kit_problems
from tests.fakes.slack_requests import SIGNING_SECRET, signed_headers


@dataclass
class RunningServer:
    url: str
    deps: Deps
    http: aiohttp.ClientSession

    async def slack(
        self, body: str, *, headers: dict[str, str] | None = None, signed: bool = True, content_type: str | None = None
    ) -> tuple[int, Any]:
        sent = signed_headers(body) if signed else {"Content-Type": "application/x-www-form-urlencoded"}
        if content_type:
            sent["Content-Type"] = content_type
        sent.update(headers or {})
        async with self.http.post(f"{self.url}/slack/events", data=body.encode(), headers=sent) as response:
            text = await response.text()
            try:
                answer = await response.json(content_type=None) if text else None
            except ValueError:
                return response.status, text
        if isinstance(answer, dict):
            # Acks carry Block Kit too (ephemeral answers, response_action views): Slack would reject bad ones.
            assert block_kit_problems(answer) == [], answer
        return response.status, answer

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(f"{self.url}{path}") as response:
            return response.status, await response.text()

    async def count(self, model: type[Base]) -> int:
        async with self.deps.db.sessions() as session:
            return (await session.execute(select(func.count()).select_from(model))).scalar_one()

    async def rows(self, model: type[Base]) -> list[Any]:
        async with self.deps.db.sessions() as session:
            return list((await session.execute(select(model).order_by(model.id))).scalars())  # type: ignore[attr-defined]


@asynccontextmanager
async def running_server(settings: Settings, limits: ServerLimits | None = None) -> AsyncIterator[RunningServer]:
    """The real aiohttp app on a real socket (port 0), shut down as `feedbot serve` would be (`limits`: shorter
    timeouts for the tests of them)."""
    deps = build_deps(settings)
    app = build_web_app(deps, limits=limits)
    runner = web.AppRunner(app, access_log=None, **runner_options(app))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        async with aiohttp.ClientSession() as http:
            yield RunningServer(f"http://127.0.0.1:{port}", deps, http)
    finally:
        await runner.cleanup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_healthy(http: aiohttp.ClientSession, base_url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            async with http.get(f"{base_url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"feedbot serve at {base_url} was not healthy within {seconds} s")
        await asyncio.sleep(0.1)


async def start_serve(
    port: int, env: dict[str, str], output: int | None = None, extra_args: Sequence[str] = ()
) -> asyncio.subprocess.Process:
    """`feedbot serve` as its own process, as an operator would run it (`extra_args` such as --socket-mode)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--port",
        str(port),
        *extra_args,
        env=env,
        stdout=output if output is not None else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.STDOUT if output is not None else asyncio.subprocess.DEVNULL,
    )


@asynccontextmanager
async def served(env: dict[str, str], seconds: float = 60) -> AsyncIterator[tuple[asyncio.subprocess.Process, str]]:
    """`feedbot serve` as a process, healthy, as (process, base URL); stopped with SIGTERM on the way out."""
    port = free_port()
    process = await start_serve(port, env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, base_url, seconds=seconds)
        yield process, base_url
    finally:
        process.terminate()
        await process.wait()


async def release_from_cli(env: dict[str, str], title: str, summary: str) -> None:
    """`feedbot release create … --team TEAM --at now`, as a deploy pipeline runs it."""
    command = [sys.executable, "-m", "bot", "release", "create", "--title", title, "--summary", summary]
    await asyncio.to_thread(subprocess.run, [*command, "--team", TEAM], env=env, check=True, capture_output=True)


TEAM = "T0001"

# Every time-driven behaviour that a test or benchmark does not test is pinned here, and only here: the
# conftest puts these in the environment that in-process settings read, and serve_env hands them to every
# `feedbot serve` and CLI process. Without it the weekly digest joins any run with lions on its weekday and
# hour, and a retention sweep could empty seeded texts. A test about one of them sets it explicitly.
# FEEDBOT_TEST_TIMEZONE runs the whole suite in another zone (scripts/test-calendar.sh does, for daylight saving).
PINNED_SCHEDULES = {
    "FEEDBOT_DIGEST_DAY": "off",
    "FEEDBOT_RETENTION_DAYS": "",
    "FEEDBOT_TIMEZONE": os.environ.get("FEEDBOT_TEST_TIMEZONE", "UTC"),
}


def process_env(**values: str) -> dict[str, str]:
    """The environment for a feedbot process a test starts: none of the caller's own Slack, feedbot or database
    settings, every schedule it does not test pinned, then `values`."""
    own = ("SLACK_", "FEEDBOT_", "DATABASE_URL")
    env = {key: value for key, value in os.environ.items() if not key.startswith(own)}
    return {**env, **PINNED_SCHEDULES, **values}


def serve_env(database_url: str, fake: FakeSlack, **extra: str) -> dict[str, str]:
    """`process_env` for a server pointed at the fake Slack."""
    return process_env(
        DATABASE_URL=database_url,
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        **extra,
    )


def seed_lions(database_url: str, recipients: int) -> list[str]:
    """Migrate the (empty) database and put `recipients` people in the lion tier, 1,000 rows per INSERT."""
    people = [f"U{n:08d}" for n in range(recipients)]
    seed_tier(database_url, people, "lion")
    return people


def seed_tier(database_url: str, targets: Sequence[str], tier: str) -> None:
    """Migrate the database and put these people (or channels: C…, 19:…) in a tier of TEAM's map."""
    upgrade_to_head(database_url)
    engine = create_engine(sync_url(database_url))
    now = utcnow()
    with engine.begin() as connection:
        for start in range(0, len(targets), 1000):
            connection.execute(
                insert(Stakeholder),
                [
                    {
                        "platform": "slack",
                        "team_id": TEAM,
                        "target_id": target,
                        "target_kind": "channel" if target.startswith(("C", "19:")) else "user",
                        "tier": tier,
                        "added_by": "bench",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for target in targets[start : start + 1000]
                ],
            )
    engine.dispose()


def memory_mib(pid: int, field: str = "VmRSS") -> float:
    """A process's resident memory now (VmRSS) or at its peak so far (VmHWM), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 10.0) -> Any:
    """Poll an async check until it returns something truthy (the worker settles rows after Slack answers)."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("not within the time limit")
        await asyncio.sleep(0.05)
