"""The aiohttp server: Slack at /slack/events (or over Socket Mode), Teams at /api/messages, health and metrics.
One process, one loop."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.api_intake import FeedbackApi
from bot.app import build_slack_app
from bot.deps import Deps
from bot.http_guard import LARGEST_BODY, LIMITS, SLACK_BODY_LIMIT, ServerLimits, bearer_matches, read_body
from bot.runtime import Runtime
from bot.socket_mode import SocketModeLink
from bot.tracker_desk import TrackerDesk
from handlers import teams as teams_handlers
from handlers import trackers as tracker_webhooks
from handlers.api import feedback as feedback_api
from handlers.slack.guard import check_request

log = logging.getLogger("feedbot.server")

DEPS = web.AppKey("deps", Deps)
SLACK_APP = web.AppKey("slack_app", AsyncApp)
RUNTIME = web.AppKey("runtime", Runtime)
SOCKET_MODE = web.AppKey("socket_mode", SocketModeLink)
SHUTDOWN_GRACE_SECONDS = 10.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def count_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "unmatched"
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as http_error:
        status = http_error.status
        raise
    finally:
        request.app[DEPS].metrics.http_requests.labels(route, str(status)).inc()


async def slack_events(request: web.Request) -> web.Response:
    started = time.perf_counter()
    deps = request.app[DEPS]
    raw_body = await read_body(request, SLACK_BODY_LIMIT)
    signing_secret = deps.settings.slack_signing_secret or ""
    rejection = check_request(raw_body, request.headers, signing_secret)
    if rejection is not None:
        deps.metrics.slack_rejected.labels(rejection.reason).inc()
        return web.json_response({"ok": False, "error": rejection.reason}, status=rejection.status)
    bolt_request = AsyncBoltRequest(
        body=raw_body.decode("utf-8"),
        query=request.query_string,
        headers=dict(request.headers),  # type: ignore[arg-type]
    )
    bolt_response = await request.app[SLACK_APP].async_dispatch(bolt_request)
    deps.metrics.slack_ack_seconds.observe(time.perf_counter() - started)
    return await to_aiohttp_response(bolt_response)


async def slack_oauth(request: web.Request) -> web.Response:
    """GET /slack/install (the Add to Slack page) and /slack/oauth_redirect (Slack sends the installer back)."""
    flow = request.app[SLACK_APP].oauth_flow
    if flow is None:
        raise web.HTTPNotFound()
    bolt_request = AsyncBoltRequest(body="", query=request.query_string, headers=dict(request.headers))  # type: ignore[arg-type]
    if request.path == flow.install_path:
        bolt_response = await flow.handle_installation(bolt_request)
    else:
        bolt_response = await flow.handle_callback(bolt_request)
    return await to_aiohttp_response(bolt_response)


async def healthz(request: web.Request) -> web.Response:
    if await request.app[DEPS].db.ping():
        return web.json_response({"status": "ok", "database": "ok"})
    return web.json_response({"status": "unavailable", "database": "unreachable"}, status=503)


async def metrics(request: web.Request) -> web.Response:
    token = request.app[DEPS].settings.metrics_token
    if token is not None and not bearer_matches(request.headers.get("Authorization"), token):
        return web.json_response(
            {"ok": False, "error": "missing or wrong metrics token"},
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="feedbot-metrics"'},
        )
    body = generate_latest(request.app[DEPS].metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as http_error:
        if http_error.status < 400:
            raise
        body = json.dumps({"ok": False, "error": http_error.reason})
        return web.Response(status=http_error.status, body=body, content_type="application/json")


json_errors = web.middleware(_json_errors)


def build_web_app(deps: Deps, *, socket_mode: bool = False, limits: ServerLimits | None = None) -> web.Application:
    # Each route reads its body with its own cap (bot/http_guard.py); this is the backstop for anything else.
    app = web.Application(middlewares=[count_requests, json_errors], client_max_size=LARGEST_BODY)
    app[DEPS] = deps
    app[LIMITS] = limits or ServerLimits()
    if not deps.settings.teams_only:
        _mount_slack(app, deps, socket_mode)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    feedback_api.register(app, FeedbackApi(deps))
    if deps.settings.teams_enabled:
        teams_handlers.register(app, deps)
    tracker_webhooks.register(app, TrackerDesk(deps), deps.settings)
    app[RUNTIME] = Runtime(deps)
    app.on_startup.append(_start_runtime)
    if socket_mode:
        # Opened after the runtime is up, closed before it winds down: envelopes only arrive while both run.
        app.on_startup.append(_open_socket_mode)
        app.on_shutdown.append(_close_socket_mode)
    app.on_shutdown.append(_finish_background_work)
    app.on_cleanup.append(_close_database)
    return app


def runner_options(app: web.Application) -> dict[str, Any]:
    """What `feedbot serve` (and the tests' server) hand aiohttp's runner: the keep-alive timer closes a connection
    whose request head has not arrived in time (a slowloris connection would be held for an hour otherwise), and
    a short linger stops a refused, trickling body from holding its connection after the answer."""
    limits = app[LIMITS]
    return {"keepalive_timeout": limits.head_seconds, "lingering_time": limits.linger_seconds}


def _mount_slack(app: web.Application, deps: Deps, socket_mode: bool) -> None:
    app[SLACK_APP] = build_slack_app(deps)
    if socket_mode:
        # Not mounted in Socket Mode: Slack sends nothing over HTTP then, and with no signing secret required there
        # is nothing to check a POST against, so the route would let anyone who reaches the port run commands.
        app[SOCKET_MODE] = SocketModeLink(app[SLACK_APP], deps.settings, deps.metrics)
    else:
        app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/slack/install", slack_oauth)
    app.router.add_get("/slack/oauth_redirect", slack_oauth)


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
