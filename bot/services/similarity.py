"""Similar feedback: which open items say what a text says, for duplicate suggestions and merging.

The interface is `TextIndex` (add, remove, similar → `Match(id, score)` with a score in 0…1, in
`bot.services.text_index`, beside which an implementation needs nothing of this module), so that another
way of comparing texts, a neural sentence embedder for instance, can be plugged in as an optional extra: pass
its factory to `SimilarFeedback`. The default is `bot.services.tfidf.TfidfTextIndex`: scikit-learn TF-IDF over
character and word n-grams, cosine similarity.

How a lookup stays cheap. `SimilarFeedback` (one per process, reachable as `Deps.similar`) holds one index per
workspace, in memory:
- built on the workspace's first lookup, from its open feedback (one query, one fit), in a worker thread;
- kept current without reading the table again: each lookup first adds the open feedback written since the
  previous one (an indexed range on created_at, with a few minutes' overlap for transactions that committed
  late), so items stored by another replica or by the CLI are found too; `add` lets the process that stored
  an item index it at once;
- checked against the database on the way out: the few matches are looked up by id, and any that was closed
  (shipped, declined, duplicate), erased or emptied meanwhile, by whichever process, is dropped from the index
  and the lookup is repeated;
- refitted in memory (the document frequencies learnt again) when it has doubled since the last fit, so a
  workspace that grows from ten items to ten thousand keeps weights that fit it.

Only open feedback is a candidate: statuses in `CLOSED` are left out when the index is built and when a match
is checked. The "similar" threshold was chosen with `benchmarks/duplicate_quality.py` (README, Themes and
duplicates): at it, precision ≥ 0.9 with recall ≥ 0.6 on the project's labelled pairs.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.vocabulary import CLOSED_STATUSES
from bot.services.text_index import Match, TextIndex
from storage import feedback as feedback_store
from storage.db import Database
from storage.models import utcnow

# Feedback in these statuses is settled: never suggested as "the same as yours", never a merge target.
CLOSED = CLOSED_STATUSES
# The score that finds the most duplicates at a precision of 0.9 on benchmarks/duplicate_quality.py's labelled pairs.
SIMILAR_THRESHOLD = 0.187
# Catching up re-reads this much before the previous lookup: a row is stamped before its transaction commits, and
# an anonymous item is stamped with the start of its hour (bot/services/feedback.py), up to an hour before.
CATCH_UP_OVERLAP = timedelta(hours=1, minutes=5)
# Each pass drops what closed since the index learnt it; a few passes settle even a burst of closures.
MAX_PASSES = 4

__all__ = ["CLOSED", "SIMILAR_THRESHOLD", "Match", "SimilarFeedback", "TextIndex", "load_tfidf", "tfidf_index"]


def load_tfidf() -> None:
    """Import the default index's libraries now: a server that compares texts after every /feedback should pay
    their second of import (holding the GIL) before it takes requests, not inside the first acks."""
    importlib.import_module("bot.services.tfidf")


def tfidf_index() -> TextIndex:
    # Imported here, on first use: scikit-learn costs every `feedbot` command a second and tens of MiB to import,
    # and most never compare texts.
    from bot.services.tfidf import TfidfTextIndex

    return TfidfTextIndex()


@dataclass(frozen=True)
class _Workspace:
    index: TextIndex
    lock: asyncio.Lock


class SimilarFeedback:
    """The open feedback of each workspace, as a `TextIndex` built on first use and kept current."""

    def __init__(
        self,
        db: Database,
        make_index: Callable[[], TextIndex] = tfidf_index,
        threshold: float = SIMILAR_THRESHOLD,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._make_index = make_index
        self.threshold = threshold
        self._clock = clock
        self._workspaces: dict[str, _Workspace] = {}
        self._synced: dict[str, datetime] = {}

    async def similar(self, team_id: str, text: str, limit: int = 3, exclude: Collection[int] = ()) -> list[Match]:
        """Up to `limit` open feedback items of the workspace that say what `text` says, most similar first."""
        index = await self._current(team_id)
        for _ in range(MAX_PASSES):
            matches = await asyncio.to_thread(index.similar, text, limit, self.threshold, exclude)
            async with self._db.sessions() as session:
                still_open = await feedback_store.open_among(session, team_id, [m.id for m in matches], CLOSED)
            settled = [match.id for match in matches if match.id not in still_open]
            if not settled:
                return matches
            await asyncio.to_thread(index.remove, settled)
        return [match for match in matches if match.id in still_open]

    async def add(self, team_id: str, items: Iterable[tuple[int, str]]) -> None:
        """New feedback stored by this process: indexed now if the workspace's index exists (else it is read
        with the rest when the index is built). In a worker thread: an add may be the one that refits."""
        workspace = self._workspaces.get(team_id)
        if workspace is not None:
            await asyncio.to_thread(workspace.index.add, list(items))

    async def remove(self, team_id: str, ids: Iterable[int]) -> None:
        """Feedback closed, merged or erased by this process: never suggested again."""
        workspace = self._workspaces.get(team_id)
        if workspace is not None:
            await asyncio.to_thread(workspace.index.remove, list(ids))

    async def _current(self, team_id: str) -> TextIndex:
        workspace = self._workspaces.get(team_id)
        if workspace is None:
            workspace = self._workspaces[team_id] = _Workspace(self._make_index(), asyncio.Lock())
        async with workspace.lock:
            synced = self._synced.get(team_id)
            started = self._clock()
            async with self._db.sessions() as session:
                since = synced - CATCH_UP_OVERLAP if synced is not None else None
                rows = await feedback_store.open_texts(session, team_id, CLOSED, since)
            if rows:
                await asyncio.to_thread(workspace.index.add, rows)
            self._synced[team_id] = started
        return workspace.index
