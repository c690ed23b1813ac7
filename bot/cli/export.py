"""`feedbot export`: every row of a kind as CSV (RFC 4180) or a JSON list, streamed, UTF-8.

The rows are storage/rows.py's, the same the webhook events are made of. CSV cells that a spreadsheet would run as
a formula are neutralised as OWASP recommends ("CSV Injection"): a text starting with `=`, `+`, `-`, `@`, a tab or
a carriage return gets a leading `'`. So that this stays reversible, a text that already starts with quotes
followed by one of those gets one more: remove one leading `'` from a cell whose quotes are followed by one of
those characters to get the text back. JSON is exact."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.files import replacing
from bot.cli.resources import CommandFailed, run_with
from bot.domain.settings import Settings
from bot.domain.vocabulary import TIERS
from storage import audit as audit_store
from storage import bugs as bug_store
from storage import pulses as pulse_store
from storage import releases as release_store
from storage import rows
from storage import triage as triage_store
from storage.db import Database

Rows = AsyncIterator[dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    columns: tuple[str, ...]
    # (session, team or None for every workspace, the anonymity threshold) → the rows, oldest first
    rows: Callable[[AsyncSession, str | None, int], Rows]


async def _feedback(session: AsyncSession, team_id: str | None, threshold: int) -> Rows:
    async for row, votes in triage_store.stream_with_votes(session, team_id):
        yield rows.feedback(row, votes)


async def _bugs(session: AsyncSession, team_id: str | None, threshold: int) -> Rows:
    async for row in bug_store.stream_all(session, team_id):
        yield rows.bug(row)


async def _pulse_responses(session: AsyncSession, team_id: str | None, threshold: int) -> Rows:
    async for response, pulse in pulse_store.stream_responses(session, team_id, threshold):
        yield rows.pulse_response(response, pulse)


async def _releases(session: AsyncSession, team_id: str | None, threshold: int) -> Rows:
    async for tally in release_store.stream_tallies(session, TIERS, team_id):
        yield rows.release_tally(tally)


async def _audit(session: AsyncSession, team_id: str | None, threshold: int) -> Rows:
    async for entry in audit_store.stream(session, team_id):
        yield rows.audit_entry(entry)


KINDS = {
    "feedback": Kind(("id", "created_at", "platform", "team", "user", "anonymous", "category", "product", "text",
                      "status", "channel", "permalink", "tracker", "tracker_key", "tracker_url", "tracker_status",
                      "status_note", "assignee", "duplicate_of", "votes"),
                     _feedback),
    "bugs": Kind(("id", "created_at", "platform", "team", "reporter", "title", "what_happened", "expected", "severity",
                  "product", "status", "channel", "permalink", "tracker_key", "tracker", "tracker_url",
                  "tracker_status"),
                 _bugs),
    # Only closed pulses that reached the anonymity threshold: a running pulse's rows could be compared with a
    # later export.
    "pulse-responses": Kind(("id", "created_at", "pulse", "platform", "team", "question", "score", "group", "comment"),
                            _pulse_responses),
    "releases": Kind(("id", "created_at", "title", "version", "status", "scheduled_at", "sent_at", "author", *TIERS,
                      "delivered", "failed", "acknowledged", "linked_items"),
                     _releases),
    "audit": Kind(("id", "created_at", "platform", "team", "actor", "action", "subject", "detail"), _audit),
}  # fmt: skip
EXPORT_KINDS = tuple(KINDS)
FORMATS = ("csv", "json")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    export = commands.add_parser(
        "export",
        help="print every row of a kind as CSV or JSON",
        description="Print every row of a kind as CSV or JSON. pulse-responses holds closed pulses that reached "
        "FEEDBOT_ANONYMITY_THRESHOLD answers only.",
    )
    export.add_argument("kind", choices=EXPORT_KINDS)
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--team", metavar="TEAM_ID", help="only this workspace (Slack team id or Teams tenant id)")
    export.add_argument("--output", metavar="FILE", type=Path, help="write to FILE instead of stdout")
    export.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    def export(out: IO[str]) -> int:
        threshold = settings.anonymity_threshold
        return run_with(
            settings,
            lambda resources: write_export(
                resources.db, args.kind, args.format, out, args.team, anonymity_threshold=threshold
            ),
        )

    if args.output is None:
        # RFC 4180 wants CRLF row ends: the csv module writes them, so the stream must not translate newlines.
        stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
        try:
            count = export(stdout)
            stdout.flush()
        finally:
            stdout.detach()
        destination = ""
    else:
        # FILE is either the whole export or untouched, and only its owner can read it (files.replacing).
        try:
            with replacing(args.output, "w", encoding="utf-8", newline="") as out:
                count = export(out)
        except OSError as error:
            raise CommandFailed(f"cannot write {args.output}: {error.strerror}") from None
        destination = f" to {args.output}"
    print(f"exported {count} {args.kind} rows{destination}{_scope(args.kind, settings)}", file=sys.stderr)
    return 0


def _scope(kind: str, settings: Settings) -> str:
    if kind != "pulse-responses":
        return ""
    return f" (closed pulses with at least {settings.anonymity_threshold} answers only; running ones are left out)"


async def write_export(
    db: Database, kind: str, fmt: str, out: IO[str], team_id: str | None = None, *, anonymity_threshold: int
) -> int:
    """Write every row to `out`; return how many. Pulse answers only of closed pulses with at least
    `anonymity_threshold` answers: what their results show, no more."""
    count = 0
    async with db.sessions() as session:
        rows = KINDS[kind].rows(session, team_id, anonymity_threshold)
        if fmt == "json":
            out.write("[")
            async for row in rows:
                out.write(",\n" if count else "\n")
                out.write(json.dumps(row, ensure_ascii=False))
                count += 1
            out.write("\n]\n" if count else "]\n")
            return count
        writer = csv.DictWriter(out, fieldnames=KINDS[kind].columns)
        writer.writeheader()
        async for row in rows:
            writer.writerow({key: csv_value(value) for key, value in row.items()})
            count += 1
    return count


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _neutralised(value)
    return str(value)


def _neutralised(text: str) -> str:
    """`=cmd|' /C calc'!A0` as `'=cmd|' /C calc'!A0`: shown as text, never evaluated, by Excel, Calc or Sheets."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text
