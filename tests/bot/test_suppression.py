"""The differencing attack, as a property: an attacker who sees the total, the shown slices and which slices are
withheld, and who knows the rule, must never pin down a withheld slice's count, nor (seeing each shown slice's
tally and the total's) a withheld slice's eNPS."""

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from fractions import Fraction
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.suppression import withheld, withheld_with_answers

NAMES = "ABCDE"


def compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way to split `total` people into `parts` non-empty slices."""
    if parts == 1:
        if total >= 1:
            yield (total,)
        return
    for first in range(1, total - parts + 2):
        for rest in compositions(total - first, parts - 1):
            yield (first, *rest)


def consistent_worlds(shown: dict[str, int], hidden: list[str], total: int, threshold: int) -> list[dict[str, int]]:
    """Every population the attacker cannot tell apart from the real one: same total, same shown slices, and the
    rule withholds exactly the same slices."""
    worlds = []
    for split in compositions(total - sum(shown.values()), len(hidden)):
        world = {**shown, **dict(zip(hidden, split, strict=True))}
        if withheld(world, threshold) == frozenset(hidden):
            worlds.append(world)
    return worlds


@settings(max_examples=700, deadline=None)
@given(
    counts=st.lists(st.integers(1, 9), min_size=1, max_size=5),
    threshold=st.integers(3, 6),
)
def test_no_withheld_slice_count_can_be_recovered(counts: list[int], threshold: int) -> None:
    population = dict(zip(NAMES, counts, strict=False))
    total = sum(population.values())
    if total < threshold:
        return  # the total itself is withheld, and with it every slice
    hidden = sorted(withheld(population, threshold))
    shown = {name: count for name, count in population.items() if name not in hidden}
    assert all(count >= threshold for count in shown.values())
    if not hidden or len(hidden) == len(population):
        return  # nothing or everything withheld: with no slice shown, callers show no slice names either
    worlds = consistent_worlds(shown, hidden, total, threshold)
    assert population in worlds
    for name in hidden:
        assert len({world[name] for world in worlds}) > 1, (population, threshold, hidden)


def test_a_lone_small_slice_takes_the_smallest_other_with_it() -> None:
    assert withheld({"Sales": 3, "Support": 6, "Engineering": 40}, 5) == {"Sales", "Support"}


def test_slices_at_the_threshold_are_shown() -> None:
    assert withheld({"Sales": 5, "Support": 6}, 5) == frozenset()


# -- the same attacker against scores ---------------------------------------------------------------------------------
# Each shown slice shows its eNPS and its tally, and the total's tally is shown. The attacker subtracts: what is left
# is the withheld slices' answers taken together. A slice's eNPS depends only on how many promoters, passives and
# detractors it holds, so the attacker's worlds are the ways to split those three numbers among the withheld slices.

Kinds = tuple[int, int, int]  # promoters, passives, detractors
Rule = Callable[[Mapping[str, Sequence[int]], int], frozenset[str]]


def enps_of(kinds: Sequence[int]) -> Fraction:
    promoters, passives, detractors = kinds
    return Fraction(100 * (promoters - detractors), promoters + passives + detractors)


def dealt(together: Kinds, sizes: tuple[int, ...]) -> list[Kinds]:
    """`together` dealt out in order to slices of these sizes: one split among many with these sizes."""
    queue = [kind for kind, count in enumerate(together) for _ in range(count)]
    slices, start = [], 0
    for size in sizes:
        part = queue[start : start + size]
        slices.append((part.count(0), part.count(1), part.count(2)))
        start += size
    return slices


def attack(population: dict[str, Kinds], threshold: int, rule: Rule) -> dict[str, set[Fraction]] | None:
    """Every eNPS each withheld slice can have in a population the attacker cannot tell from the real one (same
    shown tallies, same withheld answers in all, and `rule` withholds the same slices); None when nothing or
    everything is withheld (with no slice shown, callers show no slice names either).

    The rules tried here read only the slices' sizes and the withheld answers taken together, which every split of
    one size vector shares: so a size vector the rule agrees with (checked on one split) admits every split, and each
    withheld slice can then hold any mix of its size that fits in what is left."""
    hidden = sorted(rule(population, threshold))
    if not hidden or len(hidden) == len(population):
        return None
    shown = {name: kinds for name, kinds in population.items() if name not in hidden}
    together: Kinds = (
        sum(population[name][0] for name in hidden),
        sum(population[name][1] for name in hidden),
        sum(population[name][2] for name in hidden),
    )
    values: dict[str, set[Fraction]] = {name: set() for name in hidden}
    for sizes in compositions(sum(together), len(hidden)):
        world: dict[str, Sequence[int]] = {**shown, **dict(zip(hidden, dealt(together, sizes), strict=True))}
        if rule(world, threshold) != frozenset(hidden):
            continue
        for name, size in zip(hidden, sizes, strict=True):
            for promoters in range(min(size, together[0]) + 1):
                for passives in range(min(size - promoters, together[1]) + 1):
                    if size - promoters - passives <= together[2]:
                        values[name].add(enps_of((promoters, passives, size - promoters - passives)))
    return values


slice_kinds = st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 5)).filter(lambda kinds: sum(kinds) > 0)


@settings(max_examples=1500, deadline=None)
@given(population=st.lists(slice_kinds, min_size=2, max_size=5), threshold=st.integers(3, 6))
def test_no_withheld_slice_enps_can_be_recovered(population: list[Kinds], threshold: int) -> None:
    named = dict(zip(NAMES, population, strict=False))
    seen = attack(named, threshold, withheld_with_answers)
    for name, values in (seen or {}).items():
        assert enps_of(named[name]) in values
        assert len(values) > 1, (named, threshold, name, values)
    # Sizes alone still obey the size rule.
    assert withheld({name: sum(kinds) for name, kinds in named.items()}, threshold) <= withheld_with_answers(
        named, threshold
    )


def test_every_small_population_of_three_slices_keeps_its_withheld_scores_ambiguous() -> None:
    mixes = [kinds for kinds in itertools.product(range(3), repeat=3) if sum(kinds) > 0]
    for threshold in (3, 4, 5):
        for a, b, c in itertools.product(mixes, repeat=3):
            named = {"A": a, "B": b, "C": c}
            for name, values in (attack(named, threshold, withheld_with_answers) or {}).items():
                assert len(values) > 1, (named, threshold, name)


@settings(max_examples=300, deadline=None)
@given(population=st.lists(slice_kinds, min_size=2, max_size=5), threshold=st.integers(3, 6), seed=st.randoms())
def test_the_rule_reads_only_sizes_and_the_withheld_answers_together(
    population: list[Kinds], threshold: int, seed: Random
) -> None:
    """What `attack` relies on: reshuffling people among the withheld slices, sizes kept, changes nothing, whenever
    some slices are shown. When none is, the rule read the withheld answers to get there (they were alike): that is
    the one thing it tells, and README's Privacy section says so."""
    named = dict(zip(NAMES, population, strict=False))
    hidden = sorted(withheld_with_answers(named, threshold))
    if set(hidden) == {name for name, kinds in named.items() if sum(kinds)}:
        return
    people = [kind for name in hidden for kind, count in enumerate(named[name]) for _ in range(count)]
    seed.shuffle(people)
    shuffled: dict[str, Sequence[int]] = dict(named)
    start = 0
    for name in hidden:
        part = people[start : start + sum(named[name])]
        shuffled[name] = (part.count(0), part.count(1), part.count(2))
        start += sum(named[name])
    assert withheld_with_answers(shuffled, threshold) == frozenset(hidden)


def sizes_only(answers: Mapping[str, Sequence[int]], threshold: int) -> frozenset[str]:
    return withheld({name: sum(kinds) for name, kinds in answers.items()}, threshold)


def test_sizes_alone_let_a_withheld_slice_of_promoters_be_read() -> None:
    # Sales (3) is withheld and Support (6), the smallest other, with it; all nine said 9 or 10.
    population = {"Sales": (3, 0, 0), "Support": (6, 0, 0), "Engineering": (10, 5, 5)}

    assert attack(population, 5, sizes_only) == {"Sales": {Fraction(100)}, "Support": {Fraction(100)}}
    assert withheld_with_answers(population, 5) == {"Sales", "Support", "Engineering"}  # no breakdown at all


def test_mixed_withheld_answers_keep_the_breakdown() -> None:
    population = {"Sales": (1, 1, 1), "Support": (2, 2, 2), "Engineering": (10, 5, 5)}
    assert withheld_with_answers(population, 5) == {"Sales", "Support"}
    assert withheld_with_answers({"Sales": (2, 0, 0), "Support": (6, 0, 0)}, 5) == {"Sales", "Support"}
