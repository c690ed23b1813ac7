"""Composition root: the one place that wires the platform handlers to the use cases."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from bot.deps import Deps
from bot.desks import Desks
from bot.domain.settings import Settings
from bot.runtime import Runtime
from comms.console_sender import ConsoleSender, console_writer
from handlers import slack as slack_handlers
from handlers import teams as teams_handlers
from handlers import trackers as tracker_webhooks
from handlers import web as web_handlers
from handlers.api import events as events_api
from handlers.api import feedback as feedback_api
from handlers.http_guard import LARGEST_BODY, LIMITS, ServerLimits
from handlers.slack import http as slack_http
from handlers.slack.http import SOCKET_MODE
from handlers.slack.socket_mode import check_app_token
from handlers.web import DEPS, count_requests, json_errors
from storage.installations import state_store

RUNTIME = web.AppKey("runtime", Runtime)
SHUTDOWN_GRACE_SECONDS = 10.0

# What an install asks for: manifest.yml's bot scopes (a test keeps the two equal).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "users:read",
    "users:read.email",  # POST /api/feedback finds a person by email (users.lookupByEmail)
    "users.profile:read",  # feedbot people sync-slack reads the Department and Location profile fields
    "channels:read",
    "groups:read",
    "files:write",
)


def build_slack_app(desks: Desks) -> AsyncApp:
    deps = desks.deps
    app = AsyncApp(
        **_distribution(deps),
        name="feedbot",
        client=deps.slack,
        signing_secret=deps.settings.slack_signing_secret,
        logger=logging.getLogger("feedbot.slack"),
        # Our listeners ack last (once the answer is ready or the ack budget is spent) and hand any later work
        # to deps.background, so Bolt can simply await each listener. Otherwise it runs the listener aside and
        # polls for its ack() every 10 ms: those wake-ups were a large share of the CPU under load.
        process_before_response=True,
        # handlers/slack/guard.py has checked the signature before handlers/slack/http.py hands a request to Bolt (and
        # Socket Mode needs none): verifying it again here only repeats the HMAC.
        request_verification_enabled=False,
    )
    slack_handlers.register(app, desks)
    return app


def _distribution(deps: Deps) -> dict[str, Any]:
    """AsyncApp options for OAuth distribution: /slack/install, /slack/oauth_redirect, per-workspace tokens."""
    settings = deps.settings
    if deps.installations is None:
        return {}
    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=deps.installations,
        installation_store_bot_only=True,
        state_store=state_store(deps.db.engine),
        logger=logging.getLogger("feedbot.oauth"),
    )
    # The flow's own client, so oauth.v2.access goes to SLACK_API_URL too.
    return {"oauth_flow": AsyncOAuthFlow(client=deps.slack, settings=oauth)}


def build_web_app(
    deps: Deps, *, socket_mode: bool = False, limits: ServerLimits | None = None, outbox_log: Path | None = None
) -> web.Application:
    # Each route reads its body with its own cap (handlers/http_guard.py); this is the backstop for anything else.
    app = web.Application(middlewares=[count_requests, json_errors], client_max_size=LARGEST_BODY)
    app[LIMITS] = limits or ServerLimits()
    desks = Desks(deps)
    web_handlers.register(app, deps)
    if not deps.settings.teams_only:
        slack_http.mount(app, build_slack_app(desks), deps, socket_mode=socket_mode)
    feedback_api.register(app, desks.feedback_api)
    events_api.register(app, deps)
    if deps.settings.teams_enabled:
        teams_handlers.register(app, desks)
    tracker_webhooks.register(app, desks.trackers, deps.settings)
    # The terminal's workspaces (`local`, `demo`) are printed: to the server's output, or to --outbox-log.
    app[RUNTIME] = Runtime(deps, ConsoleSender(deps.db, console_writer(outbox_log), Path.cwd()))
    app.on_startup.append(_start_runtime)
    if socket_mode:
        # Opened after the runtime is up, closed before it winds down: envelopes only arrive while both run.
        app.on_startup.append(_open_socket_mode)
        app.on_shutdown.append(_close_socket_mode)
    app.on_shutdown.append(_finish_background_work)
    app.on_cleanup.append(_close_database)
    return app


async def check_socket_mode_token(settings: Settings) -> None:
    """`feedbot serve --socket-mode`'s start-up check of SLACK_APP_TOKEN, reached from the CLI through this module:
    the only one in bot/ that imports handlers/."""
    await check_app_token(settings)


def runner_options(app: web.Application) -> dict[str, Any]:
    """What `feedbot serve` (and the tests' server) hand aiohttp's runner: the keep-alive timer closes a connection
    whose request head has not arrived in time (a slowloris connection would be held for an hour otherwise), and
    a short linger stops a refused, trickling body from holding its connection after the answer."""
    limits = app[LIMITS]
    return {"keepalive_timeout": limits.head_seconds, "lingering_time": limits.linger_seconds}


async def _start_runtime(app: web.Application) -> None:
    app[RUNTIME].start()


async def _open_socket_mode(app: web.Application) -> None:
    await app[SOCKET_MODE].start()


async def _close_socket_mode(app: web.Application) -> None:
    await app[SOCKET_MODE].stop(SHUTDOWN_GRACE_SECONDS)


async def _finish_background_work(app: web.Application) -> None:
    await app[RUNTIME].stop(SHUTDOWN_GRACE_SECONDS)
    await app[DEPS].background.drain(SHUTDOWN_GRACE_SECONDS)


async def _close_database(app: web.Application) -> None:
    await app[DEPS].db.close()
