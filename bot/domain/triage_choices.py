"""The items a triager may merge a feedback item into, as the Merge into… form offers them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MergeChoice:
    label: str  # FB-12
    text: str  # its words, as the submitter wrote them (the renderer shortens them)
    votes: int
    anonymous: bool = False  # merged into, it takes voters who are never told its words
