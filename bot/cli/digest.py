"""`feedbot digest --send-now | --preview`: this week's digest to every lion (a running server delivers it at once),
or the digest as it would be sent now, printed here, with its chart saved to a file, and nothing sent or recorded."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.previews import FORMAT_HELP, FORMATS, chosen, rendered
from bot.cli.resources import TEAM_HELP, CommandFailed, Resources, queued_here, run_as_operator, run_with
from bot.domain.replies import Reply
from bot.domain.requester import Requester
from bot.domain.settings import Settings
from bot.services import digest_segments
from bot.services.stakeholders import parse_target
from comms.render.text import plain
from storage.kpi import Segment


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    digest = commands.add_parser("digest", help="the executive digest: send it now, or preview it")
    mode = digest.add_mutually_exclusive_group(required=True)
    mode.add_argument("--send-now", action="store_true", help="queue this week's digest for every lion now")
    mode.add_argument("--preview", action="store_true", help="print the digest as it would be sent now; sends nothing")
    digest.add_argument("--lion", metavar="USER_ID", help="with --preview: the lion whose digest to show")
    digest.add_argument("--format", metavar="FORMAT", help=f"with --preview: {FORMAT_HELP}")
    digest.add_argument("--chart", metavar="FILE", type=Path, help="with --preview: save the chart PNG to FILE")
    digest.add_argument("--by", metavar="SEGMENT", help="with --preview: add the section by department or location")
    digest.add_argument("--team", metavar="TEAM_ID", help=TEAM_HELP)
    digest.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.preview:
        return run_with(settings, lambda resources: _preview(args, resources))
    if args.lion is not None or args.format is not None or args.chart is not None or args.by is not None:
        raise CommandFailed("--lion, --format, --chart and --by go with --preview")
    return run_as_operator(settings, args.team, _send_now)


async def _send_now(resources: Resources, requester: Requester) -> Reply:
    return queued_here(await resources.desks.digests.send_now(requester))


async def _preview(args: argparse.Namespace, resources: Resources) -> int:
    form = chosen(args.format or "text", FORMATS, "format")
    by = _segment(args.by)
    requester = await resources.operator(args.team)
    desk = resources.desks.digests
    lions = await desk.lions(requester.team_id)
    if not lions:
        raise CommandFailed(
            f"workspace {requester.team_id} has no lion to write a digest for: "
            "add one with `feedbot stakeholders add lion USER_ID`"
        )
    if args.lion is not None and _lion_id(args.lion) not in lions:
        listed = ", ".join(lions)
        raise CommandFailed(f"{args.lion} is not a lion of workspace {requester.team_id}; its lions: {listed}")
    reader = _lion_id(args.lion) if args.lion is not None else None
    composed = await desk.preview_with_chart(requester, reader, by)
    if isinstance(composed, Reply):
        raise CommandFailed(plain(composed.text))
    note, chart = composed
    print(rendered(note, form, await resources.names(requester.team_id)))
    if args.chart is not None:
        _save_chart(args.chart, chart.content, form)
    return 0


def _segment(word: str | None) -> Segment | None:
    if word is None:
        return None
    try:
        return digest_segments.parse_by(f"by {word}")
    except ValueError:
        raise CommandFailed(f"“{word}” is not a slice: use --by department or --by location") from None


def _lion_id(word: str) -> str:
    """A user id as typed, or as Slack writes a mention (<@U123|ada>)."""
    target = parse_target(word.strip())
    return target.id if target is not None else word


def _save_chart(path: Path, png: bytes, form: str) -> None:
    try:
        path.write_bytes(png)
    except OSError as error:
        raise CommandFailed(f"cannot write the chart to {path}: {error.strerror}") from None
    # Beside JSON, the path goes to stderr, so what stdout holds still parses.
    print(f"Chart saved to {path}", file=sys.stdout if form == "text" else sys.stderr)
