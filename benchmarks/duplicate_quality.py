"""Duplicate-suggestion quality: precision and recall of "similar" on a labelled set of feedback pairs.

    python -m benchmarks.duplicate_quality [--pairs benchmarks/data/duplicate_pairs.csv] [--threshold 0.5]

benchmarks/data/duplicate_pairs.csv holds pairs of feedback about internal tools (expenses, the support console,
shift planning, SSO, the wiki, IT, HR, timesheets, CI, meeting rooms), written for this project: the same request
said another way (paraphrase), with typos, in German, Spanish or French (and a few across languages), and pairs
that are not the same request though they share a product or words. Every text of the file is put in one
index, as a workspace's feedback would be; a pair counts as "similar" when the index scores it at or above the
threshold, which is what a duplicate suggestion shows. Prints precision and recall at the chosen threshold
(`bot.services.similarity.SIMILAR_THRESHOLD` unless given), a table over other thresholds, and recall and false
positives by kind of pair.
"""

from __future__ import annotations

import argparse
import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from bot.services.similarity import SIMILAR_THRESHOLD, tfidf_index

DEFAULT_PAIRS = Path(__file__).parent / "data" / "duplicate_pairs.csv"
TABLE = (0.1, 0.125, 0.15, 0.175, 0.18, 0.185, 0.187, 0.19, 0.2, 0.225, 0.25, 0.3, 0.4, 0.5)
TARGET_PRECISION = 0.9


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    duplicate: bool
    kind: str


def read_pairs(path: Path) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as file:
        return [Pair(row["a"], row["b"], row["duplicate"] == "1", row["kind"]) for row in csv.DictReader(file)]


def scores(pairs: list[Pair]) -> list[float]:
    """Each pair's score as the index gives it, with every text of the set indexed."""
    texts = sorted({text for pair in pairs for text in (pair.a, pair.b)})
    ids = {text: number for number, text in enumerate(texts)}
    index = tfidf_index()
    index.add((number, text) for text, number in ids.items())
    found = []
    for pair in pairs:
        matches = index.similar(pair.a, limit=len(texts), threshold=0.0)
        found.append(next((match.score for match in matches if match.id == ids[pair.b]), 0.0))
    return found


def precision_recall(pairs: list[Pair], found: list[float], threshold: float) -> tuple[float, float, int, int, int]:
    said = [score >= threshold for score in found]
    true_positives = sum(1 for pair, similar in zip(pairs, said, strict=True) if similar and pair.duplicate)
    false_positives = sum(1 for pair, similar in zip(pairs, said, strict=True) if similar and not pair.duplicate)
    duplicates = sum(pair.duplicate for pair in pairs)
    precision = true_positives / (true_positives + false_positives) if true_positives + false_positives else 1.0
    return precision, true_positives / duplicates, true_positives, false_positives, duplicates


def best_threshold(pairs: list[Pair], found: list[float]) -> float:
    candidates = sorted(set(found))
    passing = [t for t in candidates if precision_recall(pairs, found, t)[0] >= TARGET_PRECISION]
    return max(passing, key=lambda t: (precision_recall(pairs, found, t)[1], t)) if passing else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--threshold", type=float, default=SIMILAR_THRESHOLD)
    args = parser.parse_args()
    pairs = read_pairs(args.pairs)
    found = scores(pairs)
    duplicates = sum(pair.duplicate for pair in pairs)
    print(f"{len(pairs)} pairs: {duplicates} duplicates, {len(pairs) - duplicates} not")
    precision, recall, hits, false, _ = precision_recall(pairs, found, args.threshold)
    print(f"at threshold {args.threshold:.3f}: precision {precision:.3f}, recall {recall:.3f} "
          f"({hits} of {duplicates} duplicates found, {false} false suggestions)")  # fmt: skip
    print("\nthreshold  precision  recall  false suggestions")
    for threshold in TABLE:
        precision, recall, _, false, _ = precision_recall(pairs, found, threshold)
        print(f"{threshold:9.3f}  {precision:9.3f}  {recall:6.3f}  {false:17d}")
    print("\nheld out: the threshold that finds most at precision >= 0.9 on one half of the pairs, on the other half")
    for name, chosen_on, measured_on in (("even", 0, 1), ("odd", 1, 0)):
        best = best_threshold(pairs[chosen_on::2], found[chosen_on::2])
        precision, recall, *_ = precision_recall(pairs[measured_on::2], found[measured_on::2], best)
        print(f"  chosen on the {name} pairs: {best:.3f}; on the others precision {precision:.3f}, recall {recall:.3f}")
    crossing = [pair.kind == "cross-language" for pair in pairs]
    same_language = [pair for pair, across in zip(pairs, crossing, strict=True) if not across]
    kept = [score for score, across in zip(found, crossing, strict=True) if not across]
    precision, recall, *_ = precision_recall(same_language, kept, args.threshold)
    print(
        f"\nwithout the cross-language pairs (no letters in common to find): "
        f"precision {precision:.3f}, recall {recall:.3f}"
    )
    print(f"\nby kind, at {args.threshold:.3f}:")
    kinds: dict[tuple[bool, str], list[bool]] = defaultdict(list)
    for pair, score in zip(pairs, found, strict=True):
        kinds[(pair.duplicate, pair.kind)].append(score >= args.threshold)
    for (duplicate, kind), said in sorted(kinds.items(), key=lambda item: (not item[0][0], item[0][1])):
        what = "found" if duplicate else "wrongly suggested"
        print(f"  {'duplicate' if duplicate else 'different'} / {kind}: {sum(said)} of {len(said)} {what}")


if __name__ == "__main__":
    main()
