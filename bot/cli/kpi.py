"""`feedbot kpi show|task|population|target|baseline`: products' KPIs from their usage events, and what they are
read against.

- `show [--product P] [--by department|location] [--format text|json|csv] [--trend]`: every product (or one)
  over the 28 complete days before today, with targets and baseline; `--trend` adds the 13 weeks before this one
  (a pass over a quarter of events: the digest and /kpi show it, a quick look need not wait for it). JSON is a
  list of objects, one per product; CSV has a header row and one row per product, slice and metric (cells
  neutralised against formulas as `feedbot export` does).
- `task --product P --task T --proficiency N --under SECONDS`: the key task, and how many completions under how
  many seconds make a person proficient.
- `population --product P (--department D | --channel C | --count N)`: whom adoption is measured against.
- `target --product P --metric M --target X [--direction up|down]`: X in the metric's unit (people, %, s, days).
- `baseline --product P --from DATE --to DATE`: the figures of those days (both included), kept as measured."""

from __future__ import annotations

import argparse
import csv
import io
import json
from typing import Any

from bot.cli.export import csv_value
from bot.cli.previews import chosen
from bot.cli.resources import TEAM_HELP, CommandFailed, Resources, print_reply, run_as_operator, run_with
from bot.domain.replies import Reply
from bot.domain.settings import Settings
from bot.services import kpi
from comms.render.text import reply_text
from storage import kpi as store
from storage.kpi import EVERYONE, SEGMENTS, Segment
from storage.models import utcnow

FORMATS = ("text", "json", "csv")
CSV_COLUMNS = ("product", "slice", "metric", "label", "unit", "value", "target", "direction", "status", "baseline")


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    group = commands.add_parser("kpi", help="product KPIs: show, task, population, target, baseline")
    group.set_defaults(run=run)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="KPIs of the last 28 days, against targets and baseline")
    show.add_argument("--product", metavar="NAME", help="one product (default: every product)")
    show.add_argument("--by", metavar="SEGMENT", help="department or location, under the anonymity threshold")
    show.add_argument("--format", metavar="FORMAT", default="text", help="text (the default), json or csv")
    show.add_argument("--trend", action="store_true", help="add the 13 weeks before this one, week by week")
    task = actions.add_parser("task", help="the key task, and how people become proficient at it")
    task.add_argument("--product", required=True, metavar="NAME")
    task.add_argument("--task", required=True, metavar="TASK", help="the key task, as the events name it")
    task.add_argument("--proficiency", required=True, metavar="N", help="proficient after N fast completions")
    task.add_argument("--under", required=True, metavar="SECONDS", help="a fast completion takes less than this")
    population = actions.add_parser("population", help="whom a product's adoption is measured against")
    population.add_argument("--product", required=True, metavar="NAME")
    whom = population.add_mutually_exclusive_group(required=True)
    whom.add_argument("--department", metavar="NAME", help="a department of the people directory")
    whom.add_argument("--channel", metavar="CHANNEL_ID", help="a Slack channel's human members (C…)")
    whom.add_argument("--count", metavar="N", help="a number of people")
    population.add_argument("--team", metavar="TEAM_ID", help=TEAM_HELP)
    target = actions.add_parser("target", help="where a product's metric should be")
    target.add_argument("--product", required=True, metavar="NAME")
    target.add_argument("--metric", required=True, metavar="METRIC", help=", ".join(kpi.METRICS))
    target.add_argument("--target", required=True, metavar="X", help="in the metric's unit: people, %%, s or days")
    target.add_argument("--direction", metavar="up|down", help="up: at or above is met; down: at or below")
    baseline = actions.add_parser("baseline", help="keep figures of past days to compare with")
    baseline.add_argument("--product", required=True, metavar="NAME")
    baseline.add_argument("--from", dest="first", required=True, metavar="DATE", help="first day (2026-10-01)")
    baseline.add_argument("--to", dest="last", required=True, metavar="DATE", help="last day, included")


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "show":
        return _show(args, settings)
    if args.action == "population" and args.channel is not None:
        channel = args.channel
        return run_as_operator(
            settings,
            args.team,
            lambda resources, requester: resources.desks.kpi.set_population(
                args.product, channel=channel, asker=requester
            ),
        )

    async def act(resources: Resources) -> int:
        desk = resources.desks.kpi
        reply: Reply
        if args.action == "task":
            reply = await desk.set_task(args.product, args.task, args.proficiency, args.under)
        elif args.action == "population":
            reply = await desk.set_population(args.product, department=args.department, count=args.count)
        elif args.action == "target":
            reply = await desk.set_target(args.product, args.metric, args.target, args.direction)
        else:
            reply = await desk.set_baseline(args.product, args.first, args.last)
        return print_reply(reply)

    return run_with(settings, act)


def _show(args: argparse.Namespace, settings: Settings) -> int:
    # Checked before the database is opened: a mistyped command changes nothing.
    form = chosen(args.format, FORMATS, "format")
    by: Segment | None = None
    if args.by is not None:
        by = next((segment for segment in SEGMENTS if segment == args.by.strip().lower()), None)
        if by is None:
            raise CommandFailed(f"--by takes department or location, not “{args.by}”")

    async def show(resources: Resources) -> int:
        now = utcnow()
        # A transaction that commits: the report brings the first-use rollup up to date on the way.
        async with resources.db.sessions.begin() as session:
            known = await store.products(session)
            if args.product is not None:
                product = await store.product_named(session, args.product)
                if product is None:
                    listed = ", ".join(known) if known else "none has sent usage events yet"
                    raise CommandFailed(f"no product is called “{args.product}”; known products: {listed}")
                known = [product]
            try:
                reports = [
                    await kpi.report(
                        session, product, now, settings.zone, settings.anonymity_threshold, by=by, trend=args.trend
                    )
                    for product in known
                ]
            except kpi.SlicedOtherwise as refused:
                raise CommandFailed(str(refused)) from None
        print(_formatted(reports, form))
        return 0

    return run_with(settings, show)


def _formatted(reports: list[kpi.Report], form: str) -> str:
    if form == "json":
        return json.dumps([_as_json(report) for report in reports], ensure_ascii=False, indent=2)
    if form == "csv":
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for report in reports:
            for row in _csv_rows(report):
                writer.writerow({key: csv_value(value) for key, value in row.items()})
        return out.getvalue().rstrip("\r\n")
    if not reports:
        return "No product has sent usage events yet: see POST /api/events or `feedbot events import`."
    texts = []
    for report in reports:
        lines = kpi.report_lines(report)
        texts.append(reply_text(Reply.info(lines[0], *lines[1:])))
    return "\n\n".join(texts)


def _metric_rows(report: kpi.Report) -> list[dict[str, Any]]:
    return [
        {
            "metric": reading.metric.name,
            "label": reading.metric.label,
            "unit": reading.metric.unit,
            "value": _rounded(reading.value),
            "target": reading.target,
            "direction": reading.direction,
            "status": reading.status,
            "baseline": reading.baseline,
        }
        for reading in report.readings
    ]


def _as_json(report: kpi.Report) -> dict[str, Any]:
    figures = report.figures
    found: dict[str, Any] = {
        "product": report.product,
        "first_day": report.window.first_day.isoformat(),
        "last_day": report.window.last_day.isoformat(),
        "timezone": report.window.zone.key,
        "key_task": report.key_task,
        "metrics": _metric_rows(report),
        "dau_latest": figures.dau_latest,
        "population": figures.population,
        "newcomers": figures.newcomers,
        "proficient": figures.proficient,
        "baseline_days": [day.isoformat() for day in report.baseline_days] if report.baseline_days else None,
        "tasks": [
            {
                "task": task.task,
                "started": task.started,
                "completed": task.completed,
                "failed": task.failed,
                "abandoned": task.abandoned,
                "completion_rate": _rounded(task.completion),
                "median_s": _rounded(None if task.median_ms is None else task.median_ms / 1000),
                "p90_s": _rounded(None if task.p90_ms is None else task.p90_ms / 1000),
            }
            for task in figures.tasks
        ],
    }
    if report.trend is not None:
        found["trend"] = {
            "weeks": [week.isoformat() for week in report.trend.weeks],
            **{name: [_rounded(value) for value in values] for name, values in report.trend.values.items()},
            "sharp_moves": [name for name, _, _ in report.trend.sharp_moves()],
        }
    if report.slices is not None:
        found["slices"] = {
            "by": report.slices.by,
            "withheld": report.slices.withheld,
            "shown": {
                key: {name: _rounded(report.slices.value(key, name)) for name in kpi.METRICS}
                for key in report.slices.shown
            },
        }
    return found


def _csv_rows(report: kpi.Report) -> list[dict[str, Any]]:
    rows = [{"product": report.product, "slice": EVERYONE, **row} for row in _metric_rows(report)]
    if report.slices is not None:
        for key in report.slices.shown:
            for name, metric in kpi.METRICS.items():
                rows.append(
                    {
                        "product": report.product,
                        "slice": key,
                        "metric": name,
                        "label": metric.label,
                        "unit": metric.unit,
                        "value": _rounded(report.slices.value(key, name)),
                    }
                )
    return rows


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
