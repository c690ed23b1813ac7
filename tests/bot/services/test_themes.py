"""Themes: seeded feedback falls into the expected groups, each with its count, change, products and quotes, and
no quotes from a theme smaller than the anonymity threshold; the same on both databases; sampling at scale."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, insert

from bot.desks.weekly_digest import digest_note
from bot.domain.replies import verbatim
from bot.services import themes as theme_service
from bot.services.digest import Digest
from bot.services.themes import Item, Theme, group, themes_for
from comms.render.text import plain
from storage.db import open_database, sync_url
from storage.models import Feedback
from tests.bot.services.test_trend import trend_of

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
START = NOW - timedelta(days=7)
PHONE = [
    "Please let managers approve expenses from their phone.",
    "Managers should be able to approve expenses on the phone.",
    "I can't approve expenses from my phone, only on the laptop.",
    "Approving expenses on the phone would save managers so much time.",
    "Let me approve my team's expenses from the phone app.",
    "pls let managers aprove expenses from the phone",
]
VPN = [
    "The VPN disconnects every few minutes when I work from home.",
    "VPN keeps disconnecting when working from home.",
    "My VPN disconnects all the time from home.",
]
WIKI = [
    "Wiki search never finds the page I need.",
    "The wiki search never finds the right page.",
    "Wiki search never finds anything useful.",
]
ALONE = ["The coffee machine on the second floor is broken.", "We need more bike parking at the office."]


def items() -> list[Item]:
    def item(n: int, text: str, product: str | None, days_ago: float) -> Item:
        return Item(n, text, product, NOW - timedelta(days=days_ago))

    now = [item(n, text, "Expense Hub" if n else None, 1 + n / 2) for n, text in enumerate(PHONE)]
    now += [item(10 + n, text, "IT Portal", 2 + n) for n, text in enumerate(VPN)]
    now += [item(20, WIKI[0], "Wiki", 3)] + [item(30 + n, text, None, 2) for n, text in enumerate(ALONE)]
    before = [item(40 + n, text, "Expense Hub", 8 + n) for n, text in enumerate(PHONE[:2])]
    before += [item(50 + n, text, "Wiki", 9 + n) for n, text in enumerate(WIKI[1:])]
    return sorted(now + before, key=lambda it: it.created_at)


def check(found: list[Theme]) -> None:
    phone, vpn = found
    assert "approve" in phone.label and "phone" in phone.label
    assert (phone.count, phone.change, phone.products) == (6, 4, ("Expense Hub",))
    assert len(phone.quotes) == 2 and set(phone.quotes) <= set(PHONE)
    assert "vpn" in vpn.label
    assert (vpn.count, vpn.change, vpn.products, vpn.quotes) == (3, 3, ("IT Portal",), ())


def test_seeded_feedback_falls_into_the_expected_themes() -> None:
    # The wiki theme is one item this week (two the week before): not a theme of this week.
    check(group(items(), START, anonymity_threshold=5))


def test_no_quote_below_the_anonymity_threshold_and_quotes_at_it() -> None:
    assert [theme.quotes for theme in group(items(), START, anonymity_threshold=7)] == [(), ()]
    assert all(len(theme.quotes) == 2 for theme in group(items(), START, anonymity_threshold=3))


def test_a_long_quote_is_shortened_and_flattened() -> None:
    long = "Approve expenses from the phone,\n\nplease. " + "It matters a lot to the managers. " * 10
    texts = [*PHONE[:4], long]
    found = group([Item(n, text, None, NOW - timedelta(days=1)) for n, text in enumerate(texts)], START, 2)
    quotes = [quote for theme in found for quote in theme.quotes]
    assert quotes and all(len(quote) <= theme_service.QUOTE_LENGTH and "\n" not in quote for quote in quotes)


def test_nothing_in_the_period_or_nothing_alike_gives_no_theme() -> None:
    assert group([], START, 5) == []
    assert group([Item(1, PHONE[0], None, NOW - timedelta(days=9))], START, 5) == []
    assert group([Item(n, text, None, NOW - timedelta(days=1)) for n, text in enumerate(ALONE)], START, 5) == []
    assert group([Item(1, "!!!", None, NOW - timedelta(days=1)), Item(2, "!!!", None, NOW)], START, 5) == []


def test_beyond_the_sample_every_item_joins_its_theme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theme_service, "SAMPLE_SIZE", 10)
    monkeypatch.setattr(theme_service, "SVD_COMPONENTS", 8)
    many = [
        Item(n * 10 + k, text, "Expense Hub" if text in PHONE else "IT Portal", NOW - timedelta(days=1 + k / 10))
        for n, text in enumerate(PHONE + VPN)
        for k in range(3)
    ]
    found = group(many, START, 5)
    assert [(theme.count, theme.products) for theme in found] == [(18, ("Expense Hub",)), (9, ("IT Portal",))]


async def test_themes_from_the_database(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    rows = [
        {
            "platform": "slack", "team_id": "T0001", "user_id": None, "anonymous": True, "text": it.text,
            "product": it.product, "status": "new", "source_key": f"s{it.id}", "created_at": it.created_at,
        }
        for it in items()
    ]  # fmt: skip
    other_team = rows[0] | {"team_id": "T0002", "source_key": "other"}
    erased = rows[0] | {"text": "", "source_key": "erased"}
    with engine.begin() as connection:
        connection.execute(insert(Feedback), [*rows, other_team, erased])
    engine.dispose()
    db = open_database(database_url)
    try:
        async with db.sessions() as session:
            check(await themes_for(session, "T0001", START, NOW, anonymity_threshold=5))
            (phone,) = await themes_for(session, "T0001", START, NOW, 5, product="expense hub")
            assert (phone.count, phone.change) == (5, 3)  # the one without a product is not about it
            assert await themes_for(session, "T0001", START, NOW, 5, product="Nothing") == []
    finally:
        await db.close()


def test_the_digest_lists_the_themes_with_their_counts_and_changes() -> None:
    digest = Digest(
        team_id="T1", start=START, end=NOW, threshold=5, latest=None, previous=None, feedback_now=9,
        feedback_before=2, by_category={}, top_products=[("Expense Hub", 6)],
        themes=[Theme("approve expenses / phone", 6, 4, ("Expense Hub",), tuple(PHONE[:2])),
                Theme("vpn disconnects", 3, 3, ("IT Portal",), ())],
        open_bugs={}, oldest_blocker_days=None, shipped=[], upcoming=[], loop_closed=0, median_days_to_ship=None,
        active_people=3, before_after=[], trend=trend_of([2, 9], [None, None]),
    )  # fmt: skip
    (feedback,) = [p for p in digest_note(digest, ZoneInfo("UTC")).paragraphs if p.startswith("*Feedback*")]
    themes = feedback.splitlines()[1]
    assert plain(themes) == "Themes: approve expenses / phone (6, +4); vpn disconnects (3, new)"
    assert themes.count(verbatim("vpn disconnects")) == 1  # a label is shown as typed, never as markup
    without = replace(digest, themes=[])
    (feedback,) = [p for p in digest_note(without, ZoneInfo("UTC")).paragraphs if p.startswith("*Feedback*")]
    assert plain(feedback.splitlines()[1]) == "Themes: Expense Hub"
