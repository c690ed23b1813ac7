"""A fake Slack Socket Mode endpoint: a WebSocket server on 127.0.0.1 that speaks Slack's wire protocol.

The flow is Slack's: the app calls apps.connections.open on the fake Web API (FakeSlack) with its app-level token
and gets a single-use `ws://127.0.0.1:<port>/link/?ticket=…`; on connect this server sends
`{"type": "hello", "num_connections": …, "debug_info": {…}, "connection_info": {"app_id": …}}`. Tests then push
envelopes — `{"envelope_id", "type": "slash_commands" | "interactive" | "events_api", "accepts_response_payload",
"payload"}` — and await the app's acknowledgement `{"envelope_id": …, "payload": {…}}` (payload only when the
app answers in the ack). `disconnect()` sends `{"type": "disconnect", "reason": "refresh_requested"}` as Slack does
before it rotates a connection, which the client must answer by opening a new one.

Payloads carry the same fields as the HTTP bodies in tests.fakes.slack_requests, as JSON objects: a slash command
is its form body's fields, interactivity the `payload=` object, an event the event_callback body.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSCloseCode, WSMsgType, web

from tests.fakes import slack_requests
from tests.fakes.slack_api import FakeSlack

APP_ID = "A0001"  # the api_app_id in every payload tests.fakes.slack_requests builds
# Slack lets these interactive payloads be answered in the ack (response_action, options); others go elsewhere.
ANSWERED_IN_ACK = {"view_submission", "view_closed", "block_suggestion"}


class FakeSocketMode:
    def __init__(self, slack: FakeSlack) -> None:
        self.slack = slack
        self.sockets: list[web.WebSocketResponse] = []  # open connections, oldest first
        self.hellos = 0  # connections greeted so far (a reconnect makes it grow)
        self.acks: list[dict[str, Any]] = []  # every acknowledgement the app sent, in order
        self.unexpected: list[str] = []  # anything else the app sent: not an ack of an envelope we pushed
        self.refused: list[str] = []  # tickets refused: never issued, or used twice
        self._pushed: set[str] = set()
        self._used_tickets: set[str] = set()
        self._retiring: set[web.WebSocketResponse] = set()  # told to disconnect, not yet closed
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link/", self._link)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.slack.socket_url = f"ws://127.0.0.1:{port}/link/"

    async def stop(self) -> None:
        for socket in list(self.sockets):
            await socket.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
        self.slack.socket_url = None

    # -- test controls ---------------------------------------------------------------------------------------------
    async def wait_connected(self, hellos: int = 1, timeout: float = 10.0) -> None:
        """Until `hellos` connections have been greeted and one of them is open and not retiring."""
        await self._wait(lambda: self.hellos >= hellos and self._current() is not None, timeout)

    async def wait_closed(self, open_sockets: int, timeout: float = 10.0) -> None:
        await self._wait(lambda: len(self.sockets) <= open_sockets, timeout)

    async def push(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool, **extra: Any) -> str:
        """Send an envelope on the newest live connection (Slack sends each to one of them); its envelope_id."""
        socket = self._current()
        assert socket is not None, "no open Socket Mode connection to push to"
        envelope_id = str(uuid.uuid4())
        self._pushed.add(envelope_id)
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
            "payload": payload,
            **extra,
        }
        await socket.send_str(json.dumps(envelope))
        return envelope_id

    async def slash_command(self, command: str, text: str = "", **fields: Any) -> str:
        form = slack_requests.slash_command(command, text, **fields)
        payload = dict(parse_qsl(form, keep_blank_values=True))
        return await self.push("slash_commands", payload, accepts_response_payload=True)

    async def interactive(self, payload: dict[str, Any]) -> str:
        accepts = payload.get("type") in ANSWERED_IN_ACK
        return await self.push("interactive", payload, accepts_response_payload=accepts)

    async def event(self, body: str | dict[str, Any], retry_attempt: int = 0, retry_reason: str = "") -> str:
        """An Events API envelope around an event_callback body (e.g. slack_requests.event(...))."""
        payload = json.loads(body) if isinstance(body, str) else body
        return await self.push(
            "events_api",
            payload,
            accepts_response_payload=False,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )

    async def wait_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        await self._wait(lambda: any(ack["envelope_id"] == envelope_id for ack in self.acks), timeout)
        return next(ack for ack in self.acks if ack["envelope_id"] == envelope_id)

    def acks_for(self, envelope_id: str) -> list[dict[str, Any]]:
        return [ack for ack in self.acks if ack["envelope_id"] == envelope_id]

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every open connection to go away, as Slack does before it rotates one; the client should open
        a new connection (and may close the old one itself)."""
        for socket in list(self.sockets):
            self._retiring.add(socket)
            await socket.send_str(
                json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}})
            )
        self._changed.set()

    # -- protocol --------------------------------------------------------------------------------------------------
    def _current(self) -> web.WebSocketResponse | None:
        live = [socket for socket in self.sockets if socket not in self._retiring and not socket.closed]
        return live[-1] if live else None

    async def _wait(self, done: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not done():
                self._changed.clear()
                await self._changed.wait()

    async def _link(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self.slack.socket_tickets or ticket in self._used_tickets:
            self.refused.append(ticket)
            return web.Response(status=401, text="invalid_ticket")
        self._used_tickets.add(ticket)
        # autoping: pings are answered with a pong carrying the same data, which is how the SDK checks liveness.
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self.sockets.append(socket)
        hello = {
            "type": "hello",
            "num_connections": len(self.sockets),
            "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": APP_ID},
        }
        await socket.send_str(json.dumps(hello))
        self.hellos += 1
        self._changed.set()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    self._receive(message.data)
        finally:
            self.sockets.remove(socket)
            self._retiring.discard(socket)
            self._changed.set()
        return socket

    def _receive(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("envelope_id") in self._pushed:
            self.acks.append(message)
        else:
            self.unexpected.append(text)
        self._changed.set()
