"""`feedbot stakeholders add|remove|list|import`: who hears about releases, in which tier.

Targets are parsed once, here, into `Target`s that go to the desk as they are."""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from bot.cli.resources import TEAM_HELP, Resources, run_as_operator
from bot.desks.releases import ReleaseDesk
from bot.domain.replies import Reply, verbatim
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.domain.vocabulary import TIERS
from bot.services.stakeholders import BadTargets, Target, parse_targets


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    stakeholders = commands.add_parser("stakeholders", help="who hears about releases, in which tier")
    stakeholders.set_defaults(run=run)
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
        parser.add_argument("--team", metavar="TEAM_ID", help=TEAM_HELP)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_as_operator(settings, args.team, lambda resources, requester: _act(args, resources, requester))


async def _act(args: argparse.Namespace, resources: Resources, requester: Requester) -> Reply:
    desk = resources.releases
    if args.action == "list":
        return await desk.stakeholder_command(requester, "list")
    if args.action == "import":
        return await _import(args.file, desk, requester)
    try:
        targets = parse_targets(args.targets)
    except BadTargets as problem:
        return Reply.invalid(_for_the_command_line(problem))
    if args.action == "add":
        return await desk.place_stakeholders(requester, args.tier, targets)
    return await desk.remove_stakeholders(requester, targets)


def _for_the_command_line(problem: BadTargets) -> str:
    """A command line has no @name or #name to pick from: say which ids it takes instead."""
    if not problem.unknown:
        return str(problem)
    who = ", ".join(verbatim(word) for word in problem.unknown)
    return (
        f"I can't tell who {who} is: give a Slack user id (U… or W…), a channel id (C…) or a Teams id (29:… or 19:…). "
        "The command line takes ids, not @names or #names."
    )


async def _import(path: Path, desk: ReleaseDesk, requester: Requester) -> Reply:
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
    grouped: dict[str, list[Target]] = {}
    try:
        grouped = {tier: parse_targets(targets) for tier, targets in plan.items()}
    except BadTargets as problem:
        problems.append(_for_the_command_line(problem))
    if problems:
        return Reply.invalid("Nothing was imported. " + "; ".join(problems[:10]))
    lines: list[str] = []
    for tier, targets in grouped.items():
        reply = await desk.place_stakeholders(requester, tier, targets)
        lines.extend(reply.lines)
    return Reply.info(f"Imported {sum(len(t) for t in grouped.values())} stakeholders:", *lines)
