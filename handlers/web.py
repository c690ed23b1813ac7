"""The operational endpoints (/healthz, /metrics) and the middlewares every route shares."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.deps import Deps
from handlers.http_guard import bearer_matches

DEPS = web.AppKey("deps", Deps)

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


def register(app: web.Application, deps: Deps) -> None:
    app[DEPS] = deps
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
