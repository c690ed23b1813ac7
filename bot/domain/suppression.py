"""Which slices of a person-level number to withhold (statistical disclosure control).

Primary suppression withholds every slice of fewer than FEEDBOT_ANONYMITY_THRESHOLD people. That alone is not
enough when the total is shown too: the total minus the shown slices is the sum of the withheld ones, so a single
withheld slice is recovered by subtraction (the "differencing" attack). Secondary (complementary) suppression
therefore withholds the smallest shown slice as well, until the subtraction gives only the sum of a group that no
bound can split (see _covered). tests/bot/test_suppression.py plays the attacker: it knows the rule, the total and
every shown number, and must never be left with a single possible size for a withheld slice."""

from __future__ import annotations

from collections.abc import Mapping


def withheld(counts: Mapping[str, int], threshold: int) -> frozenset[str]:
    """The names of the slices to withhold, given how many people each holds (empty slices are not listed).

    When every slice is withheld, show no breakdown at all, not even the slices' names: with the total shown, their
    number alone can give their sizes away (three slices of three people are one person each)."""
    hidden = {name for name, count in counts.items() if 0 < count < threshold}
    shown = {name: count for name, count in counts.items() if count >= threshold}
    while hidden and shown and not _covered(hidden, counts, threshold):
        # Every slice tied for smallest goes together: picking one of them by name would tell the attacker that the
        # complementary slice is no larger than the one left shown, which can pin its size down.
        smallest = min(shown.values())
        for name in [name for name, count in shown.items() if count == smallest]:
            hidden.add(name)
            del shown[name]
    return frozenset(hidden)


def _covered(hidden: set[str], counts: Mapping[str, int], threshold: int) -> bool:
    """Whether the subtraction leaves the withheld slices ambiguous: two or more of them, one at or above the
    threshold. Without that one, every withheld slice is known to lie below the threshold, and those bounds can pin
    the split down (two slices of 4 under a threshold of 5 that add up to 8 can only be 4 and 4)."""
    sizes = [counts[name] for name in hidden]
    return len(sizes) >= 2 and max(sizes) >= threshold
