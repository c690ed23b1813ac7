"""`feedbot webhooks log`: the newest webhook deliveries, to see what reached FEEDBOT_WEBHOOK_URL and what did not."""

from __future__ import annotations

import argparse

from bot.cli.resources import Resources, run_with
from bot.domain.settings import Settings
from comms.webhooks import PLATFORM
from storage import outbox
from storage.models import Delivery

COLUMNS = ("created", "event", "item", "status", "attempts", "sent", "last error")


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    webhooks = commands.add_parser("webhooks", help="events sent to FEEDBOT_WEBHOOK_URL")
    actions = webhooks.add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    log = actions.add_parser("log", help="the newest webhook deliveries, newest first")
    log.add_argument("--limit", type=_positive, default=20, metavar="N", help="how many (default 20)")
    log.add_argument("--team", metavar="TEAM_ID", help="only this workspace")
    log.set_defaults(run=run)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def run(args: argparse.Namespace, settings: Settings) -> int:
    async def recent(resources: Resources) -> list[Delivery]:
        async with resources.db.sessions() as session:
            return await outbox.recent_for_platform(session, PLATFORM, args.team, args.limit)

    rows = run_with(settings, recent)
    if not rows:
        print("no webhook deliveries yet" + ("" if settings.webhook_url else " (FEEDBOT_WEBHOOK_URL is not set)"))
        return 0
    table = [COLUMNS, *(_line(row) for row in rows)]
    widths = [max(len(line[column]) for line in table) for column in range(len(COLUMNS) - 1)]
    for line in table:
        print("  ".join([*(cell.ljust(width) for cell, width in zip(line, widths, strict=False)), line[-1]]).rstrip())
    return 0


def _line(row: Delivery) -> tuple[str, ...]:
    # subject is "webhook:<event type>:<item>", e.g. webhook:feedback.created:FB-12
    _, event, item = [*row.subject.split(":", 2), "", ""][:3]
    sent = row.sent_at.strftime("%Y-%m-%d %H:%M:%SZ") if row.sent_at else "-"
    return (
        row.created_at.strftime("%Y-%m-%d %H:%M:%SZ"),
        event,
        item,
        row.status,
        str(row.attempts),
        sent,
        row.last_error or "-",
    )
