"""`feedbot events import FILE.csv|FILE.ndjson`: usage events from a file, checked as POST /api/events checks them.

NDJSON: one track call per line, exactly as the HTTP API takes it (blank lines are skipped). CSV: a header row with
the columns userId, anonymousId (one of the two, or both with one filled per row), event, timestamp, messageId,
product, task, outcome, duration_ms, error; empty cells are missing values; other columns are ignored with a
warning. The file is read as it is stored, a batch at a time, so its size does not matter; a bad row is reported by
its line and the others are imported. A row without a messageId is identified by its content (who, what, when), so
importing a file twice stores its events once."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from bot.cli.resources import CommandFailed, Resources, run_with
from bot.domain.settings import Settings
from bot.services.usage_events import Receipt, Unreadable, UsageEvents
from comms.render.text import shown_as_typed
from storage.models import utcnow

ID_COLUMNS = ("userId", "anonymousId")
TOP_COLUMNS = ("event", "timestamp", "messageId")
PROPERTY_COLUMNS = ("product", "task", "outcome", "duration_ms", "error")
CSV_COLUMNS = (*ID_COLUMNS, *TOP_COLUMNS, *PROPERTY_COLUMNS)
MAX_LINE = 64 * 1024  # an NDJSON line longer than this is refused on its own; the file is not read whole
SHOWN_REASONS = 20  # reasons printed; the rest are counted


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    events = commands.add_parser("events", help="usage events from your products (for KPIs)")
    events.set_defaults(run=run)
    actions = events.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = actions.add_parser(
        "import",
        help="import usage events from a .csv or .ndjson file",
        description="Import usage events as POST /api/events takes them. CSV columns: " + ", ".join(CSV_COLUMNS),
    )
    load.add_argument("file", metavar="FILE", help="FILE.csv or FILE.ndjson (one track event per line)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Checked before the database is opened: a mistyped command changes nothing.
    path = Path(args.file)
    reader = _reader(path)
    if settings.pseudonym_key is None:
        raise CommandFailed(
            "usage events need FEEDBOT_SECRET_KEY: each user is stored only as a pseudonym keyed with it"
        )
    try:
        # utf-8-sig: spreadsheets save "CSV UTF-8" with a byte-order mark, which would otherwise join the first column.
        source = path.open(encoding="utf-8-sig", newline="")
    except OSError as problem:
        raise CommandFailed(f"cannot read {path}: {problem.strerror or problem}") from None

    async def load(resources: Resources) -> Receipt:
        with source:
            events = UsageEvents(resources.db, settings.pseudonym_key)
            try:
                return await events.import_events(reader(source), utcnow())
            except UnicodeDecodeError:
                raise CommandFailed(f"{path} is not UTF-8 text: events before the bad bytes were imported") from None
            except csv.Error as problem:
                raise CommandFailed(f"{path} is not readable CSV ({problem}): events before it were imported") from None

    receipt = run_with(settings, load)
    print(summary(receipt))
    return 1 if receipt.rejected else 0


def _reader(path: Path) -> Any:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_events
    if suffix in (".ndjson", ".jsonl"):
        return _ndjson_events
    raise CommandFailed(f"{path.name}: name a .csv or .ndjson file (the format is told by the extension)")


def summary(receipt: Receipt) -> str:
    already = f" ({receipt.already_there:,} already there)" if receipt.already_there else ""
    head = f"Imported {receipt.accepted:,} event{'' if receipt.accepted == 1 else 's'}{already}"
    if not receipt.rejected:
        return head + "."
    lines = [f"{head}; {len(receipt.rejected):,} rejected:"]
    lines += [f"  line {each.index}: {shown_as_typed(each.reason)}" for each in receipt.rejected[:SHOWN_REASONS]]
    if len(receipt.rejected) > SHOWN_REASONS:
        lines.append(f"  … and {len(receipt.rejected) - SHOWN_REASONS:,} more")
    return "\n".join(lines)


def _ndjson_events(source: IO[str]) -> Iterator[tuple[int, Any]]:
    for number, line in _lines(source):
        if line is None:
            yield number, Unreadable(f"the line is longer than {MAX_LINE:,} characters")
            continue
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except RecursionError:
            yield number, Unreadable("the JSON nests too deeply")
        except ValueError:
            yield number, Unreadable("the line is not JSON")


def _lines(source: IO[str]) -> Iterator[tuple[int, str | None]]:
    """(line number, text), or None for a line too long to keep: it is skipped without being held whole."""
    number = 0
    while True:
        line = source.readline(MAX_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) <= MAX_LINE or line.endswith("\n"):
            yield number, line
            continue
        while line and not line.endswith("\n"):
            line = source.readline(MAX_LINE)
        yield number, None


def _csv_events(source: IO[str]) -> Iterator[tuple[int, Any]]:
    rows = csv.reader(source)
    header = next(rows, None)
    if header is None:
        return
    columns = [name.strip() for name in header]
    missing = [name for name in ("event", "product") if name not in columns]
    if not any(name in columns for name in ID_COLUMNS):
        missing.insert(0, "userId or anonymousId")
    if missing:
        raise CommandFailed(
            f"the CSV header lacks {', '.join(missing)}: the columns are {', '.join(CSV_COLUMNS)}; nothing imported"
        )
    extra = [name for name in columns if name not in CSV_COLUMNS]
    if extra:
        named = ", ".join(f"“{shown_as_typed(name)}”" for name in extra)
        print(f"feedbot: ignoring the column{'s' if len(extra) > 1 else ''} {named}", file=sys.stderr)
    line = rows.line_num + 1
    for cells in rows:
        if any(cell.strip() for cell in cells):
            yield line, _track_call(dict(zip(columns, cells, strict=False)))
        line = rows.line_num + 1


def _track_call(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row as the track call the API takes: empty cells are missing values."""

    def cell(name: str) -> str | None:
        value = row.get(name)
        return value if value is not None and value.strip() else None

    properties: dict[str, Any] = {name: cell(name) for name in PROPERTY_COLUMNS}
    properties["duration_ms"] = _number(properties["duration_ms"])
    return {"type": "track", **{name: cell(name) for name in (*ID_COLUMNS, *TOP_COLUMNS)}, "properties": properties}


def _number(text: str | None) -> int | float | str | None:
    """A cell that reads as a number becomes one; anything else stays text, for the check to refuse by name."""
    if text is None:
        return None
    for kind in (int, float):
        try:
            return kind(text.strip())
        except ValueError:
            continue
    return text
