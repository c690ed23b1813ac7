"""`feedbot serve`: run the aiohttp app until SIGTERM/SIGINT, then finish in-flight work and close the DB."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.app import SHUTDOWN_GRACE_SECONDS, build_web_app, runner_options
from bot.deps import build_deps
from bot.domain.settings import Settings

log = logging.getLogger("feedbot.serve")


def serve(settings: Settings, host: str, port: int, socket_mode: bool = False) -> None:
    app = build_web_app(build_deps(settings), socket_mode=socket_mode)
    if socket_mode:
        log.info("Slack requests: over Socket Mode · health: http://%s:%s/healthz · metrics: /metrics", host, port)
    else:
        log.info("Slack requests: POST http://%s:%s/slack/events · health: /healthz · metrics: /metrics", host, port)
    web.run_app(
        app,
        host=host,
        port=port,
        shutdown_timeout=SHUTDOWN_GRACE_SECONDS,
        access_log=None,
        print=lambda message: log.info("%s", message),
        handle_signals=True,
        **runner_options(app),
    )
    log.info("stopped")
