"""`feedbot release create|list|preview|report|cancel|reschedule`: release notes for operators and deploy pipelines.

A release needs the database and the workspace only: no Slack, Teams or tracker client is built for it, and the
workspace comes from --team or the database (bot/cli/resources.py). A running `feedbot serve` sends it."""

from __future__ import annotations

import argparse

from bot.cli.previews import FORMAT_HELP, FORMATS, chosen, rendered
from bot.cli.resources import TEAM_HELP, CommandFailed, Resources, queued_here, run_as_operator, run_with
from bot.domain.ids import parse_release_id
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.domain.vocabulary import TIERS
from bot.services.releases import ReleaseDraft, parse_linked
from bot.services.stakeholders import TIER_HINTS
from comms.render.text import plain


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    release = commands.add_parser("release", help="releases: create|list|preview|report|cancel|reschedule")
    release.set_defaults(run=run)
    actions = release.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="schedule a release note for every tier")
    create.add_argument("--title", required=True)
    create.add_argument("--summary", required=True, help="what everyone without their own text gets")
    create.add_argument("--details", help="the full note for elephants")
    create.add_argument("--exec-summary", help="a few lines for lions: impact, decisions needed")
    create.add_argument("--deer-text", help="what changes for the people whose work changes")
    create.add_argument("--affected", help="who is affected")
    create.add_argument("--version")
    create.add_argument("--at", default="now", help="now, or ISO 8601 (without offset: in FEEDBOT_TIMEZONE)")
    create.add_argument(
        "--local-time", action="store_true", help="reach people at --at's time of day in their own time zone"
    )
    create.add_argument("--feedback", nargs="*", default=[], metavar="ID", help="feedback/bug ids it ships (FB-1)")
    create.add_argument("--by", metavar="USER_ID", help="the Slack user who gets the delivery report")
    actions.add_parser("list", help="recent releases and their status")
    preview = actions.add_parser("preview", help="what each tier gets: as text, Block Kit or an Adaptive Card")
    preview.add_argument("release", metavar="REL-ID")
    preview.add_argument("--tier", metavar="TIER", help=f"only this tier: {', '.join(TIERS)} (default: all four)")
    preview.add_argument("--format", default="text", metavar="FORMAT", help=FORMAT_HELP)
    report = actions.add_parser("report", help="how a release went: per tier, failures, acknowledgements")
    report.add_argument("release", metavar="REL-ID")
    cancel = actions.add_parser("cancel", help="cancel a release that has not gone out")
    cancel.add_argument("release", metavar="REL-ID")
    move = actions.add_parser("reschedule", help="move a release that has not gone out")
    move.add_argument("release", metavar="REL-ID")
    move.add_argument("--at", required=True)
    for parser in actions.choices.values():
        parser.add_argument("--team", metavar="TEAM_ID", help=TEAM_HELP)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "preview":
        return run_with(settings, lambda resources: _preview(args, resources))
    return run_as_operator(
        settings,
        args.team,
        lambda resources, requester: _act(args, resources, requester),
        acting_as=getattr(args, "by", None),
    )


async def _act(args: argparse.Namespace, resources: Resources, requester: Requester) -> Reply:
    desk = resources.releases
    if args.action == "create":
        try:
            linked = parse_linked(args.feedback)
        except ValueError as problem:
            return Reply.invalid(str(problem))
        draft = ReleaseDraft(
            title=args.title,
            summary=args.summary,
            version=args.version,
            deer_text=args.deer_text,
            details=args.details,
            exec_summary=args.exec_summary,
            affected=args.affected,
            linked=linked,
            send_at=args.at,
            per_recipient_time=args.local_time,
        )
        return queued_here(await desk.create(requester, draft))
    if args.action == "list":
        return await desk.listing(requester)
    release_id = parse_release_id(args.release)
    if release_id is None:
        return Reply.invalid(f"“{args.release}” is not a release id: use REL-3 or 3.")
    if args.action == "cancel":
        return await desk.cancel(requester, release_id)
    if args.action == "report":
        return await desk.report(requester, release_id)
    return await desk.reschedule(requester, release_id, args.at)


async def _preview(args: argparse.Namespace, resources: Resources) -> int:
    """Prints each tier's rendering under a heading, or one tier's alone (JSON that pastes as it is)."""
    tiers = (chosen(args.tier, TIERS, "tier"),) if args.tier is not None else TIERS
    form = chosen(args.format, FORMATS, "format")
    release_id = parse_release_id(args.release)
    if release_id is None:
        raise CommandFailed(f"“{args.release}” is not a release id: use REL-3 or 3")
    requester = await resources.operator(args.team)
    notes = await resources.releases.tier_notes(requester, release_id)
    if isinstance(notes, Reply):
        raise CommandFailed(plain(notes.text))
    names = await resources.names(requester.team_id)
    shown = [rendered(notes[tier], form, names) for tier in tiers]
    if len(tiers) == 1:
        print(shown[0])
        return 0
    print("\n\n".join(f"── {tier}: {TIER_HINTS[tier]} ──\n{text}" for tier, text in zip(tiers, shown, strict=True)))
    return 0
