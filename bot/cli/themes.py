"""`feedbot themes [--product P] [--days N] [--format text|json|csv] [--team T]`: what the feedback of the last N
days is about. Each theme has a label, a count, its change from the N days before, the products involved and up
to two quotes, never from a theme of fewer items than FEEDBOT_ANONYMITY_THRESHOLD.

JSON is a list of objects, one per theme; CSV has a header row and the same columns (products joined with "; ",
one column per quote), cells neutralised against formulas as `feedbot export` does."""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.cli.export import csv_value
from bot.cli.previews import chosen
from bot.cli.resources import TEAM_HELP, CommandFailed, Resources, run_with
from bot.domain.settings import Settings
from comms.render.text import shown_as_typed
from storage.models import utcnow

if TYPE_CHECKING:
    from bot.services.themes import Theme

FORMATS = ("text", "json", "csv")
DEFAULT_DAYS = 7
MAX_DAYS = 3660
MOST_THEMES = 10
COLUMNS = ("label", "count", "change", "products", "quote_1", "quote_2")


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    themes = commands.add_parser(
        "themes",
        help="what the last days' feedback is about, in themes",
        description="Group the feedback of the last N days into themes, each with its count, the change from the N "
        "days before, the products involved, and two quotes for a theme of at least FEEDBOT_ANONYMITY_THRESHOLD "
        "items.",
    )
    themes.add_argument("--product", metavar="NAME", help="only the feedback about this product")
    themes.add_argument(
        "--days", metavar="N", default=str(DEFAULT_DAYS), help=f"the last N days (default {DEFAULT_DAYS})"
    )
    themes.add_argument("--format", metavar="FORMAT", default="text", help="text (the default), json or csv")
    themes.add_argument("--team", metavar="TEAM_ID", help=TEAM_HELP)
    themes.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Checked before the database is opened: a mistyped command changes nothing.
    form = chosen(args.format, FORMATS, "format")
    days = _days(args.days)
    product = args.product.strip() if args.product is not None else None
    if product == "":
        raise CommandFailed("--product needs a product name")

    async def show(resources: Resources) -> int:
        # Imported when the command runs: scikit-learn would otherwise be imported by every `feedbot` command.
        from bot.services.themes import themes_for

        team = await resources.workspace(args.team)
        end = utcnow()
        start = end - timedelta(days=days)
        async with resources.db.sessions() as session:
            found = await themes_for(
                session, team, start, end, settings.anonymity_threshold, product=product, limit=MOST_THEMES
            )
        print(_formatted(found, form, start, end, days, product, settings.anonymity_threshold))
        return 0

    return run_with(settings, show)


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_DAYS:
        raise CommandFailed(f"--days takes a whole number of days from 1 to {MAX_DAYS}, not “{text}”")
    return days


def _formatted(
    themes: Sequence[Theme], form: str, start: datetime, end: datetime, days: int, product: str | None, threshold: int
) -> str:
    rows = [_row(theme) for theme in themes]
    if form == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if form == "csv":
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            quotes = row.pop("quotes")
            cells = row | {"products": "; ".join(row["products"])} | dict(zip(COLUMNS[4:], quotes, strict=False))
            writer.writerow({key: csv_value(value) for key, value in cells.items()})
        return out.getvalue().rstrip("\r\n")
    about = f" about {shown_as_typed(product)}" if product else ""
    heading = (
        f"Themes of the feedback{about}, {start:%d %b %Y} – {end:%d %b %Y} ({days} days, "
        f"change against the {days} days before)"
    )
    if not themes:
        return f"{heading}\nNo themes: no two items{about} in this period say the same thing."
    lines = [heading]
    for number, theme in enumerate(themes, 1):
        change = "new" if theme.change == theme.count else f"{theme.change:+d}"
        products = f" · {', '.join(map(shown_as_typed, theme.products))}" if theme.products else ""
        lines.append(f"{number}. {shown_as_typed(theme.label)}: {theme.count} ({change}){products}")
        lines.extend(f"   “{shown_as_typed(quote)}”" for quote in theme.quotes)
    lines.append(f"Quotes only for themes of at least {threshold} items (FEEDBOT_ANONYMITY_THRESHOLD).")
    return "\n".join(lines)


def _row(theme: Theme) -> dict[str, Any]:
    return {
        "label": theme.label,
        "count": theme.count,
        "change": theme.change,
        "products": list(theme.products),
        "quotes": list(theme.quotes),
    }
