"""Group commit for insert-once writes: concurrent callers share one transaction, one commit, one fsync.

Under load every /feedback paid for its own transaction: a connection checkout, BEGIN, an INSERT, a SELECT
and a COMMIT that waits for the disk. On SQLite (one writer at a time) that serialised the whole server
behind the fsync. Here callers queue their rows; one flusher stores everything queued in a single
transaction (one multi-row INSERT … ON CONFLICT DO NOTHING per table, one SELECT for repeats, one SELECT for
the rows) and only then, after the commit returned, tells each caller its row: no caller ever learns an id
that is not durable. Batches form by themselves: whatever arrives while a commit is in flight goes into the
next one, so a lone request waits for nobody and a burst shares commits.

This is the one place where storage owns a transaction instead of its caller: the point is that no single
caller's transaction would do.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import Table, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.idempotent import SOURCE_KEY
from storage.models import Base
from storage.upsert import insert_ignoring_duplicates

Row = TypeVar("Row", bound=Base)
Key = tuple[Any, ...]

# Called inside a batch's transaction with the rows it created (repeats excluded), before the commit: whatever it
# writes (an outbox row announcing the new item) is committed with them, or rolled back with them.
AfterInsert = Callable[[AsyncSession, Sequence[Base]], Awaitable[None]]

# Bounds one transaction (and its statement sizes) when a burst queues thousands of rows; the rest go next.
MAX_BATCH = 256


@dataclass(eq=False)
class _Pending:
    model: type[Base]
    conflict: tuple[str, ...]
    values: dict[str, Any]
    done: asyncio.Future[tuple[Any, bool]] = field(repr=False)
    key: Key = field(init=False)

    def __post_init__(self) -> None:
        self.key = tuple(map(self.values.__getitem__, self.conflict))

    @property
    def group(self) -> tuple[type[Base], tuple[str, ...], tuple[str, ...]]:
        # One executemany needs the same columns in every row; rows of one kind always have them.
        return self.model, self.conflict, tuple(sorted(self.values))


class GroupCommit:
    """`insert_once` for many concurrent callers, committed together. Safe to share in one event loop."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        max_batch: int = MAX_BATCH,
        after_insert: AfterInsert | None = None,
    ) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self.after_insert = after_insert
        self._queue: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None

    async def insert_once(
        self, model: type[Row], values: dict[str, Any], conflict: tuple[str, ...] = SOURCE_KEY
    ) -> tuple[Row, bool]:
        """Store unless a row with the same `conflict` columns exists; return the row and whether it is new.

        Returns once the row is committed. A database error fails every caller of the batch it was in,
        with that error, and the batch's transaction is rolled back: nothing of it is stored. A caller
        cancelled while its batch is being written does not undo it (the row is stored, as a retry would).
        """
        loop = asyncio.get_running_loop()
        if self._flusher is not None and self._flusher.get_loop() is not loop:
            # Left behind by an event loop that was closed mid-flush: nothing will ever resolve those callers.
            self._flusher = None
            self._queue = [pending for pending in self._queue if pending.done.get_loop() is loop]
        pending = _Pending(model, conflict, values, loop.create_future())
        self._queue.append(pending)
        if self._flusher is None:
            self._flusher = loop.create_task(self._flush(), name="group-commit")
        row, created = await pending.done
        return cast(Row, row), created

    async def _flush(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._queue:
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
                batch = [pending for pending in batch if not pending.done.done()]  # callers that gave up
                if not batch:
                    continue
                try:
                    results = await self._commit(batch)
                except Exception as error:
                    for pending in batch:
                        if not pending.done.done():
                            pending.done.set_exception(error)
                else:
                    for pending, result in zip(batch, results, strict=True):
                        if not pending.done.done():
                            pending.done.set_result(result)
        finally:
            self._flusher = None
            # Only when the flusher itself is cancelled (the loop is closing): nobody will store these now.
            for pending in [*batch, *self._queue]:
                pending.done.cancel()
            self._queue.clear()

    async def _commit(self, batch: list[_Pending]) -> list[tuple[Any, bool]]:
        groups: dict[tuple[type[Base], tuple[str, ...], tuple[str, ...]], list[_Pending]] = {}
        for pending in batch:
            groups.setdefault(pending.group, []).append(pending)
        results: dict[_Pending, tuple[Any, bool]] = {}
        async with self._sessions.begin() as session:
            for (model, conflict, _columns), members in groups.items():
                results |= await _store_group(session, model, conflict, members)
            if self.after_insert is not None:
                created = [row for row, is_new in results.values() if is_new]
                if created:
                    await self.after_insert(session, created)
        # The transaction is committed here: only now may anyone see these ids.
        return [results[pending] for pending in batch]


async def _store_group(
    session: AsyncSession, model: type[Base], conflict: tuple[str, ...], members: Sequence[_Pending]
) -> dict[_Pending, tuple[Any, bool]]:
    table = cast(Table, model.__table__)  # type: ignore[attr-defined]
    firsts: dict[Key, _Pending] = {}
    for pending in members:
        firsts.setdefault(pending.key, pending)  # a repeat inside the batch: the first one is stored

    def key_of(row: Base) -> Key:
        return tuple(getattr(row, column) for column in conflict)

    statement = insert_ignoring_duplicates(session, model, index_elements=conflict).returning(model)
    # One statement for the whole group: SQLAlchemy sends the rows as multi-row INSERTs and builds the new
    # rows' objects from RETURNING. Rows that already existed come back from none of them.
    inserted = await session.scalars(statement, [pending.values for pending in firsts.values()])
    rows = {key_of(row): row for row in inserted}
    created = set(rows)
    earlier = [key for key in firsts if key not in rows]
    if earlier:
        key_columns = [table.c[column] for column in conflict]
        found = await session.scalars(select(model).where(tuple_(*key_columns).in_(earlier)))
        rows |= {key_of(row): row for row in found}
    return {
        pending: (rows[pending.key], pending.key in created and firsts[pending.key] is pending) for pending in members
    }


def chain_after_insert(*hooks: AfterInsert | None) -> AfterInsert | None:
    """Several after-insert hooks in one (webhook events, tracker filing), run in order in the same transaction."""
    present = [hook for hook in hooks if hook is not None]
    if len(present) <= 1:
        return present[0] if present else None

    async def chained(session: AsyncSession, rows: Sequence[Base]) -> None:
        for hook in present:
            await hook(session, rows)

    return chained
