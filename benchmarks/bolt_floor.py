"""The framework's floor: a Bolt AsyncApp that only acks a slash command, served through aiohttp.

    python -m benchmarks.bolt_floor --port 3001 --slack-api-url http://127.0.0.1:PORT/api/

`benchmarks.ack_load` runs this next to `feedbot serve` and reports our throughput as a fraction of it: no
app can ack faster through Bolt on this machine, so the ratio says how much our own work costs. It keeps
what every real Bolt app pays for: request verification with the same signing secret, single-workspace
authorization (one auth.test against the fake Slack, then cached) and Bolt's own aiohttp adapter with its
default settings (AsyncApp never verifies the token at start-up). It stores nothing.
"""

from __future__ import annotations

import argparse
import logging

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import BOT_TOKEN
from tests.fakes.slack_requests import SIGNING_SECRET


async def ack_only_callback(ack: AsyncAck) -> None:
    await ack()


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_floor_app(slack_api_url: str, port: int) -> web.Application:
    app = AsyncApp(
        name="bolt-floor",
        client=AsyncWebClient(token=BOT_TOKEN, base_url=slack_api_url),
        signing_secret=SIGNING_SECRET,
    )
    app.command("/feedback")(ack_only_callback)
    web_app = app.web_app(path="/slack/events", port=port)
    # The load generator waits for /healthz before it starts, as it does for `feedbot serve`.
    web_app.router.add_get("/healthz", healthz)
    return web_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slack-api-url", required=True, help="the fake Slack Web API (for the one auth.test)")
    args = parser.parse_args()
    # The same log level `feedbot serve` runs at, so neither side pays for logging the other skips.
    logging.basicConfig(level=logging.INFO)
    web.run_app(
        build_floor_app(args.slack_api_url, args.port),
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
    )


if __name__ == "__main__":
    main()
