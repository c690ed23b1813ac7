"""A webhook receiver on 127.0.0.1 (port 0) that records every POST as received and answers as planned.

`answer(500, 500)` makes the next two requests fail and the ones after succeed (`status`, 200 by default), as
a receiver that is briefly down would; `answer(429, retry_after=1)` asks the sender to slow down.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes  # exactly the bytes sent: what the signature covers
    at: float  # time.monotonic()
    status: int  # what the receiver answered

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[Received] = []
        self._planned: list[tuple[int, dict[str, str]]] = []
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hooks/feedbot", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hooks/feedbot"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def answer(self, *statuses: int, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self._planned.extend((status, headers) for status in statuses)

    def accepted(self) -> list[Received]:
        return [request for request in self.requests if 200 <= request.status < 300]

    def of_type(self, event_type: str) -> list[Received]:
        return [request for request in self.requests if request.headers.get("X-Feedbot-Event") == event_type]

    async def wait_for(self, count: int, event_type: str | None = None, timeout: float = 10.0) -> list[Received]:
        def seen() -> list[Received]:
            return self.requests if event_type is None else self.of_type(event_type)

        async with asyncio.timeout(timeout):
            while len(seen()) < count:
                self._changed.clear()
                await self._changed.wait()
        return seen()

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        status, headers = self._planned.pop(0) if self._planned else (self.status, {})
        self.requests.append(Received(dict(request.headers), body, time.monotonic(), status))
        self._changed.set()
        return web.json_response({"received": 200 <= status < 300}, status=status, headers=headers)
