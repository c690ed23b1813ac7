"""The differencing attack, as a property: an attacker who sees the total, the shown slices and which slices are
withheld, and who knows the rule, must never pin down a withheld slice's count."""

from collections.abc import Iterator

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.suppression import withheld

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
