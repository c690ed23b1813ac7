"""The default text similarity: scikit-learn TF-IDF over character and word n-grams, compared by cosine.

Two views of a text: character n-grams of 3 and 4 letters inside word boundaries (`char_wb`), which match
"aproval" with "approvals" and "Genehmigung" with "Genehmigungen", and, at half the weight, word unigrams and
bigrams, which tell "export to csv" from "csv import". Counts are damped (`sublinear_tf`) so one repeated word
does not decide, accents are folded, and each row is scaled to length 1, so a dot product is the cosine.

Features are hashed (`HashingVectorizer`): a text written after the index was built needs no new vocabulary,
only the inverse document frequencies, which are learnt from the texts the index holds when it is (re)fitted.

This module is imported on first use only (see `bot.services.similarity`): scikit-learn and SciPy take a while
to import and some tens of MiB, which commands that never compare texts should not pay.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import normalize

from bot.services.text_index import Match

# 2**18 buckets per view: collisions between the n-grams of a workspace's feedback stay rare, and the index's
# feature-major blocks keep one small pointer array per bucket.
HASH_BUCKETS = 2**18
BLOCK_SIZE = 4096
FIT_SAMPLE = 20_000
REFIT_GROWTH = 2.0  # refit the document frequencies each time the index has doubled since the last fit
# The word view at half the weight of the characters' (a fifth of a cosine): on benchmarks/duplicate_quality.py
# equal weights found fewer duplicates (recall 0.55 against 0.60 at precision 0.9); without the words, "export to
# CSV" and "import from CSV" would be closer than they are.
WORD_WEIGHT = 0.5
COMPACT_SHARE = 0.25  # refit, and drop removed rows, once a quarter of the rows are removed


def text_features() -> FeatureUnion:
    """An unfitted TF-IDF over char_wb 3–4 grams and word 1–2 grams: fit it, then `vectors` turns texts into rows."""
    return FeatureUnion(
        [("characters", _view("char_wb", (3, 4))), ("words", word_features())],
        transformer_weights={"characters": 1.0, "words": WORD_WEIGHT},
    )


def word_features() -> Pipeline:
    """The word view alone, an unfitted TF-IDF over word 1–2 grams: a fifth of the characters' cost per text, for
    reading many texts where typos matter less (themes beyond their clustered sample)."""
    return _view("word", (1, 2))


def _view(analyzer: str, ngrams: tuple[int, int]) -> Pipeline:
    hashed = HashingVectorizer(
        analyzer=analyzer,
        ngram_range=ngrams,
        n_features=HASH_BUCKETS,
        alternate_sign=False,
        norm=None,
        strip_accents="unicode",
        dtype=np.float32,
    )
    return make_pipeline(hashed, TfidfTransformer(sublinear_tf=True))


def vectors(features: FeatureUnion, texts: Sequence[str]) -> sparse.csr_matrix:
    """One row per text, of length 1 (an empty text is a row of zeros): row · row is the cosine similarity."""
    rows = sparse.csr_matrix(features.transform(texts), dtype=np.float32)
    return normalize(rows, copy=False)


@dataclass(frozen=True)
class _Block:
    """Up to BLOCK_SIZE texts, stored feature by feature: a query reads only the texts that share a feature with
    it, not every row. Only the features the block's texts have get a row (`features`, sorted): a block of a few
    thousand texts uses tens of thousands of the 2**19."""

    ids: np.ndarray
    features: np.ndarray
    postings: sparse.csr_matrix  # the block's features × its texts

    @classmethod
    def of(cls, ids: Sequence[int], rows: sparse.csr_matrix) -> _Block:
        used = np.unique(rows.indices)
        postings = sparse.csr_matrix(rows[:, used].T, dtype=np.float32)
        return cls(np.asarray(ids, dtype=np.int64), used, postings)

    def scores(self, query: sparse.csr_matrix) -> np.ndarray:
        """The cosine of the query with each text of the block."""
        at = np.minimum(np.searchsorted(self.features, query.indices), len(self.features) - 1)
        shared = self.features[at] == query.indices
        if not shared.any():
            return np.zeros(len(self.ids), dtype=np.float32)
        local = sparse.csr_matrix(
            (query.data[shared], at[shared], [0, int(shared.sum())]), shape=(1, len(self.features))
        )
        return np.asarray((local @ self.postings).todense()).ravel()


class TfidfTextIndex:
    """A `TextIndex` in memory, safe to use from several threads.

    Texts arrive in blocks: full blocks are kept feature-major for lookups; the last, growing one is rebuilt from
    its rows when a lookup follows an `add`. The texts are kept too (a few MiB per 100,000), so that a refit, when
    the index has doubled or a quarter of it was removed, reads nothing from the database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._features: FeatureUnion | None = None
        self._fitted_on = 0
        self._texts: dict[int, str] = {}
        self._removed: set[int] = set()
        self._blocks: list[_Block] = []
        self._tail_ids: list[int] = []
        self._tail_rows: list[sparse.csr_matrix] = []
        self._tail: _Block | None = None
        self._refitting = False

    def __len__(self) -> int:
        return len(self._texts)

    def add(self, items: Iterable[tuple[int, str]]) -> None:
        with self._lock:
            new = {item_id: text for item_id, text in items if item_id not in self._texts}
            if not new:
                return
            self._texts.update(new)
            # A removed text that comes back still has its row: it counts again, and is not stored twice.
            revived = self._removed.intersection(new)
            self._removed.difference_update(revived)
            refit = self._features is None or len(self._texts) >= REFIT_GROWTH * self._fitted_on
            if self._refitting or not refit:
                # During a refit, rows made with the old weights: the refit takes in whatever it did not see.
                self._append({item_id: text for item_id, text in new.items() if item_id not in revived})
                return
            self._refitting = True
            texts = dict(self._texts)
        self._refit(texts)

    def remove(self, ids: Iterable[int]) -> None:
        with self._lock:
            for item_id in ids:
                if self._texts.pop(item_id, None) is not None:
                    self._removed.add(item_id)
            if (
                not self._texts
                or self._refitting
                or len(self._removed) <= COMPACT_SHARE * (len(self._texts) + len(self._removed))
            ):
                return
            self._refitting = True
            texts = dict(self._texts)
        self._refit(texts)

    def similar(self, text: str, limit: int, threshold: float, exclude: Collection[int] = ()) -> list[Match]:
        with self._lock:
            if self._features is None or not self._texts:
                return []
            query = vectors(self._features, [text])
            blocks = [*self._blocks, self._tail_block()] if self._tail_ids else self._blocks
            found: list[Match] = []
            for block in blocks:
                scores = block.scores(query)
                above = np.flatnonzero(scores >= threshold)
                taken = 0
                # Best first, so that the walk stops after a block's `limit` live matches.
                for position in above[np.argsort(-scores[above], kind="stable")]:
                    item_id = int(block.ids[position])
                    if item_id in self._removed or item_id in exclude:
                        continue
                    found.append(Match(item_id, float(scores[position])))
                    taken += 1
                    if taken == limit:
                        break
        found.sort(key=lambda match: (-match.score, match.id))
        return found[:limit]

    def _tail_block(self) -> _Block:
        if self._tail is None:
            self._tail = _Block.of(self._tail_ids, sparse.vstack(self._tail_rows, format="csr"))
        return self._tail

    def _append(self, texts: dict[int, str]) -> None:
        if not texts or self._features is None:
            return
        self._tail_ids.extend(texts)
        self._tail_rows.append(vectors(self._features, list(texts.values())))
        self._tail = None
        if len(self._tail_ids) >= BLOCK_SIZE:
            self._blocks.append(self._tail_block())
            self._tail_ids, self._tail_rows, self._tail = [], [], None

    def _refit(self, texts: dict[int, str]) -> None:
        """Learn the weights again from `texts` and rebuild the blocks, outside the lock (lookups go on with the
        old blocks meanwhile); then take in what was added or removed in between."""
        ids = list(texts)
        values = list(texts.values())
        try:
            features = text_features()
            # The weights from a sample: they hardly move past some thousands of texts, and analysing a sample
            # and then the texts block by block keeps only one block's working copies in memory at a time.
            sample = values
            if len(values) > FIT_SAMPLE:
                chosen = np.random.default_rng(0).choice(len(values), FIT_SAMPLE, replace=False)
                sample = [values[position] for position in chosen]
            features.fit(sample)
            blocks = [_Block.of(ids[start : start + BLOCK_SIZE], vectors(features, values[start : start + BLOCK_SIZE]))
                      for start in range(0, len(ids), BLOCK_SIZE)]  # fmt: skip
        except BaseException:
            with self._lock:
                self._refitting = False
            raise
        with self._lock:
            self._refitting = False
            self._features = features
            self._fitted_on = len(ids)
            # The last block, if not full, is the growing one: new texts are added to its rows.
            tail = blocks.pop() if blocks and len(blocks[-1].ids) < BLOCK_SIZE else None
            self._blocks = blocks
            self._tail = tail
            self._tail_ids = list(map(int, tail.ids)) if tail is not None else []
            self._tail_rows = [_rows_of(tail)] if tail is not None else []
            self._removed = {item_id for item_id in ids if item_id not in self._texts}
            self._append({item_id: text for item_id, text in self._texts.items() if item_id not in texts})


def _rows_of(block: _Block) -> sparse.csr_matrix:
    """A block's texts as rows over every feature again (the growing block is extended row by row)."""
    postings = block.postings.tocoo()
    return sparse.csr_matrix(
        (postings.data, (postings.col, block.features[postings.row])), shape=(len(block.ids), 2 * HASH_BUCKETS)
    )
