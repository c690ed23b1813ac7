"""The eNPS arithmetic, on counts (the database counts; this only divides)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

SCORES = range(11)


def rounded_percent(part: int, whole: int) -> int:
    """100·part/whole rounded half away from zero, exactly (no float drift at .5)."""
    value = Fraction(100 * part, whole)
    magnitude = abs(value)
    rounded = int(magnitude) + (1 if magnitude - int(magnitude) >= Fraction(1, 2) else 0)
    return rounded if value >= 0 else -rounded


@dataclass(frozen=True)
class Enps:
    responses: int
    promoters: int
    passives: int
    detractors: int

    @classmethod
    def from_tally(cls, tally: dict[int, int]) -> Enps:
        promoters = sum(count for score, count in tally.items() if score >= 9)
        passives = sum(count for score, count in tally.items() if 7 <= score <= 8)
        detractors = sum(count for score, count in tally.items() if score <= 6)
        return cls(promoters + passives + detractors, promoters, passives, detractors)

    @property
    def score(self) -> int:
        """%promoters − %detractors, an integer from −100 to +100 (0 with no responses)."""
        if not self.responses:
            return 0
        return rounded_percent(self.promoters - self.detractors, self.responses)

    def percent(self, count: int) -> int:
        return rounded_percent(count, self.responses) if self.responses else 0


def signed(score: int) -> str:
    return f"+{score}" if score > 0 else str(score)
