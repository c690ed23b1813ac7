"""`feedbot feedback list|status|merge|reply|assign`: the feedback lifecycle from a terminal, for Slack and Teams
submitters alike (their notifications arrive in chat, sent by a running `feedbot serve`).

The operator acts as a trusted triager of the workspace (--team, else the one the database knows). Bad input is
one line and exit status 1, with nothing changed."""

from __future__ import annotations

import argparse

from bot.cli.resources import TEAM_HELP, Resources, queued_here, run_as_operator
from bot.desks.triage import DEFAULT_LIMIT, MAX_LIMIT
from bot.domain.ids import parse_number
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.domain.vocabulary import FEEDBACK_STATUSES


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    feedback = commands.add_parser("feedback", help="triage feedback: list|status|merge|reply|assign")
    feedback.set_defaults(run=run)
    actions = feedback.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="open items, by votes or newest first")
    listing.add_argument("--status", metavar="S", help=f"{', '.join(FEEDBACK_STATUSES)}, or all (default: open)")
    listing.add_argument("--product", metavar="P", help="only this product (any case)")
    listing.add_argument("--sort", default="new", metavar="votes|new", help="most votes first, or newest (default)")
    listing.add_argument("--limit", default=str(DEFAULT_LIMIT), metavar="N", help=f"at most N items (1-{MAX_LIMIT})")
    status = actions.add_parser("status", help="set a status; submitter and voters are told")
    status.add_argument("item", metavar="FB-n")
    status.add_argument("status", metavar="STATUS", help="new, under_review, planned, in_progress, shipped, declined")
    status.add_argument("--note", metavar="TEXT", help="what people are told with it (declined needs one)")
    merge = actions.add_parser("merge", help="merge a duplicate into another item")
    merge.add_argument("item", metavar="FB-a")
    merge.add_argument("--into", required=True, metavar="FB-b")
    reply = actions.add_parser("reply", help="answer the submitter by DM")
    reply.add_argument("item", metavar="FB-n")
    reply.add_argument("text", nargs="+", metavar="TEXT")
    assign = actions.add_parser("assign", help="assign to a person (none: unassign)")
    assign.add_argument("item", metavar="FB-n")
    assign.add_argument("person", metavar="USER_ID")
    for parser in actions.choices.values():
        parser.add_argument("--team", metavar="TEAM_ID", help=TEAM_HELP)


def run(args: argparse.Namespace, settings: Settings) -> int:
    return run_as_operator(settings, args.team, lambda resources, requester: _act(args, resources, requester))


async def _act(args: argparse.Namespace, resources: Resources, requester: Requester) -> Reply:
    desk = resources.triage
    if args.action == "list":
        limit = parse_number(args.limit.strip())
        if limit is None or limit > MAX_LIMIT:
            return Reply.invalid(f"--limit takes a whole number from 1 to {MAX_LIMIT}.")
        return await desk.listing(
            requester, status=args.status, product=args.product, sort=args.sort.strip().lower(), limit=limit
        )
    if args.action == "status":
        return queued_here(await desk.set_status(requester, args.item, args.status, args.note))
    if args.action == "merge":
        return queued_here(await desk.merge(requester, args.item, args.into))
    if args.action == "reply":
        return queued_here(await desk.reply(requester, args.item, " ".join(args.text)))
    return await desk.assign(requester, args.item, args.person)
