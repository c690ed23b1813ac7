"""Slack over Socket Mode: the same AsyncApp and listeners as POST /slack/events, fed from a WebSocket instead.

`feedbot serve --socket-mode` opens the WebSocket inside the aiohttp app's lifecycle, so /healthz, /metrics and the
runtime (delivery worker, scheduler) run exactly as over HTTP; only where Slack's requests arrive changes. The
transport is Bolt's own adapter (slack_sdk's aiohttp SocketModeClient underneath): it answers Slack's pings,
reconnects after a `disconnect` message or a dropped socket, and turns each envelope into a Bolt request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.domain.settings import Settings, SettingsError
from comms.metrics import Metrics

log = logging.getLogger("feedhandlers.slack.socket_mode")

# Answers from apps.connections.open that mean "not now", as opposed to "this token will never work".
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


def app_level_client(settings: Settings, timeout: int = 30) -> AsyncWebClient:
    """The Web API client for apps.connections.open: it takes the app-level token, not the bot token, and like
    every other call it must reach SLACK_API_URL (GovSlack, the tests' fake)."""
    return AsyncWebClient(token=settings.slack_app_token, base_url=settings.slack_api_url, timeout=timeout)


async def check_app_token(settings: Settings) -> None:
    """Stop start-up with one line if Slack refuses the app token: the SDK would otherwise retry it forever,
    logging a traceback every few seconds while /healthz says all is well.

    The WebSocket URL this call is given goes unused: it is a single-use ticket that simply expires, and the
    client asks for its own when it connects. An unreachable Slack is not a reason to refuse to start."""
    token = settings.slack_app_token or ""
    try:
        await app_level_client(settings, timeout=10).apps_connections_open(app_token=token)
    except SlackApiError as error:
        reason = str(error.response.get("error") or "unknown_error")
        if error.response.status_code == 200 and reason not in TRANSIENT_ERRORS:
            raise SettingsError(
                f"SLACK_APP_TOKEN was refused by Slack ({reason}): use an app-level token of this app with the "
                "connections:write scope"
            ) from None
        log.warning("Slack did not open a Socket Mode connection yet (%s): retrying after start-up", reason)
    except (aiohttp.ClientError, TimeoutError) as error:
        log.warning("Slack is not reachable at SLACK_API_URL yet (%s): retrying after start-up", type(error).__name__)


class _BoltSocketModeHandler(AsyncSocketModeHandler):
    """Bolt's handler plus two things `feedbot serve` needs: acks are timed into the same histogram as HTTP acks,
    and shutdown can stop taking envelopes while the ones in flight still get their acks out."""

    def __init__(self, app: AsyncApp, web_client: AsyncWebClient, metrics: Metrics) -> None:
        super().__init__(app, app_token=web_client.token, web_client=web_client, logger=log)
        self._metrics = metrics
        self.accepting = True
        self.in_flight: set[asyncio.Task[Any]] = set()

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        if not self.accepting:
            # Shutting down. No ack: Slack retries an unacknowledged event, possibly on another replica's socket.
            log.info("shutting down: left %s envelope %s unacknowledged", req.type, req.envelope_id)
            return
        task = asyncio.current_task()
        if task is not None:
            self.in_flight.add(task)
        started = time.perf_counter()
        try:
            await super().handle(client, req)
        finally:
            self._metrics.slack_ack_seconds.observe(time.perf_counter() - started)
            if task is not None:
                self.in_flight.discard(task)


class SocketModeLink:
    """The WebSocket to Slack of one `feedbot serve` process: opened on start-up, closed first on shutdown."""

    def __init__(self, slack_app: AsyncApp, settings: Settings, metrics: Metrics) -> None:
        self._slack_app = slack_app
        self._settings = settings
        self._metrics = metrics
        self._handler: _BoltSocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # Built here rather than in __init__: the SDK client starts its message loop and aiohttp session on the
        # running event loop, which exists only once the app starts.
        self._handler = _BoltSocketModeHandler(self._slack_app, app_level_client(self._settings), self._metrics)
        # In the background, so /healthz and /metrics come up even while Slack is unreachable; the SDK keeps
        # retrying until it is connected.
        self._connecting = asyncio.get_running_loop().create_task(
            self._handler.connect_async(), name="socket-mode:connect"
        )

    async def stop(self, grace_seconds: float) -> None:
        """Take no new envelopes, let the ones in flight send their acks, then close the socket."""
        handler = self._handler
        if handler is None:
            return
        handler.accepting = False
        if handler.in_flight:
            await asyncio.wait(set(handler.in_flight), timeout=grace_seconds)
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
        # Closing says goodbye to Slack over the socket; a peer that never answers must not hold shutdown up.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(handler.close_async(), grace_seconds)
