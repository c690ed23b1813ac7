"""What a way of comparing texts offers: the TF-IDF index (bot.services.tfidf), or a neural embedder later."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import NamedTuple, Protocol


class Match(NamedTuple):
    id: int
    score: float  # cosine similarity, 0 (nothing in common) to 1 (the same text)


class TextIndex(Protocol):
    """Texts by id, compared with a text; implementations are safe to call from several threads."""

    def __len__(self) -> int: ...

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        """Index (id, text) pairs; ids already indexed are left as they are."""

    def remove(self, ids: Iterable[int]) -> None:
        """Forget these ids; unknown ones are ignored."""

    def similar(self, text: str, limit: int, threshold: float, exclude: Collection[int] = ()) -> list[Match]:
        """Up to `limit` indexed ids whose score against `text` is at least `threshold`, best first."""
