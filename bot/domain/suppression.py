"""Which slices of a person-level number to withhold (statistical disclosure control).

Primary suppression withholds every slice of fewer than FEEDBOT_ANONYMITY_THRESHOLD people. That alone is not
enough when the total is shown too: the total minus the shown slices is the sum of the withheld ones, so a single
withheld slice is recovered by subtraction (the "differencing" attack). Secondary (complementary) suppression
therefore withholds the smallest shown slice as well, until the subtraction gives only the sum of a group that no
bound can split (see _covered). tests/bot/test_suppression.py plays the attacker: it knows the rule, the total and
every shown number, and must never be left with a single possible size for a withheld slice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


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


def withheld_with_answers(answers: Mapping[str, Sequence[int]], threshold: int) -> frozenset[str]:
    """The slices to withhold when each shown slice shows its answers too, not only its size: `answers` holds, per
    slice, how many people gave each kind of answer (for eNPS: promoters, passives, detractors).

    The total's answers minus the shown slices' are the withheld slices' answers taken together. Sizes stay hidden
    by `withheld`, but when everyone withheld gave the same kind of answer, every withheld slice's share is known
    whatever its size (all promoters: each withheld department's eNPS is +100, and each of its people is known to
    have said 9 or 10). Then nothing is broken down: every slice is withheld.

    When the withheld answers are mixed, no withheld slice's share can be pinned down: take any population the
    attacker cannot tell from the real one and swap two people of different kinds between a withheld slice and
    another withheld slice. Sizes do not change, so `withheld` still picks the same slices, and the union is the
    same, so this rule does too; yet that slice's share (its eNPS) has changed. Withholding everything, rather than
    one more slice until the withheld answers are mixed, keeps that argument whole: such a rule would read how the
    answers fall within the withheld slices, so the swap could change what it withholds, and the attacker, who knows
    the rule, would learn that the first slices withheld answered alike."""
    counts = {name: sum(kinds) for name, kinds in answers.items()}
    hidden = withheld(counts, threshold)
    present = frozenset(name for name, count in counts.items() if count > 0)
    if not hidden or hidden == present:
        return hidden
    together = [sum(column) for column in zip(*(answers[name] for name in hidden), strict=True)]
    if sum(1 for count in together if count) <= 1:
        return present
    return hidden
