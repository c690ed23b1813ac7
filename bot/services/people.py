"""The people directory's rules: reading `feedbot people import`'s CSV, and merging Slack profiles into it.

A row is stored under person_key(FEEDBOT_SECRET_KEY's first key, user), never under the id or the email, so the
table tells a reader nothing about who sits where unless they hold the key and already know the id."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.person_key import normalized, person_key
from bot.domain.profiles import Profile
from storage import people as people_store
from storage.people import Segment

REQUIRED = "user"
SEGMENT_FIELDS = ("department", "location", "start_date")
MAX_SEGMENT = 100  # people.department and people.location are VARCHAR(100)
MAX_FILE_BYTES = 50 * 1024 * 1024
IMPORTED = "import"
FROM_SLACK = "slack"
NO_KEY = (
    "FEEDBOT_SECRET_KEY is not set: the people directory stores each person under a pseudonym keyed with it, so "
    "nothing was imported. Set it (the same key as the server's) and run the command again."
)

_SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_TEAMS_USER = re.compile(r"^29:[\w\-.:]+$")
_ENTRA_OBJECT = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# One @, something on each side, a dot in the domain, no spaces: enough to catch a name or an id in the wrong column.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PeopleFileError(Exception):
    """The file cannot be imported as it is; the message says where and why. Nothing was stored."""


@dataclass(frozen=True)
class PersonRow:
    """One line of the file: who (as written) and where they sit."""

    line: int
    user: str
    department: str | None
    location: str | None
    start_date: date | None


@dataclass(frozen=True)
class PeopleFile:
    rows: list[PersonRow]
    ignored_columns: list[str]  # extra columns, named once in a warning
    columns: frozenset[str]  # the segment columns the file has: the others keep what is stored


@dataclass(frozen=True)
class Imported:
    people: int
    updated: int


def is_user(text: str) -> bool:
    """A Slack user id (U…/W…), a Teams id (29:…), an Entra object id (a GUID) or an email address."""
    return any(shape.match(text) for shape in (_SLACK_USER, _TEAMS_USER, _ENTRA_OBJECT, _EMAIL))


def read_people_csv(data: bytes) -> PeopleFile:
    """The rows of a people file (UTF-8, a header row), or PeopleFileError naming the first problem's line."""
    if len(data) > MAX_FILE_BYTES:
        raise PeopleFileError(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    try:
        text = data.decode("utf-8-sig")  # a spreadsheet's export may start with a byte-order mark
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        raise PeopleFileError(f"line {line} is not UTF-8 text; save the file as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise PeopleFileError(f"the file is empty: its first line must name the columns {_columns_hint()}")
        columns = [cell.strip().lower() for cell in header]
        _check_header(columns)
        known = {name: columns.index(name) for name in (REQUIRED, *SEGMENT_FIELDS) if name in columns}
        ignored = [header[index].strip() for index, name in enumerate(columns) if name not in known]
        rows: list[PersonRow] = []
        first_line_of: dict[str, int] = {}
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if len(cells) > len(columns):
                raise PeopleFileError(f"line {line} has {len(cells)} cells but the header names {len(columns)}")
            row = _row(line, {name: cells[index] if index < len(cells) else "" for name, index in known.items()})
            same = normalized(row.user)
            if same in first_line_of:
                raise PeopleFileError(
                    f"line {line}: user {row.user!r} is already on line {first_line_of[same]}; each person once"
                )
            first_line_of[same] = line
            rows.append(row)
    except csv.Error as problem:
        raise PeopleFileError(f"line {reader.line_num} is not valid CSV: {problem}") from None
    if not rows:
        raise PeopleFileError("the file has a header but no people")
    return PeopleFile(rows, [name for name in ignored if name], frozenset(known) - {REQUIRED})


def _columns_hint() -> str:
    return ",".join((REQUIRED, *SEGMENT_FIELDS))


def _check_header(columns: list[str]) -> None:
    if REQUIRED not in columns:
        raise PeopleFileError(f"line 1: the header has no column “user” (expected {_columns_hint()})")
    if not any(name in columns for name in SEGMENT_FIELDS):
        raise PeopleFileError(
            f"line 1: the header has none of the columns department, location, start_date (expected {_columns_hint()})"
        )
    for name in (REQUIRED, *SEGMENT_FIELDS):
        if columns.count(name) > 1:
            raise PeopleFileError(f"line 1: the column “{name}” appears twice")


def _row(line: int, cells: Mapping[str, str]) -> PersonRow:
    user = cells[REQUIRED].strip()
    if not user:
        raise PeopleFileError(f"line {line}: the user is empty")
    if not is_user(user):
        raise PeopleFileError(
            f"line {line}: {user[:80]!r} is not a Slack user id (U…), a Teams id (29:…), an Entra object id or an "
            "email address"
        )
    segments = {name: _segment(line, name, cells.get(name, "")) for name in ("department", "location")}
    return PersonRow(line, user, segments["department"], segments["location"], _start_date(line, cells))


def _segment(line: int, name: str, cell: str) -> str | None:
    value = " ".join(cell.split())
    if _CONTROL.search(value):
        raise PeopleFileError(f"line {line}: the {name} holds a control character")
    if len(value) > MAX_SEGMENT:
        raise PeopleFileError(f"line {line}: the {name} is longer than {MAX_SEGMENT} characters")
    return value or None


def _start_date(line: int, cells: Mapping[str, str]) -> date | None:
    cell = cells.get("start_date", "").strip()
    if not cell:
        return None
    try:
        if not _DATE.match(cell):
            raise ValueError
        return date.fromisoformat(cell)
    except ValueError:
        raise PeopleFileError(f"line {line}: start_date {cell[:40]!r} is not a date like 2024-03-18") from None


async def import_people(session: AsyncSession, people: PeopleFile, secret_key: str, now: datetime) -> Imported:
    """Store every row of the file, keyed by pseudonym. The file's columns replace what is stored (an empty cell
    clears); a column the file lacks keeps each person's stored value."""
    keys = [person_key(secret_key, row.user) for row in people.rows]
    stored = await people_store.find(session, keys)
    segments = []
    for key, row in zip(keys, people.rows, strict=True):
        before = stored.get(key)
        segments.append(
            Segment(
                key,
                row.department if "department" in people.columns else (before.department if before else None),
                row.location if "location" in people.columns else (before.location if before else None),
                row.start_date if "start_date" in people.columns else (before.start_date if before else None),
                IMPORTED,
            )
        )
    updated = await people_store.save(session, segments, now)
    return Imported(len(segments), updated)


# -- Slack profiles ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Synced:
    members: int  # humans whose profile had a department or a location, or who were imported by email
    rows: int  # rows written (up to two per member: their Slack id and their email)


def _from_profile(value: str | None) -> str | None:
    """A profile field as a segment: control characters out, cut to the column's width."""
    return _CONTROL.sub(" ", value).strip()[:MAX_SEGMENT] or None if value else None


def _merged(key: str, before: Segment | None, department: str | None, location: str | None) -> Segment | None:
    """A profile's values over a stored row's: a filled field wins, an empty one never erases what is stored.
    None when the result would hold no segment at all."""
    department, location = _from_profile(department), _from_profile(location)
    if before is None:
        return Segment(key, department, location, None, FROM_SLACK) if department or location else None
    kept = (department or before.department, location or before.location)
    source = FROM_SLACK if kept != (before.department, before.location) else before.source
    return Segment(key, kept[0], kept[1], before.start_date, source)


async def sync_profiles(session: AsyncSession, profiles: Iterable[Profile], secret_key: str, now: datetime) -> Synced:
    """Store each member's department and location under the pseudonym of their Slack id and of their email, so
    usage events that name people by email join too. A person imported by email but not by Slack id gets a row
    for their Slack id with the imported values: pulse answers arrive with Slack ids."""
    members = list(profiles)
    keys_of = {
        member.user_id: [person_key(secret_key, member.user_id)]
        + ([person_key(secret_key, member.email)] if member.email else [])
        for member in members
    }
    stored = await people_store.find(session, [key for keys in keys_of.values() for key in keys])
    changed: dict[str, Segment] = {}
    placed = 0
    for member in members:
        keys = keys_of[member.user_id]
        # The email's row (an HR import, usually) fills what the profile leaves empty, for both keys.
        by_email = stored.get(keys[1]) if len(keys) > 1 else None
        rows = [_merged(key, stored.get(key) or by_email, member.department, member.location) for key in keys]
        for row in rows:
            if row is not None and stored.get(row.person) != row:
                changed[row.person] = row
        placed += any(row is not None for row in rows)
    await people_store.save(session, list(changed.values()), now)
    return Synced(placed, len(changed))


async def segment_at_answer(
    session: AsyncSession, secret_key: str | None, user_ids: Sequence[str]
) -> tuple[str | None, str | None]:
    """(department, location) of whoever answers a pulse, as the directory knows them now, by the first of their ids
    it knows (a Teams person may be listed by their 29: id or their Entra object id); (None, None) without
    FEEDBOT_SECRET_KEY or for someone it does not know (their answer counts in the slice "unknown")."""
    if secret_key is None:
        return None, None
    for user_id in user_ids:
        segment = await people_store.segment_of(session, person_key(secret_key, user_id))
        if segment != (None, None):
            return segment
    return None, None
