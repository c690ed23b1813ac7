"""`feedbot pulse start|results|close`: eNPS pulses from the command line, one-off or recurring."""

from __future__ import annotations

import argparse

from apscheduler.triggers.cron import CronTrigger

from bot.cli.resources import TEAM_HELP, run_as_operator
from bot.desks.pulses import PulseDesk
from bot.domain.ids import parse_pulse_id
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.services.pulses import parse_every
from bot.services.releases import parse_send_at
from bot.services.stakeholders import parse_target


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    pulse = commands.add_parser("pulse", help="eNPS pulses: start (once or recurring), results, close")
    pulse.set_defaults(run=run)
    actions = pulse.add_subparsers(dest="action", required=True, metavar="ACTION")
    start = actions.add_parser("start", help="ask a channel's members (or everyone) the eNPS question")
    start.add_argument("--channel", metavar="CHANNEL_ID", help="default: every active person in the workspace")
    start.add_argument("--question", help="default: How likely are you to recommend FEEDBOT_PRODUCT_NAME …?")
    rhythm = start.add_mutually_exclusive_group()
    rhythm.add_argument("--every", metavar="30d", help="run again every N days")
    rhythm.add_argument("--cron", metavar='"0 9 1 * *"', help="run on a crontab schedule (UTC)")
    start.add_argument("--from", dest="first", default="now", help="first run of a recurring pulse (ISO 8601)")
    for name, does in (("results", "show the results of a pulse"), ("close", "close a pulse")):
        parser = actions.add_parser(name, help=f"{does} (default: the latest)")
        parser.add_argument("pulse", nargs="?", metavar="PULSE-ID")
    for parser in actions.choices.values():
        parser.add_argument("--team", metavar="TEAM_ID", help=TEAM_HELP)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_as_operator(
        settings, args.team, lambda resources, requester: _act(args, resources.desks.pulses, requester, settings)
    )


async def _act(args: argparse.Namespace, desk: PulseDesk, requester: Requester, settings: Settings) -> Reply:
    if args.action in {"results", "close"}:
        pulse_id = parse_pulse_id(args.pulse) if args.pulse else None
        if args.pulse and pulse_id is None:
            return Reply.invalid(f"“{args.pulse}” is not a pulse id: use PULSE-3 or 3.")
        if args.action == "results":
            return await desk.results(requester, pulse_id)
        return await desk.close(requester, pulse_id)
    channel = None
    if args.channel:
        target = parse_target(args.channel)
        if target is None or target.kind != "channel":
            return Reply.invalid(f"“{args.channel}” is not a channel id (C…).")
        channel = target.id
    if not args.every and not args.cron:
        return await desk.created_elsewhere(requester, channel, args.question)
    try:
        every = parse_every(args.every) if args.every else None
        if args.cron:
            try:
                CronTrigger.from_crontab(args.cron, timezone="UTC")
            except ValueError as problem:
                raise ValueError(f"--cron “{args.cron}” is not a crontab line: {problem}") from None
        first = parse_send_at(args.first, settings.zone)
        if args.cron and args.first == "now":
            # A cron pulse starts at its first slot, not at the moment it is set up.
            next_fire = CronTrigger.from_crontab(args.cron, timezone="UTC").get_next_fire_time(None, first)
            first = next_fire or first
    except ValueError as problem:
        return Reply.invalid(str(problem))
    return await desk.recurring(
        requester, channel_id=channel, question=args.question, every_days=every, cron=args.cron, first_run=first
    )
