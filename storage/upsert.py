"""INSERT … ON CONFLICT, on whichever database the session is bound to: the one place that picks the dialect.

SQLite and PostgreSQL spell the clause the same way, but SQLAlchemy builds it only from the dialect's own
`insert`. Both functions return the statement unexecuted, so a caller may add RETURNING, run it over many rows
(executemany) or fill it from a SELECT.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base


def _insert(session: AsyncSession, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def insert_ignoring_duplicates(
    session: AsyncSession,
    model: type[Base],
    values: Mapping[str, Any] | None = None,
    *,
    index_elements: Sequence[str] | None = None,
) -> Insert:
    """INSERT that skips a row whose `index_elements` (a unique constraint's columns) match an existing one.
    Without `index_elements`, a clash on any unique constraint skips it. Without `values`, the rows come at
    execution (a list of dicts) or from `from_select`."""
    statement = _insert(session, model)
    if values is not None:
        statement = statement.values(**values)
    return statement.on_conflict_do_nothing(index_elements=index_elements)


def upsert(
    session: AsyncSession,
    model: type[Base],
    values: Mapping[str, Any],
    *,
    index_elements: Sequence[str],
    update: Collection[str],
    where: ColumnElement[bool] | None = None,
) -> Insert:
    """INSERT `values`, or, when a row with the same `index_elements` exists, set its `update` columns to the
    values given here (the other columns keep what the row had); with `where`, only a row that meets it."""
    statement = _insert(session, model).values(**values)
    return statement.on_conflict_do_update(
        index_elements=index_elements, set_={column: statement.excluded[column] for column in update}, where=where
    )


def upsert_rows(
    session: AsyncSession, model: type[Base], *, index_elements: Sequence[str], update: Collection[str]
) -> Insert:
    """`upsert` for rows given at execution (a list of dicts, sent as one executemany)."""
    statement = _insert(session, model)
    return statement.on_conflict_do_update(
        index_elements=index_elements, set_={column: statement.excluded[column] for column in update}
    )
