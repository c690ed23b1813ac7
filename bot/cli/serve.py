"""`feedbot serve`: run the aiohttp app until SIGTERM/SIGINT, then finish in-flight work and close the DB."""

from __future__ import annotations

import argparse
import asyncio
import logging

from aiohttp import web

from bot.cli.resources import add_outbox_log
from bot.deps import build_deps
from bot.domain.settings import Settings, require_slack_credentials
from bot.services.similarity import load_tfidf
from storage.migrate import upgrade_to_head

log = logging.getLogger("feedbot.serve")


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    serve = commands.add_parser("serve", help="run the HTTP server (Slack events, health, metrics)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument(
        "--socket-mode",
        action="store_true",
        help="receive Slack events over a WebSocket (needs SLACK_APP_TOKEN) instead of POST /slack/events",
    )
    add_outbox_log(serve)
    serve.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    logging.getLogger().setLevel(logging.INFO)
    require_slack_credentials(settings, socket_mode=args.socket_mode)
    # The composition root (Bolt, the adapters) loads for this command only: the others start without it.
    from bot import app

    if args.socket_mode:
        # Before the database is touched: a token Slack refuses stops start-up like a missing setting does.
        asyncio.run(app.check_socket_mode_token(settings))
    upgrade_to_head(settings.database_url)
    load_tfidf()
    web_app = app.build_web_app(build_deps(settings), socket_mode=args.socket_mode, outbox_log=args.outbox_log)
    host, port = args.host, args.port
    if args.socket_mode:
        log.info("Slack requests: over Socket Mode · health: http://%s:%s/healthz · metrics: /metrics", host, port)
    else:
        log.info("Slack requests: POST http://%s:%s/slack/events · health: /healthz · metrics: /metrics", host, port)
    web.run_app(
        web_app,
        host=host,
        port=port,
        shutdown_timeout=app.SHUTDOWN_GRACE_SECONDS,
        access_log=None,
        print=lambda message: log.info("%s", message),
        handle_signals=True,
        **app.runner_options(web_app),
    )
    log.info("stopped")
    return 0
