"""Themes: the feedback of a period grouped by what it says, each with a label, a count, its change, the products
involved and, when enough people said it, two quotes.

Grouping uses the duplicate finder's text similarity (`bot.services.tfidf`: TF-IDF over character and word
n-grams, cosine), over the period and the equal period before it together, so a theme is the same theme in both
and its change is a difference of two counts:
- up to SAMPLE_SIZE texts are clustered exactly: scikit-learn's AgglomerativeClustering, average linkage, on
  their cosine distances, cut at THEME_DISTANCE (no number of themes is fixed in advance); a text alike to no
  other is no theme;
- beyond that (a year of a large company's feedback), a seeded random sample of SAMPLE_SIZE is clustered so, and
  every text then joins the theme whose centre it is closest to, if close enough (ASSIGN_SIMILARITY), compared in
  a TruncatedSVD projection of the word view fitted on the sample: the exact distances of 100,000 texts would
  take 40 GB, assigning in the projection reads every text once, and the character n-grams of every text would
  take four fifths of the time (8 of 10 s at 100,000) for a place in a theme the words already tell.

A label is the theme's two most telling key phrases: word 1–2 grams weighted by class-based TF-IDF (each theme's
texts counted as one document, scikit-learn's TfidfTransformer across themes), so the words that set a theme
apart from the others win over words every theme shares. Quotes are the two texts of the period closest to the
theme's centre, and only of a theme of at least `anonymity_threshold` items: a quote from a smaller group
could tell who wrote it.

scikit-learn takes a second to import: the digest and `feedbot themes` import this module when they run, not
when `feedbot` starts.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from scipy import sparse
from sklearn.cluster import AgglomerativeClustering
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfTransformer
from sklearn.metrics.pairwise import cosine_distances
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import normalize
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.tfidf import text_features, word_features
from storage import feedback as feedback_store

SAMPLE_SIZE = 2000
THEME_DISTANCE = 0.8  # average cosine distance within a theme, at most
ASSIGN_SIMILARITY = 0.25  # a text beyond the sample joins a theme this close to its centre
MIN_THEME_SIZE = 2  # in the period shown: one text is an item, not a theme
SVD_COMPONENTS = 100
PHRASES_PER_LABEL = 2
QUOTES_PER_THEME = 2
QUOTE_LENGTH = 160
MAX_PRODUCTS = 5
# Words true of most feedback, and the small words of the languages people write it in: no theme at all.
FEEDBACK_WORDS = (
    "feedback thanks thank great good please would could should really also just like want need make still "
    "every much many time times today always never sometimes let lets add allow able way use get lot pls"
)
OTHER_LANGUAGES = (
    "der die das und ist nicht mit für von den ein eine einen wir ich sie auf bei dem des zu im es "
    "el la los las que con por para una del al se lo es en mi su sus muy "
    "le les des une est pas pour dans sur avec que qui du au aux nous vous ce cette mon ma mes"
)


@dataclass(frozen=True)
class Theme:
    label: str
    count: int  # items in the period
    change: int  # count minus the previous equal period's
    products: tuple[str, ...]  # most mentioned first
    quotes: tuple[str, ...]  # empty below the anonymity threshold


@dataclass(frozen=True)
class Item:
    id: int
    text: str
    product: str | None
    created_at: datetime


async def themes_for(
    session: AsyncSession,
    team_id: str,
    start: datetime,
    end: datetime,
    anonymity_threshold: int,
    product: str | None = None,
    limit: int = 10,
) -> list[Theme]:
    """The themes of a workspace's feedback written in [start, end), compared with the equal period before."""
    rows = await feedback_store.between(session, team_id, start - (end - start), end, product)
    items = [Item(*row) for row in rows]
    # Clustering is CPU work: a server keeps answering while it runs.
    return await asyncio.to_thread(group, items, start, anonymity_threshold, limit)


def group(items: Sequence[Item], start: datetime, anonymity_threshold: int, limit: int = 10) -> list[Theme]:
    """Themes of the items written at or after `start`, their change against those before it, biggest first."""
    if not any(item.created_at >= start for item in items):
        return []
    clustering = _Clustering.of([item.text for item in items])
    themes = []
    for theme, members in enumerate(clustering.members()):
        now = [index for index in members if items[index].created_at >= start]
        label = clustering.label(theme) if len(now) >= MIN_THEME_SIZE else ""
        if not label:  # too small this period, or no word to name it by (emoji, numbers)
            continue
        products = Counter(product for index in now if (product := items[index].product))
        quotes = clustering.central(theme, now, QUOTES_PER_THEME) if len(now) >= anonymity_threshold else []
        themes.append(
            Theme(
                label=label,
                count=len(now),
                change=2 * len(now) - len(members),
                products=tuple(sorted(products, key=lambda name: (-products[name], name))[:MAX_PRODUCTS]),
                quotes=tuple(_quote(items[index].text) for index in quotes),
            )
        )
    themes.sort(key=lambda theme: (-theme.count, -theme.change, theme.label))
    return themes[:limit]


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUOTE_LENGTH else flat[: QUOTE_LENGTH - 1].rstrip() + "…"


class _Clustering:
    """Which texts make each theme, their centres, and the phrases that set each theme apart."""

    def __init__(self, texts: Sequence[str], rows: sparse.csr_matrix, labels: np.ndarray) -> None:
        self._texts = texts
        self._rows = rows
        self._labels = labels  # a theme number per text, -1 for none
        self._themes = int(labels.max()) + 1 if len(labels) else 0
        self._phrases: list[str] | None = None

    @classmethod
    def of(cls, texts: Sequence[str]) -> _Clustering:
        if len(texts) < MIN_THEME_SIZE:
            return cls(texts, _rows(text_features(), texts), np.full(len(texts), -1))
        if len(texts) <= SAMPLE_SIZE:
            rows = _rows(text_features(), texts)
            return cls(texts, rows, _agglomerate(rows))
        sample = np.sort(np.random.default_rng(0).choice(len(texts), SAMPLE_SIZE, replace=False))
        sampled = _agglomerate(_rows(text_features(), [texts[int(index)] for index in sample]))
        words = _rows(word_features(), texts)
        return cls(texts, words, _assign(words, sample, sampled))

    def members(self) -> list[list[int]]:
        return [list(map(int, np.flatnonzero(self._labels == theme))) for theme in range(self._themes)]

    def central(self, theme: int, among: Sequence[int], count: int) -> list[int]:
        """The `count` texts of `among` closest to the theme's centre, closest first."""
        members = np.flatnonzero(self._labels == theme)
        centre = normalize(self._rows[members].mean(axis=0).A)
        closeness = np.asarray(self._rows[list(among)] @ centre.T).ravel()
        order = np.argsort(-closeness, kind="stable")[:count]
        return [among[position] for position in order]

    def label(self, theme: int) -> str:
        """Its key phrases, or "" if its texts hold no word to name it by."""
        if self._phrases is None:
            self._phrases = self._all_phrases()
        return self._phrases[theme]

    def _all_phrases(self) -> list[str]:
        themed = np.flatnonzero(self._labels >= 0)
        if len(themed) > SAMPLE_SIZE:  # the phrases of a sample tell as much, for a fraction of the reading
            themed = np.random.default_rng(0).choice(themed, SAMPLE_SIZE, replace=False)
        stop_words = sorted(ENGLISH_STOP_WORDS.union(FEEDBACK_WORDS.split(), OTHER_LANGUAGES.split()))
        counter = CountVectorizer(
            ngram_range=(1, 2), stop_words=stop_words, token_pattern=r"(?u)\b[^\W\d_]{3,}\b", binary=True
        )
        try:
            counts = counter.fit_transform([self._texts[int(index)] for index in themed])
        except ValueError:  # nothing but stop words and numbers
            return [""] * self._themes
        membership = sparse.csr_matrix(
            (np.ones(len(themed)), (self._labels[themed], np.arange(len(themed)))), shape=(self._themes, len(themed))
        )
        saying = (membership @ counts).toarray()  # per theme and phrase: how many of its texts say it
        weights = TfidfTransformer(sublinear_tf=True).fit_transform(saying).toarray()
        vocabulary = counter.get_feature_names_out()
        return [_phrase(vocabulary, weights[theme], saying[theme]) for theme in range(self._themes)]


def _phrase(vocabulary: np.ndarray, weights: np.ndarray, saying: np.ndarray) -> str:
    """The most telling phrases that several of the theme's texts say (else its most telling one), skipping a
    phrase whose words an earlier one already says."""
    ranked = [position for position in np.argsort(-weights, kind="stable") if weights[position] > 0]
    shared = [position for position in ranked if saying[position] >= MIN_THEME_SIZE] or ranked[:1]
    chosen: list[str] = []
    for position in shared:
        phrase = str(vocabulary[position])
        said = {word for earlier in chosen for word in earlier.split()}
        if set(phrase.split()) <= said:
            continue
        chosen = [earlier for earlier in chosen if not set(earlier.split()) <= set(phrase.split())]
        chosen.append(phrase)
        if len(chosen) == PHRASES_PER_LABEL:
            break
    return " / ".join(chosen)


def _agglomerate(rows: sparse.csr_matrix) -> np.ndarray:
    """Exact average-linkage clusters on cosine distance; clusters of one text become -1 (no theme)."""
    clusters = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=THEME_DISTANCE
    ).fit_predict(cosine_distances(rows))
    return _numbered(np.asarray(clusters))


def _rows(features: FeatureUnion | Pipeline, texts: Sequence[str]) -> sparse.csr_matrix:
    return normalize(sparse.csr_matrix(features.fit_transform(texts), dtype=np.float32), copy=False)


def _assign(rows: sparse.csr_matrix, sample: np.ndarray, sampled: np.ndarray) -> np.ndarray:
    """Themes for every row, from the sample's (`sampled`, per position of `sample`): each row joins the nearest
    theme centre in the sample's projection, if close enough."""
    themes = int(sampled.max()) + 1
    labels = np.full(rows.shape[0], -1)
    labels[sample] = sampled
    if themes == 0:
        return labels
    # Only the features the sample has: the projection's matrix is dense, and all 2**18 would take 200 MiB.
    columns = np.unique(rows[sample].indices)
    components = min(SVD_COMPONENTS, len(sample) - 1, len(columns) - 1)
    projection = TruncatedSVD(n_components=components, random_state=0).fit(rows[sample][:, columns])
    projected = normalize(projection.transform(rows[:, columns]))
    centres = normalize(np.vstack([projected[sample[sampled == theme]].mean(axis=0) for theme in range(themes)]))
    closeness = projected @ centres.T
    nearest = closeness.argmax(axis=1)
    close_enough = closeness[np.arange(len(nearest)), nearest] >= ASSIGN_SIMILARITY
    rest = np.ones(rows.shape[0], dtype=bool)
    rest[sample] = False
    labels[rest & close_enough] = nearest[rest & close_enough]
    return labels


def _numbered(clusters: np.ndarray) -> np.ndarray:
    """Cluster numbers 0…k-1 for the clusters of two or more, in order of first appearance; -1 for the rest."""
    sizes = np.bincount(clusters)
    labels = np.full(len(clusters), -1)
    numbers: dict[int, int] = {}
    for position, cluster in enumerate(clusters):
        if sizes[cluster] >= MIN_THEME_SIZE:
            labels[position] = numbers.setdefault(int(cluster), len(numbers))
    return labels
