"""Similar feedback: the TF-IDF index finds a request said another way or with typos and nothing unrelated; the
per-workspace index is built from storage once, catches up with rows other processes stored, and never suggests
feedback that was closed or erased meanwhile; any `TextIndex` can stand in for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Iterable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, insert, update

from bot.services import tfidf
from bot.services.similarity import SIMILAR_THRESHOLD, Match, SimilarFeedback, TextIndex, tfidf_index
from bot.services.tfidf import TfidfTextIndex
from storage.db import Database, open_database, sync_url
from storage.models import Feedback

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TEAM = "T0001"
REQUESTS = {
    1: "Please let managers approve expenses from their phone, the approval page is desktop-only.",
    2: "Searching tickets in the support console takes 20 seconds.",
    3: "SSO logs me out every hour.",
    4: "Export my expenses to CSV so I can reconcile them in Excel.",
    5: "Let us swap shifts with a colleague without asking the manager.",
    6: "The third floor printer is always out of toner.",
}


def indexed(items: dict[int, str] = REQUESTS) -> TfidfTextIndex:
    index = TfidfTextIndex()
    index.add(items.items())
    return index


def found(index: TextIndex, text: str, limit: int = 3, exclude: Collection[int] = ()) -> list[int]:
    return [match.id for match in index.similar(text, limit, SIMILAR_THRESHOLD, exclude)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Managers should be able to approve expense claims on mobile from the phone.", 1),
        ("pls let managers aprove expences on their phone", 1),
        ("ticket serach in the support console is realy slow, like 20 secs", 2),
        ("I have to sign in again through SSO every hour", 3),
        ("expense export to CSV for Excel would help", 4),
        ("shift swop with a colleage without the manager", 5),
    ],
)
def test_a_paraphrase_or_a_typo_finds_the_request(text: str, expected: int) -> None:
    assert found(indexed(), text)[:1] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "The coffee machine on the second floor is broken.",
        "Add a dark mode to the wiki.",
        "New joiners wait three days for their laptop.",
    ],
)
def test_an_unrelated_text_finds_nothing(text: str) -> None:
    assert found(indexed(), text) == []


def test_scores_are_cosines_best_first_and_the_text_itself_scores_one() -> None:
    index = indexed()
    matches = index.similar(REQUESTS[2], 6, 0.0)
    assert matches[0] == Match(2, pytest.approx(1.0, abs=1e-5))
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert all(0.0 <= m.score <= 1.0 + 1e-6 for m in matches)


def test_removed_and_excluded_items_are_not_suggested_and_a_removed_item_can_come_back() -> None:
    index = indexed()
    text = "Managers should approve expenses on their phone"
    assert found(index, text, exclude={1}) == []
    index.remove([1, 999])
    assert found(index, text) == [] and len(index) == 5
    index.add([(1, REQUESTS[1])])
    assert found(index, text) == [1] and len(index) == 6


def test_items_added_after_the_fit_are_found_and_the_index_refits_as_it_grows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tfidf, "BLOCK_SIZE", 4)  # several full blocks and a growing one
    fits: list[int] = []
    refit = TfidfTextIndex._refit

    def counted(self: TfidfTextIndex, texts: dict[int, str]) -> None:
        fits.append(len(texts))
        refit(self, texts)

    monkeypatch.setattr(TfidfTextIndex, "_refit", counted)
    index = indexed()
    assert fits == [6]
    index.add([(10 + n, f"Filler request number {n} about the canteen menu") for n in range(4)])
    index.add([(7, "The VPN disconnects every few minutes when I work from home.")])
    assert fits == [6]  # 11 < 2 × 6: rows added with the fitted weights
    assert found(index, "VPN keeps disconnecting when working from home") == [7]
    index.add([(20, "Wiki search never finds the page I am looking for.")])
    assert fits == [6, 12]
    assert found(index, "wiki search never finds the right page") == [20]
    assert found(index, "VPN keeps disconnecting when working from home") == [7]


def test_an_empty_index_or_an_empty_text_matches_nothing() -> None:
    assert TfidfTextIndex().similar("anything", 3, 0.1) == []
    assert found(indexed(), "") == []


class WordOverlap:
    """A stand-in implementation: the share of words two texts have in common. Any TextIndex plugs in."""

    def __init__(self) -> None:
        self.texts: dict[int, set[str]] = {}
        self.built = 0

    def __len__(self) -> int:
        return len(self.texts)

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        self.built += 1
        for item_id, text in items:
            self.texts.setdefault(item_id, set(text.lower().split()))

    def remove(self, ids: Iterable[int]) -> None:
        for item_id in ids:
            self.texts.pop(item_id, None)

    def similar(self, text: str, limit: int, threshold: float, exclude: Collection[int] = ()) -> list[Match]:
        words = set(text.lower().split())
        scores = [
            Match(item_id, len(words & other) / len(words | other))
            for item_id, other in self.texts.items()
            if item_id not in exclude
        ]
        return sorted((m for m in scores if m.score >= threshold), key=lambda m: (-m.score, m.id))[:limit]


def test_the_default_index_is_the_tfidf_one() -> None:
    assert isinstance(tfidf_index(), TfidfTextIndex)


def seed(database_url: str, rows: list[dict[str, object]]) -> None:
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(insert(Feedback), [feedback(**row) for row in rows])
    engine.dispose()


def feedback(**values: object) -> dict[str, object]:
    item_id = values["id"]
    return {
        "platform": "slack",
        "team_id": TEAM,
        "user_id": "U0001",
        "anonymous": False,
        "status": "new",
        "source_key": f"seed:{item_id}",
        "created_at": NOW - timedelta(days=1),
    } | values


def change(database_url: str, item_id: int, **values: object) -> None:
    """What another process (the CLI, another replica) does to a row: this one's index is not told."""
    engine = create_engine(sync_url(database_url))
    with engine.begin() as connection:
        connection.execute(update(Feedback).where(Feedback.id == item_id).values(**values))
    engine.dispose()


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = open_database(database_url)
    yield database
    await database.close()


async def test_only_open_feedback_of_the_workspace_is_suggested(database_url: str, db: Database) -> None:
    seed(
        database_url,
        [
            {"id": 1, "text": REQUESTS[1]},
            {"id": 2, "text": "Let managers approve expense claims from the phone, please.", "status": "shipped"},
            {"id": 3, "text": "Approve expenses from the phone as a manager.", "status": "declined"},
            {"id": 4, "text": "Managers want to approve expenses on the phone.", "team_id": "T0002"},
            {"id": 5, "text": REQUESTS[3]},
        ],
    )
    similar = SimilarFeedback(db, clock=lambda: NOW)

    assert [m.id for m in await similar.similar(TEAM, "managers approve expenses from the phone")] == [1]
    assert [m.id for m in await similar.similar("T0002", "managers approve expenses from the phone")] == [4]
    assert await similar.similar(TEAM, "managers approve expenses from the phone", exclude={1}) == []


async def test_the_index_is_built_once_and_catches_up_with_rows_stored_elsewhere(
    database_url: str, db: Database
) -> None:
    seed(database_url, [{"id": 1, "text": REQUESTS[1]}, {"id": 2, "text": REQUESTS[2]}])
    indexes: list[WordOverlap] = []

    def make() -> WordOverlap:
        indexes.append(WordOverlap())
        return indexes[-1]

    clock = [NOW]
    similar = SimilarFeedback(db, make_index=make, threshold=0.3, clock=lambda: clock[0])
    assert [m.id for m in await similar.similar(TEAM, REQUESTS[2])] == [2]
    assert len(indexes) == 1 and len(indexes[0]) == 2

    clock[0] = NOW + timedelta(hours=1)
    # Stored by another replica since the last lookup (stamped a minute after it, committed later).
    seed(database_url, [{"id": 3, "text": REQUESTS[3], "created_at": NOW + timedelta(minutes=1)}])
    # Stored by an old transaction: stamped before the previous lookup, committed after it.
    seed(database_url, [{"id": 4, "text": REQUESTS[4], "created_at": NOW - timedelta(minutes=2)}])
    assert [m.id for m in await similar.similar(TEAM, REQUESTS[3])] == [3]
    assert [m.id for m in await similar.similar(TEAM, REQUESTS[4])] == [4]
    assert len(indexes) == 1 and len(indexes[0]) == 4

    # An anonymous item is stamped with the start of its hour: written 40 minutes after the last lookup, it is
    # dated 20 minutes before it, and still caught up with.
    clock[0] = NOW + timedelta(hours=1, minutes=20)
    assert [m.id for m in await similar.similar(TEAM, REQUESTS[4])] == [4]
    clock[0] = NOW + timedelta(hours=1, minutes=45)
    seed(database_url, [{"id": 6, "text": REQUESTS[6], "anonymous": True, "user_id": None,
                         "created_at": NOW + timedelta(hours=1)}])  # fmt: skip
    assert [m.id for m in await similar.similar(TEAM, REQUESTS[6])] == [6]
    assert len(indexes) == 1 and len(indexes[0]) == 5

    # Older than any catch-up reads: only `add`, as the process that stored it calls it, makes it known.
    seed(database_url, [{"id": 5, "text": REQUESTS[5], "created_at": NOW - timedelta(days=30)}])
    assert await similar.similar(TEAM, REQUESTS[5]) == []
    await similar.add(TEAM, [(5, REQUESTS[5])])
    assert [m.id for m in await similar.similar(TEAM, REQUESTS[5])] == [5]
    # An id the database does not hold (never stored, or deleted) is dropped rather than suggested.
    await similar.add(TEAM, [(99, "added by this process")])
    assert await similar.similar(TEAM, "added by this process") == []


async def test_feedback_closed_or_erased_elsewhere_is_dropped_at_the_next_lookup(
    database_url: str, db: Database
) -> None:
    seed(
        database_url,
        [
            {"id": 1, "text": REQUESTS[1]},
            {"id": 2, "text": "Let managers approve expenses from their phone please."},
            {"id": 3, "text": "Managers should approve expenses from the phone."},
            {"id": 4, "text": REQUESTS[3]},
        ],
    )
    similar = SimilarFeedback(db, clock=lambda: NOW)
    query = "managers approve expenses from the phone"
    assert sorted(m.id for m in await similar.similar(TEAM, query)) == [1, 2, 3]

    change(database_url, 1, status="duplicate")
    change(database_url, 2, text="")  # erased: its text emptied
    assert [m.id for m in await similar.similar(TEAM, query, limit=1)] == [3]
    assert [m.id for m in await similar.similar(TEAM, query)] == [3]

    await similar.remove(TEAM, [3])
    assert await similar.similar(TEAM, query) == []


async def test_concurrent_first_lookups_build_one_index(database_url: str, db: Database) -> None:
    seed(database_url, [{"id": n, "text": text} for n, text in REQUESTS.items()])
    built: list[WordOverlap] = []

    def make() -> WordOverlap:
        built.append(WordOverlap())
        return built[-1]

    similar = SimilarFeedback(db, make_index=make, threshold=0.3, clock=lambda: NOW)
    results = await asyncio.gather(*(similar.similar(TEAM, REQUESTS[n]) for n in REQUESTS))
    assert [[m.id for m in matches][:1] for matches in results] == [[n] for n in REQUESTS]
    assert len(built) == 1 and built[0].built == 1
