"""`feedbot pulse start|results|close`: eNPS pulses from the command line, one-off or recurring.

`pulse results [PULSE-n] [--by department|location] [--format text|json]` shows what /pulse results shows; JSON is
one object with the same figures (and `slices` when sliced), never more than the text would show."""

from __future__ import annotations

import argparse
import json

from apscheduler.triggers.cron import CronTrigger

from bot.cli.previews import chosen
from bot.cli.resources import TEAM_HELP, CommandFailed, Resources, print_reply, run_as_operator, run_with
from bot.desks.pulses import PulseDesk
from bot.domain.ids import parse_pulse_id
from bot.domain.replies import Reply, unmarked
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.services.pulses import parse_every, parse_segment, seen_data, seen_reply
from bot.services.releases import parse_send_at
from bot.services.stakeholders import parse_target

FORMATS = ("text", "json")


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
    results = actions.choices["results"]
    results.add_argument(
        "--by",
        metavar="SEGMENT",
        help="department or location: each one's eNPS, with small ones withheld (people import gives segments)",
    )
    results.add_argument("--format", metavar="FORMAT", default="text", help="text (the default) or json")
    for parser in actions.choices.values():
        parser.add_argument("--team", metavar="TEAM_ID", help=TEAM_HELP)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "results":
        return _results(args, settings)
    return run_as_operator(
        settings, args.team, lambda resources, requester: _act(args, resources.desks.pulses, requester, settings)
    )


def _results(args: argparse.Namespace, settings: Settings) -> int:
    # Checked before the database is opened: a mistyped command changes nothing.
    form = chosen(args.format, FORMATS, "format")
    pulse_id = parse_pulse_id(args.pulse) if args.pulse else None
    if args.pulse and pulse_id is None:
        raise CommandFailed(f"“{args.pulse}” is not a pulse id: use PULSE-3 or 3")
    try:
        by = parse_segment(args.by) if args.by is not None else None
    except ValueError as problem:
        raise CommandFailed(unmarked(str(problem))) from None

    async def show(resources: Resources) -> int:
        requester = await resources.operator(args.team)
        seen = await resources.desks.pulses.look(requester, pulse_id, by)
        if form == "text" or isinstance(seen, Reply):
            reply = seen if isinstance(seen, Reply) else seen_reply(seen)
            return print_reply(reply, await resources.names(requester.team_id))
        print(json.dumps(seen_data(seen), ensure_ascii=False, indent=2))
        return 0

    return run_with(settings, show)


async def _act(args: argparse.Namespace, desk: PulseDesk, requester: Requester, settings: Settings) -> Reply:
    if args.action == "close":
        pulse_id = parse_pulse_id(args.pulse) if args.pulse else None
        if args.pulse and pulse_id is None:
            return Reply.invalid(f"“{args.pulse}” is not a pulse id: use PULSE-3 or 3.")
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
