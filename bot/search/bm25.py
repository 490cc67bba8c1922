"""BM25 scoring over tokenised documents, exactly as `rank_bm25.BM25Okapi` defines it.

`idf="okapi"` (the default) is rank_bm25's own idf. `idf="lucene"`, log(1 + (N - df + 0.5) /
(df + 0.5)), is never negative, so an index of a handful of papers still ranks them; the paper
index uses it. The tf part is the same either way.

`BM25Okapi.get_scores` loops in Python over every document for every query term. This index does
that arithmetic once, at build time: for each term it keeps the documents the term occurs in
(ascending, int32) and the term's whole contribution to each of them (float64), computed with the
same floating-point operations in the same order as `get_scores`. A document without the term
gets exactly 0.0 from rank_bm25, and adding 0.0 changes nothing, so adding a query's postings in
query order reproduces `get_scores` bit for bit.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

# Bumped whenever the layout or meaning of `to_arrays` changes.
FORMAT_VERSION = 1

# Postings are summarised this many at a time during the build, to bound its temporary arrays.
_BUILD_CHUNK = 1 << 20
# Tuning of `top` (see `_top_pruned`); none of it changes a result. Pruning pays where the dense
# pass would cost this much (see `_dense_cost`: about a millisecond); it reads postings adding up
# to at most this share of the documents, and scores at most this many candidates exactly, else
# it scores every document.
_PRUNING_MIN_COST = 1_000_000
_SPARSE_SHARE = 0.05
_EXACT_LIMIT = 2_000
# `top_positive` over this many scores or more first drops those below a threshold taken from a
# sample of about this many of them.
_SAMPLED_TOP_MIN_SIZE = 50_000
_TOP_SAMPLE = 1_024
# The commonest terms also keep a dense column of weights (see `_dense_columns`): those in at
# least 1/8 of the documents, while the columns take at most half the postings' memory.
_COLUMN_DOC_SHARE = 8
_COLUMN_MEMORY = 0.5
# How many documents of the rarest terms are scored exactly to set the floor.
_FLOOR_SAMPLE = 64
# Slack on the upper bound of what unread terms can add: covers the rounding of summing the
# bounds in another order than a document's score adds them, so pruning never drops a document.
_BOUND_SLACK = 1 + 1e-9


class IndexArraysError(ValueError):
    """Arrays that do not make a valid index: truncated, corrupt or from another version."""


class BM25Index:
    """Okapi BM25 over `documents` (lists of terms); scores equal `BM25Okapi.get_scores`.

    Immutable once built, so safe to query from several threads.
    """

    def __init__(
        self,
        documents: Sequence[Sequence[str]],
        *,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
        idf: Literal["okapi", "lucene"] = "okapi",
    ) -> None:
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.size = len(documents)
        terms, starts, docs, weights = _build_postings(documents, k1, b)
        self._terms = terms
        self._starts = starts
        self._docs = docs
        self._weights = weights
        doc_freqs = np.diff(starts)
        if idf == "lucene":
            self._idf = np.log1p((self.size - doc_freqs + 0.5) / (doc_freqs + 0.5))
        else:
            self._idf = _okapi_idf(doc_freqs, self.size, epsilon)
        _scale_by_idf(weights, starts, self._idf)
        self._max_weight = _max_per_term(weights, starts)
        self._columns = _dense_columns(starts, docs, weights, self.size)
        self._freeze()

    # -- the public surface ------------------------------------------------------------------

    def __contains__(self, term: str) -> bool:
        return term in self._terms

    @property
    def vocabulary_size(self) -> int:
        return len(self._terms)

    def idf(self, term: str) -> float:
        """The term's idf after rank_bm25's epsilon floor; 0.0 for a term no document has."""
        number = self._terms.get(term)
        return 0.0 if number is None else float(self._idf[number])

    def document_frequency(self, term: str) -> int:
        """How many documents hold `term` (0 for a term none has)."""
        number = self._terms.get(term)
        return 0 if number is None else self._doc_freq(number)

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """One score per document (zero where no query term occurs)."""
        return self._dense_scores(self._term_numbers(query))

    def weighted_scores(self, weights: Mapping[str, float]) -> np.ndarray:
        """Scores for a query whose terms count `weights[term]` times instead of once each.

        `scores(query)` is this with each term weighted by how often it occurs in the query.
        """
        scores = np.zeros(self.size)
        for term, weight in weights.items():
            number = self._terms.get(term)
            if number is None:
                continue
            column = self._columns.get(number)
            if column is not None:
                scores += weight * column
            else:
                docs, term_weights = self._postings(number)
                scores[docs] += weight * term_weights  # a term's documents are distinct
        return scores

    def top(self, query: Sequence[str], k: int) -> list[tuple[int, float]]:
        """The best `k` (document, score) pairs scoring above zero, best first, ties by position.

        Always equal to `top_positive(self.scores(query), k)`; in large corpora it usually
        reads only the postings of the query's rarer terms (see `_top_pruned`).
        """
        numbers = self._term_numbers(query)
        if k <= 0 or not numbers:
            return []
        if self._dense_cost(numbers) >= _PRUNING_MIN_COST:
            found = self._top_pruned(numbers, k)
            if found is not None:
                return found
        return top_positive(self._dense_scores(numbers), k)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The index as plain numpy arrays (for `np.savez`; loads with `allow_pickle=False`)."""
        vocabulary = list(self._terms)  # insertion order is term-number order
        ends = np.fromiter(map(len, vocabulary), dtype=np.int64, count=len(vocabulary))
        text = "".join(vocabulary).encode("utf-8", "surrogatepass")
        return {
            "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
            "size": np.array(self.size, dtype=np.int64),
            "params": np.array([self.k1, self.b, self.epsilon], dtype=np.float64),
            "vocabulary_utf8": np.frombuffer(text, dtype=np.uint8),
            "vocabulary_ends": np.cumsum(ends),
            "idf": self._idf,
            "starts": self._starts,
            "docs": self._docs,
            "weights": self._weights,
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> BM25Index:
        """The index `to_arrays` gave; `IndexArraysError` if the arrays do not make one.

        The index takes the arrays over without copying them, and makes them read-only.
        """
        try:
            return cls._from_arrays(arrays)
        except IndexArraysError:
            raise
        except (KeyError, ValueError, TypeError, IndexError, UnicodeDecodeError) as exc:
            raise IndexArraysError(f"not a BM25 index: {exc!r}") from exc

    # -- internals ---------------------------------------------------------------------------

    @classmethod
    def _from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> BM25Index:
        version = _scalar(arrays, "format_version", np.integer)
        if version != FORMAT_VERSION:
            raise IndexArraysError(f"format version {version}, expected {FORMAT_VERSION}")
        size = _scalar(arrays, "size", np.integer)
        params = _array(arrays, "params", np.float64, ndim=1)
        utf8 = _array(arrays, "vocabulary_utf8", np.uint8, ndim=1)
        ends = _array(arrays, "vocabulary_ends", np.int64, ndim=1)
        idf = _array(arrays, "idf", np.float64, ndim=1)
        starts = _array(arrays, "starts", np.int64, ndim=1)
        docs = _array(arrays, "docs", np.int32, ndim=1)
        weights = _array(arrays, "weights", np.float64, ndim=1)
        count = ends.size
        _check(size >= 0 and params.size == 3, "bad size or parameters")
        _check(idf.size == count and starts.size == count + 1, "array lengths disagree")
        _check(starts[0] == 0 and starts[-1] == docs.size == weights.size, "bad postings bounds")
        _check(bool(np.all(np.diff(starts) > 0)), "a term without postings")
        _check(bool(np.all(np.diff(ends) >= 0)) and (count == 0 or ends[0] >= 0), "bad vocabulary")
        _check(bool(np.all(np.isfinite(weights))) and bool(np.all(np.isfinite(idf))), "not finite")
        if docs.size:
            _check(docs.min() >= 0 and docs.max() < size, "document number out of range")
            # Within a term, documents ascend; they may drop only where a new term starts.
            drops = np.flatnonzero(np.diff(docs) <= 0) + 1
            term_starts = np.zeros(docs.size, dtype=bool)
            term_starts[starts[:-1]] = True
            _check(bool(np.all(term_starts[drops])), "postings out of order")
        text = utf8.tobytes().decode("utf-8", "surrogatepass")
        _check(count == 0 or int(ends[-1]) == len(text), "vocabulary length disagrees")
        bounds = [0, *ends.tolist()]
        terms = {text[a:z]: number for number, (a, z) in enumerate(itertools.pairwise(bounds))}
        _check(len(terms) == count, "repeated vocabulary term")

        index = cls.__new__(cls)
        index.k1, index.b, index.epsilon = (float(x) for x in params)
        index.size = int(size)
        index._terms = terms
        index._starts, index._docs, index._weights, index._idf = starts, docs, weights, idf
        index._max_weight = _max_per_term(index._weights, index._starts)
        index._columns = _dense_columns(index._starts, index._docs, index._weights, index.size)
        index._freeze()
        return index

    def _freeze(self) -> None:
        arrays = (self._starts, self._docs, self._weights, self._idf, self._max_weight)
        for array in (*arrays, *self._columns.values()):
            array.flags.writeable = False

    def _term_numbers(self, query: Sequence[str]) -> list[int]:
        """The query's known terms as term numbers, in order, repeats kept (BM25 counts them)."""
        return [number for number in map(self._terms.get, query) if number is not None]

    def _postings(self, number: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = self._starts[number], self._starts[number + 1]
        return self._docs[start:end], self._weights[start:end]

    def _dense_scores(self, numbers: Sequence[int]) -> np.ndarray:
        scores = np.zeros(self.size)
        for number in numbers:  # in query order: the order rank_bm25 adds them
            column = self._columns.get(number)
            if column is not None:
                scores += column  # + 0.0 where the term is not: no change, as in rank_bm25
            else:
                docs, weights = self._postings(number)
                np.add.at(scores, docs, weights)
        return scores

    def _top_pruned(self, numbers: list[int], k: int) -> list[tuple[int, float]] | None:
        """`top` by MaxScore-style pruning; None where its bounds do not hold (negative idf).

        1. A floor: the k-th best exact score among a few documents of the rarest terms. The
           k-th best score overall is at least that.
        2. A document holding none of the rarest j terms scores at most what the other terms
           can add together (their largest weights). Once that is below the floor, only the
           documents of those j terms (the candidates) can make the top k. Their partial
           scores from those terms, plus the same bound, drop the candidates that cannot reach
           the floor either; the few left are scored exactly, in query order, as `scores` does.
        3. Where those terms' postings are too long, or leave too many candidates, every
           document is scored instead.
        """
        repeats: dict[int, int] = {}
        for number in numbers:
            repeats[number] = repeats.get(number, 0) + 1
        if any(self._max_weight[number] < 0 for number in repeats):
            return None
        by_rarity = sorted(repeats, key=self._doc_freq)
        freqs = [self._doc_freq(number) for number in by_rarity]
        # The most each term adds to one document, and what the terms after the j-th add.
        bounds = [repeats[number] * float(self._max_weight[number]) for number in by_rarity]
        unread = [sum(bounds[j + 1 :]) * _BOUND_SLACK for j in range(len(bounds))]
        floor = self._score_floor(by_rarity, numbers, k)
        last = len(by_rarity) - 1
        # The fewest rarest terms that every document of the top k holds one of.
        essential = next(j for j, rest in enumerate(unread) if rest < floor or j == last)

        budget = _SPARSE_SHARE * self.size
        within = [j for j in range(essential, last + 1) if sum(freqs[: j + 1]) <= budget]
        # Two tries at most: reading the fewest terms that can do, then as many as the budget
        # allows (more terms read, fewer candidates left).
        for j in dict.fromkeys(within[:1] + within[-1:]):
            candidates, partial = self._partial_scores(by_rarity[: j + 1], repeats)
            keep, floor = self._reaching(candidates, partial, unread[j], floor, numbers, k)
            if keep.size <= _EXACT_LIMIT:
                return self._top_of(keep, numbers, k)

        return top_positive(self._dense_scores(numbers), k)

    def _top_of(
        self, candidates: np.ndarray, numbers: list[int], k: int
    ) -> list[tuple[int, float]]:
        """The top k of `candidates` (ascending document numbers), scored exactly."""
        best = top_positive(self._candidate_scores(candidates, numbers), k)
        return [(int(candidates[i]), score) for i, score in best]

    def _reaching(
        self,
        candidates: np.ndarray,
        partial: np.ndarray,
        rest: float,
        floor: float,
        numbers: list[int],
        k: int,
    ) -> tuple[np.ndarray, float]:
        """The candidates whose partial score plus what the unread terms can add reaches the
        floor (or is positive, without one); and the floor, raised if many do with the exact
        scores of the likeliest of them."""
        upper = partial * _BOUND_SLACK + rest
        chosen = np.flatnonzero(upper >= floor if floor > 0 else upper > 0)
        if chosen.size > 4 * _FLOOR_SAMPLE:
            likely = np.argpartition(partial[chosen], chosen.size - _FLOOR_SAMPLE)
            likely = np.sort(chosen[likely[-_FLOOR_SAMPLE:]])
            raised = _kth_best(self._candidate_scores(candidates[likely], numbers), k)
            if raised > floor:
                floor = raised
                chosen = chosen[upper[chosen] >= floor]
        return candidates[chosen], floor

    def _doc_freq(self, number: int) -> int:
        return int(self._starts[number + 1] - self._starts[number])

    def _dense_cost(self, numbers: list[int]) -> float:
        """Roughly what the dense pass costs, in passes over one document's score: one for
        zeroing and one for selecting, half per dense column added, four per posting added."""
        cost = 2.0 * self.size
        for number in numbers:
            cost += self.size / 2 if number in self._columns else 4 * self._doc_freq(number)
        return cost

    def _score_floor(self, by_rarity: list[int], numbers: list[int], k: int) -> float:
        """The k-th best exact score among a few likely documents (0.0 if fewer than k score):
        those where the rarest terms weigh most."""
        picked, count = [], 0
        for number in by_rarity:
            docs, weights = self._postings(number)
            if docs.size > _FLOOR_SAMPLE:
                if docs.size > 64 * _FLOOR_SAMPLE:  # a long posting: look at a spread of it
                    step = docs.size // (64 * _FLOOR_SAMPLE)
                    docs, weights = docs[::step], weights[::step]
                docs = docs[np.argpartition(weights, docs.size - _FLOOR_SAMPLE)[-_FLOOR_SAMPLE:]]
            picked.append(docs)
            count += docs.size
            if count >= _FLOOR_SAMPLE:
                break
        sample = _sorted_unique(np.concatenate(picked))
        return _kth_best(self._candidate_scores(sample, numbers), k)

    def _partial_scores(
        self, read: Sequence[int], repeats: Mapping[int, int]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding a term of `read`, ascending, and those terms' weights summed
        (in no particular order: bounds only, never a final score)."""
        if len(read) == 1:
            docs, weights = self._postings(read[0])
            return docs, weights * repeats[read[0]]
        postings = [(*self._postings(number), repeats[number]) for number in read]
        docs = np.concatenate([docs for docs, _, _ in postings])
        weights = np.concatenate([weights * times for _, weights, times in postings])
        # A stable sort of sorted runs merges them (timsort), cheaper than np.unique's.
        order = np.argsort(docs, kind="stable")
        docs = docs[order]
        firsts = np.flatnonzero(_starts_of_runs(docs))
        return docs[firsts], np.add.reduceat(weights[order], firsts)

    def _candidate_scores(self, candidates: np.ndarray, numbers: list[int]) -> np.ndarray:
        """Exact scores of `candidates` (ascending document numbers): each term's weight or 0.0,
        added in query order like the dense pass."""
        weight_of = {}
        for number in dict.fromkeys(numbers):
            if number in self._columns:
                weight_of[number] = self._columns[number][candidates]
                continue
            docs, weights = self._postings(number)
            column = np.zeros(candidates.size)
            if docs.size <= candidates.size:  # look each posting up among the candidates
                where = np.searchsorted(candidates, docs)
                hit = where < candidates.size
                hit[hit] = candidates[where[hit]] == docs[hit]
                column[where[hit]] = weights[hit]
            else:  # look each candidate up in the (longer) postings
                where = np.minimum(np.searchsorted(docs, candidates), docs.size - 1)
                hit = docs[where] == candidates
                column[hit] = weights[where[hit]]
            weight_of[number] = column
        scores = np.zeros(candidates.size)
        for number in numbers:
            scores += weight_of[number]
        return scores


def top_positive(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Indices of the `k` largest positive scores, best first, ties broken by lower index."""
    if k <= 0 or scores.size == 0:
        return []
    chosen = _contenders(scores, k)
    values = scores[chosen]
    if chosen.size > k:
        # Partition, never sort every score: the k-th largest value splits the winners (above
        # it) from the ties at it, of which the lowest indices fill the remaining places.
        kth = values[np.argpartition(values, chosen.size - k)[chosen.size - k]]
        above = np.flatnonzero(values > kth)
        ties = np.flatnonzero(values == kth)[: k - above.size]
        keep = np.concatenate((above, ties))
        chosen, values = chosen[keep], values[keep]
    order = np.lexsort((chosen, -values))
    return list(zip(chosen[order].tolist(), values[order].tolist(), strict=True))


def _contenders(scores: np.ndarray, k: int) -> np.ndarray:
    """Ascending indices of positive scores that include the k best (ties: the lowest indices).

    In a long array, a threshold from a strided sample usually leaves a few hundred: if k
    scores beat it, the k best all do; else the k best are those plus the first of the scores
    equal to it.
    """
    if scores.size >= _SAMPLED_TOP_MIN_SIZE:
        step = max(1, scores.size // _TOP_SAMPLE)
        sample = scores[::step]
        rank = min(sample.size, -(-2 * k // step) + 1)  # about 2k scores, or more, beat it
        threshold = np.partition(sample, sample.size - rank)[sample.size - rank]
        if threshold > 0:
            above = np.flatnonzero(scores > threshold)
            if above.size >= k:
                return above
            level = np.flatnonzero(scores == threshold)[: k - above.size]
            if above.size + level.size == k:
                return np.sort(np.concatenate((above, level)))
    return np.flatnonzero(scores > 0)


def _kth_best(scores: np.ndarray, k: int) -> float:
    """The k-th largest positive score, or 0.0 if fewer than k are positive."""
    positive = scores[scores > 0]
    if positive.size < k:
        return 0.0
    return float(np.partition(positive, positive.size - k)[positive.size - k])


def _starts_of_runs(ordered: np.ndarray) -> np.ndarray:
    """True where a sorted array's value differs from the one before."""
    return np.concatenate(([True], ordered[1:] != ordered[:-1]))


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    ordered = np.sort(values)
    unique: np.ndarray = ordered[_starts_of_runs(ordered)]
    return unique


# -- building ------------------------------------------------------------------------------------


def _build_postings(
    documents: Sequence[Sequence[str]], k1: float, b: float
) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """Term numbers, and the postings (term starts, documents, weights before idf).

    Terms are numbered in order of first occurrence, the order rank_bm25 meets them in (which
    fixes the order it sums idf values in). Memory stays flat: the only per-token arrays are one
    int64 key and one int32 document number, never a Python object per document or posting.
    """
    size = len(documents)
    lengths = np.fromiter(map(len, documents), dtype=np.int64, count=size)
    total = int(lengths.sum())
    numbering: defaultdict[str, int] = defaultdict(itertools.count().__next__)
    tokens = itertools.chain.from_iterable(documents)
    keys = np.fromiter(map(numbering.__getitem__, tokens), dtype=np.int64, count=total)
    numbering.default_factory = None  # from now on a plain mapping: lookups add nothing
    terms = numbering
    if total == 0:
        empty = np.zeros(0)
        return terms, np.zeros(1, dtype=np.int64), empty.astype(np.int32), empty

    # One key per token, term-major: sorting groups each term's documents, ascending.
    keys *= size
    keys += np.repeat(np.arange(size, dtype=np.int32), lengths)
    keys.sort()
    change = np.empty(total, dtype=bool)
    change[0] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    firsts = np.flatnonzero(change)  # the first token of each distinct (term, document) pair
    del change
    pairs = firsts.size
    # Where each term's pairs begin: its first key, counted in pairs.
    term_keys = np.arange(len(terms) + 1, dtype=np.int64) * size
    starts = np.searchsorted(firsts, np.searchsorted(keys, term_keys))

    # The document-length part of rank_bm25's denominator, as it writes it.
    avgdl = total / size
    length_norm = k1 * (1 - b + b * lengths / avgdl)
    docs = np.empty(pairs, dtype=np.int32)
    weights = np.empty(pairs, dtype=np.float64)
    for begin in range(0, pairs, _BUILD_CHUNK):
        end = min(begin + _BUILD_CHUNK, pairs)
        pair_keys = keys[firsts[begin:end]]
        chunk_docs = pair_keys % size
        following = firsts[begin + 1 : end + 1]
        if end == pairs:
            following = np.append(following, total)
        q_freq = (following - firsts[begin:end]).astype(np.float64)
        # rank_bm25: q_freq * (k1 + 1) / (q_freq + k1 * (1 - b + b * doc_len / avgdl))
        chunk = q_freq * (k1 + 1)
        chunk /= q_freq + length_norm[chunk_docs]
        docs[begin:end] = chunk_docs
        weights[begin:end] = chunk
    return terms, starts, docs, weights


def _okapi_idf(doc_freqs: np.ndarray, size: int, epsilon: float) -> np.ndarray:
    """rank_bm25's idf per term, including its floor for terms in more than half the documents."""
    if doc_freqs.size == 0:
        return np.zeros(0)
    # math.log, as rank_bm25 uses, once per distinct document frequency (there are few).
    distinct, inverse = np.unique(doc_freqs, return_inverse=True)
    logs = [math.log(size - f + 0.5) - math.log(f + 0.5) for f in distinct.tolist()]
    idf = np.asarray(logs, dtype=np.float64)[inverse]
    # rank_bm25 sums one term at a time in first-occurrence order; cumsum adds in the same order.
    average_idf = float(np.cumsum(idf)[-1]) / idf.size
    idf[idf < 0] = epsilon * average_idf
    return idf


def _scale_by_idf(weights: np.ndarray, starts: np.ndarray, idf: np.ndarray) -> None:
    """weights *= idf of each posting's term, in place (rank_bm25: idf * (...))."""
    for begin in range(0, weights.size, _BUILD_CHUNK):
        end = min(begin + _BUILD_CHUNK, weights.size)
        term_of = np.searchsorted(starts, np.arange(begin, end), side="right") - 1
        weights[begin:end] *= idf[term_of]


def _dense_columns(
    starts: np.ndarray, docs: np.ndarray, weights: np.ndarray, size: int
) -> dict[int, np.ndarray]:
    """Every document's weight for the commonest terms, for adding them without a scatter.

    Only terms in at least 1/_COLUMN_DOC_SHARE of the documents, commonest first, while the
    columns take at most _COLUMN_MEMORY of the postings' memory.
    """
    freqs = np.diff(starts)
    allowed = _COLUMN_MEMORY * (docs.nbytes + weights.nbytes)
    columns: dict[int, np.ndarray] = {}
    for number in np.argsort(-freqs, kind="stable").tolist():
        if freqs[number] * _COLUMN_DOC_SHARE < size or (len(columns) + 1) * 8 * size > allowed:
            break
        column = np.zeros(size)
        column[docs[starts[number] : starts[number + 1]]] = weights[
            starts[number] : starts[number + 1]
        ]
        columns[number] = column
    return columns


def _max_per_term(weights: np.ndarray, starts: np.ndarray) -> np.ndarray:
    if starts.size <= 1:
        return np.zeros(0)
    return np.maximum.reduceat(weights, starts[:-1])


# -- loading -------------------------------------------------------------------------------------


def _check(condition: bool, problem: str) -> None:
    if not condition:
        raise IndexArraysError(problem)


def _array(arrays: Mapping[str, np.ndarray], name: str, dtype: type, *, ndim: int) -> np.ndarray:
    if name not in arrays:
        raise IndexArraysError(f"missing array {name!r}")
    array = np.asarray(arrays[name])
    _check(array.dtype == np.dtype(dtype) and array.ndim == ndim, f"bad array {name!r}")
    return np.ascontiguousarray(array)


def _scalar(arrays: Mapping[str, np.ndarray], name: str, kind: type) -> int:
    if name not in arrays:
        raise IndexArraysError(f"missing array {name!r}")
    array = np.asarray(arrays[name])
    _check(array.ndim == 0 and np.issubdtype(array.dtype, kind), f"bad array {name!r}")
    return int(array)
