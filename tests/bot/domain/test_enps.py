"""The eNPS arithmetic against its definition, for every tally hypothesis can think of."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.enps import Enps, rounded_percent, signed


def definition(scores: list[int]) -> int:
    """%promoters − %detractors, straight from PRODUCT.md, rounded half away from zero."""
    promoters = sum(1 for score in scores if score >= 9)
    detractors = sum(1 for score in scores if score <= 6)
    exact = Fraction(100 * promoters, len(scores)) - Fraction(100 * detractors, len(scores))
    sign = 1 if exact >= 0 else -1
    magnitude = abs(exact)
    whole = int(magnitude)
    return sign * (whole + 1 if magnitude - whole >= Fraction(1, 2) else whole)


@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=500))
def test_enps_matches_the_definition(scores: list[int]) -> None:
    tally: dict[int, int] = {}
    for score in scores:
        tally[score] = tally.get(score, 0) + 1
    result = Enps.from_tally(tally)
    assert result.score == definition(scores)
    assert -100 <= result.score <= 100
    assert result.responses == len(scores) == result.promoters + result.passives + result.detractors


def test_edges() -> None:
    assert Enps.from_tally({9: 3, 10: 4}).score == 100
    assert Enps.from_tally({0: 2, 6: 5}).score == -100
    assert Enps.from_tally({7: 3, 8: 1}).score == 0
    assert Enps.from_tally({}).score == 0
    assert Enps.from_tally({10: 1, 5: 2}).score == -33  # −33.3…
    assert Enps.from_tally({10: 2, 5: 1}).score == 33
    assert Enps.from_tally({10: 1, 8: 1, 0: 6}).score == -63  # −62.5 rounds away from zero
    assert rounded_percent(1, 8) == 13 and rounded_percent(-1, 8) == -13
    assert (signed(20), signed(-5), signed(0)) == ("+20", "-5", "0")
