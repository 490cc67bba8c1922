"""BM25 scoring over tokenised documents, as defined by `rank_bm25.BM25Okapi`.

`idf="okapi"` is rank_bm25's own idf (negative for terms in more than half the documents, then
floored at `epsilon` times the mean idf). `idf="lucene"`, log(1 + (N - df + 0.5) / (df + 0.5)),
is never negative, so that an index of a handful of papers still ranks them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
from rank_bm25 import BM25Okapi


class BM25Index:
    """Okapi BM25 over `documents` (lists of terms); scores equal `BM25Okapi.get_scores`."""

    def __init__(
        self,
        documents: Sequence[Sequence[str]],
        *,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        idf: Literal["okapi", "lucene"] = "okapi",
    ) -> None:
        self.size = len(documents)
        okapi_class = _LuceneIdfBM25 if idf == "lucene" else BM25Okapi
        # rank_bm25 divides by the corpus size, so an empty index keeps no BM25Okapi at all.
        self._okapi = (
            okapi_class([list(d) for d in documents], k1=k1, b=b, epsilon=epsilon)
            if documents
            else None
        )

    def __contains__(self, term: str) -> bool:
        return self._okapi is not None and term in self._okapi.idf

    def idf(self, term: str) -> float:
        return self._okapi.idf.get(term, 0.0) if self._okapi is not None else 0.0

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """One score per document (zero where no query term occurs)."""
        if self._okapi is None:
            return np.zeros(0)
        return self._okapi.get_scores(list(query))

    def top(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The best `k` (document, score) pairs scoring above zero, best first, ties by position."""
        return top_positive(self.scores(query), k)


def top_positive(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Indices of the `k` largest positive scores, best first, ties broken by lower index."""
    if k <= 0 or scores.size == 0:
        return []
    positive = np.flatnonzero(scores > 0)
    if positive.size > k:
        # Partition first: O(n) instead of sorting every score.
        kth = np.partition(scores[positive], positive.size - k)[positive.size - k]
        positive = positive[scores[positive] >= kth]
    order = sorted(positive.tolist(), key=lambda i: (-scores[i], i))[:k]
    return [(i, float(scores[i])) for i in order]


class _LuceneIdfBM25(BM25Okapi):
    def _calc_idf(self, nd: dict[str, int]) -> None:
        for word, freq in nd.items():
            self.idf[word] = math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))
