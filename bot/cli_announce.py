"""`feedbot stakeholders …` and `feedbot release …`: the "Tell" commands for operators and deploy pipelines."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from bot.cli_support import run_as_operator
from bot.deps import Deps
from bot.desks.releases import ReleaseDesk
from bot.domain.ids import parse_release_id
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.domain.vocabulary import TIERS
from bot.services.releases import ReleaseDraft, parse_linked
from bot.services.stakeholders import BadTargets, parse_targets


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    stakeholders = commands.add_parser("stakeholders", help="who hears about releases, in which tier")
    actions = stakeholders.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="put people or channels in a tier, or move them there")
    add.add_argument("tier", choices=TIERS)
    add.add_argument("targets", nargs="+", metavar="TARGET", help="Slack user/channel id (U…, C…) or Teams id")
    remove = actions.add_parser("remove", help="take people or channels off the map")
    remove.add_argument("targets", nargs="+", metavar="TARGET")
    actions.add_parser("list", help="the map, tier by tier")
    bulk = actions.add_parser("import", help="add many from a CSV file with columns tier,target")
    bulk.add_argument("file", type=Path)
    for parser in (add, remove, actions.choices["list"], bulk):
        parser.add_argument("--team", metavar="TEAM_ID", help="the workspace (default: the bot token's)")

    release = commands.add_parser("release", help="release notes: create, list, report, cancel, reschedule")
    release_actions = release.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = release_actions.add_parser("create", help="schedule a release note for every tier")
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
    release_actions.add_parser("list", help="recent releases and their status")
    report = release_actions.add_parser("report", help="how a release went: per tier, failures, acknowledgements")
    report.add_argument("release", metavar="REL-ID")
    cancel = release_actions.add_parser("cancel", help="cancel a release that has not gone out")
    cancel.add_argument("release", metavar="REL-ID")
    move = release_actions.add_parser("reschedule", help="move a release that has not gone out")
    move.add_argument("release", metavar="REL-ID")
    move.add_argument("--at", required=True)
    for parser in release_actions.choices.values():
        parser.add_argument("--team", metavar="TEAM_ID", help="the workspace (default: the bot token's)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_as_operator(
        settings,
        args.team,
        lambda deps, requester: _dispatch(args, deps, requester),
        acting_as=getattr(args, "by", None),
    )


async def _dispatch(args: argparse.Namespace, deps: Deps, requester: Requester) -> Reply:
    announcements = ReleaseDesk(deps)
    if args.command == "stakeholders":
        if args.action == "list":
            return await announcements.stakeholder_command(requester, "list")
        if args.action == "import":
            return await _import(args.file, announcements, requester)
        try:
            targets = parse_targets(args.targets)
        except BadTargets as problem:
            return Reply.invalid(str(problem))
        if args.action == "add":
            return await announcements.place_stakeholders(requester, args.tier, targets)
        return await announcements.stakeholder_command(requester, "remove " + " ".join(t.id for t in targets))
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
        return await announcements.create(requester, draft)
    if args.action == "list":
        return await announcements.listing(requester)
    release_id = parse_release_id(args.release)
    if release_id is None:
        return Reply.invalid(f"“{args.release}” is not a release id: use REL-3 or 3.")
    if args.action == "cancel":
        return await announcements.cancel(requester, release_id)
    if args.action == "report":
        return await announcements.report(requester, release_id)
    return await announcements.reschedule(requester, release_id, args.at)


async def _import(path: Path, announcements: ReleaseDesk, requester: Requester) -> Reply:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        return Reply.invalid(f"cannot read {path}: {error.strerror}")
    except (UnicodeDecodeError, csv.Error) as error:
        return Reply.invalid(f"{path} is not a readable UTF-8 CSV file: {error}")
    problems = []
    plan: dict[str, list[str]] = {}
    for number, row in enumerate(rows, start=2):
        tier = (row.get("tier") or "").strip().lower()
        target = (row.get("target") or "").strip()
        if tier not in TIERS or not target:
            problems.append(f"line {number}: needs a tier ({', '.join(TIERS)}) and a target")
            continue
        plan.setdefault(tier, []).append(target)
    if not rows:
        problems.append("no rows: the file needs a header line tier,target and one line per stakeholder")
    try:
        grouped = {tier: parse_targets(targets) for tier, targets in plan.items()}
    except BadTargets as problem:
        problems.append(str(problem))
        grouped = {}
    if problems:
        return Reply.invalid("Nothing was imported. " + "; ".join(problems[:10]))
    lines: list[str] = []
    for tier, targets in grouped.items():
        reply = await announcements.place_stakeholders(requester, tier, targets)
        lines.extend(reply.lines)
    return Reply.info(f"Imported {sum(len(t) for t in grouped.values())} stakeholders:", *lines)
