"""Slack's HTTP side: POST /slack/events (signature and shape checked in front of Bolt), the OAuth pages, and the
Socket Mode link that replaces /slack/events when SLACK_APP_TOKEN is used."""

from __future__ import annotations

import time

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.deps import Deps
from handlers.http_guard import SLACK_BODY_LIMIT, read_body
from handlers.slack.guard import Checked, Rejection, check_request
from handlers.slack.socket_mode import SocketModeLink
from handlers.web import DEPS

SLACK_APP = web.AppKey("slack_app", AsyncApp)
SOCKET_MODE = web.AppKey("socket_mode", SocketModeLink)


async def slack_events(request: web.Request) -> web.Response:
    started = time.perf_counter()
    deps = request.app[DEPS]
    raw_body = await read_body(request, SLACK_BODY_LIMIT)
    signing_secret = deps.settings.slack_signing_secret or ""
    headers = dict(request.headers)
    checked = check_request(raw_body, headers, signing_secret)
    if isinstance(checked, Rejection):
        deps.metrics.slack_rejected.labels(checked.reason).inc()
        return web.json_response({"ok": False, "error": checked.reason}, status=checked.status)
    bolt_request = checked_bolt_request(checked, request.query_string, headers)
    bolt_response = await request.app[SLACK_APP].async_dispatch(bolt_request)
    deps.metrics.slack_ack_seconds.observe(time.perf_counter() - started)
    return await to_aiohttp_response(bolt_response)


def checked_bolt_request(checked: Checked, query: str, headers: dict[str, str]) -> AsyncBoltRequest:
    """A Bolt request that carries the guard's parse of the body instead of parsing the text again.

    AsyncBoltRequest parses a text body itself and, in HTTP mode, refuses an already-parsed one (socket_mode would
    take it, but that mode also tells Bolt's request verification to skip the request). So it is built on an empty
    body, which costs nothing to parse, and then given the checked text and parse; its context is built from the
    parse as the constructor would have. `raw_body` stays the signed text, so Bolt's own verification (off in
    bot/app.py, as the guard has done it) would still see what Slack signed.
    """
    bolt_request = AsyncBoltRequest(body="", query=query, headers=headers)  # type: ignore[arg-type]
    bolt_request.raw_body = checked.text
    bolt_request.body = checked.body
    bolt_request.context = build_async_context(AsyncBoltContext(), checked.body)
    return bolt_request


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


def mount(app: web.Application, slack_app: AsyncApp, deps: Deps, *, socket_mode: bool) -> None:
    """/slack/events (or Socket Mode instead) and the OAuth pages, for one Bolt app."""
    app[SLACK_APP] = slack_app
    if socket_mode:
        # Not mounted in Socket Mode: Slack sends nothing over HTTP then, and with no signing secret required there
        # is nothing to check a POST against, so the route would let anyone who reaches the port run commands.
        app[SOCKET_MODE] = SocketModeLink(app[SLACK_APP], deps.settings, deps.metrics)
    else:
        app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/slack/install", slack_oauth)
    app.router.add_get("/slack/oauth_redirect", slack_oauth)
