"""Helpers for tests and benchmarks that run the real server: in-process on a socket, or as a process."""

from __future__ import annotations

import asyncio
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy import func, select

from bot.app import Deps, build_deps
from bot.config import Settings
from bot.server import build_web_app
from storage.models import Base
from tests.fakes.slack_api import block_kit_problems
from tests.fakes.slack_requests import signed_headers


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
async def running_server(settings: Settings) -> AsyncIterator[RunningServer]:
    """The real aiohttp app on a real socket (port 0), shut down as `feedbot serve` would be."""
    deps = build_deps(settings)
    runner = web.AppRunner(build_web_app(deps), access_log=None)
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


async def start_serve(port: int, env: dict[str, str], output: int | None = None) -> asyncio.subprocess.Process:
    """`feedbot serve` as its own process, as an operator would run it."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "serve",
        "--port",
        str(port),
        env=env,
        stdout=output if output is not None else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.STDOUT if output is not None else asyncio.subprocess.DEVNULL,
    )
