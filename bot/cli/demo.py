"""`feedbot demo [--reset] [--database-url URL]`: a believable company in the workspace `demo`, to try every
capability locally (`feedbot shell`) without Slack or Teams."""

from __future__ import annotations

import argparse

from sqlalchemy.exc import IntegrityError

from bot.cli.resources import CommandFailed, Resources, run_with
from bot.demo.company import PRODUCTS
from bot.demo.fill import DemoOutcome, DemoSummary, fill
from bot.domain.demo import DEMO_TEAM
from bot.domain.settings import Settings, SettingsError, load_settings, redact_url_password
from storage.models import utcnow


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = commands.add_parser(
        "demo",
        help=f"fill the database with a demo company (workspace {DEMO_TEAM})",
        description=f"Fill the database with a demo company in its own workspace, {DEMO_TEAM!r}: about 40 people, "
        "three internal products, a stakeholder map with every tier, 12 weeks of feedback and bugs, four closed "
        "eNPS pulses and releases, some shipped. Times are relative to now. Other workspaces are never touched; "
        "if the demo workspace already has data, nothing changes unless --reset is given.",
    )
    demo.add_argument("--reset", action="store_true", help=f"delete everything of workspace {DEMO_TEAM}, then refill")
    demo.add_argument(
        "--database-url", metavar="URL", help="the database to fill (default: DATABASE_URL, else sqlite:///feedbot.db)"
    )
    demo.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.database_url is not None:
        try:
            settings = load_settings(database_url=args.database_url)
        except SettingsError as problem:
            raise CommandFailed(str(problem).replace("DATABASE_URL", "--database-url", 1)) from None

    async def work(resources: Resources) -> DemoOutcome:
        return await fill(
            resources.db,
            now=utcnow(),
            threshold=settings.anonymity_threshold,
            reset=args.reset,
            secret_key=settings.pseudonym_key,
        )

    try:
        outcome = run_with(settings, work)
    except IntegrityError:
        raise CommandFailed("another `feedbot demo` is filling the same database: run it once") from None
    where = redact_url_password(settings.database_url)
    if not outcome.filled:
        print(f"The demo workspace {DEMO_TEAM!r} already has data in {where}; nothing changed.")
        print(_summary(outcome.summary))
        print("To start it over: feedbot demo --reset. To try it: feedbot shell")
        return 0
    if outcome.removed:
        print(
            f"Removed the earlier demo ({outcome.removed} rows of workspace {DEMO_TEAM!r}, and "
            f"{outcome.removed_usage:,} usage events and directory rows of its people; no other workspace)."
        )
    print(f"Demo data (workspace {DEMO_TEAM!r}, a made-up company) written to {where}:")
    print(_summary(outcome.summary))
    print(f"  {outcome.usage_events:,} usage events of its {len(PRODUCTS)} products (try /kpi in the shell)")
    print("Next: feedbot shell")
    return 0


def _summary(summary: DemoSummary) -> str:
    return (
        f"  {summary.people} people, {summary.channels} channels, {summary.stakeholders} stakeholders\n"
        f"  {summary.feedback} feedback, {summary.bugs} bugs\n"
        f"  {summary.releases} releases, {summary.pulses} pulses ({summary.pulse_answers} answers)"
    )
