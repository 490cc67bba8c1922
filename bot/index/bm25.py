"""BM25 scoring over tokenised documents, exactly as `rank_bm25.BM25Okapi` defines it.

`idf="okapi"` (the default) is rank_bm25's own idf. `idf="lucene"`, log(1 + (N - df + 0.5) /
(df + 0.5)), is never negative, so an index of a handful of papers still ranks them; the paper
index uses it. The tf part is the same either way.

`BM25Okapi.get_scores` loops in Python over every document for every query term. This index does
that arithmetic once, at build time: for each term it keeps the documents the term occurs in
(ascending, int32) and, for each, a code. A term's contribution to a document is rank_bm25's
tf part, which depends only on the term's count in the document and the document's length, times
the term's idf; the codes number the distinct (count, length) pairs, and `tf_parts[code]` holds
that tf part computed with the same floating-point operations as `get_scores`. So a posting
takes 6 bytes instead of a float64 weight's 12, and `tf_parts[code] * idf` is bit for bit the
weight rank_bm25 adds. A document without the term gets exactly 0.0 from rank_bm25, and adding
0.0 changes nothing, so adding a query's postings in query order reproduces `get_scores` for a
query that names each term once (see `weighted_scores` for a repeated term).

Several indexes over the same words may share one vocabulary (term -> number): the sentence and
paper indexes do, so a large corpus holds its words once. A term of the vocabulary that none of
an index's documents holds has no postings there.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

import numpy as np

from bot.index import kernels

# Bumped whenever the layout or meaning of `to_arrays` changes.
FORMAT_VERSION = 2

# Postings are summarised this many at a time during the build and checked this many at a time
# when loaded, to bound temporary arrays.
_CHUNK = 1 << 20
# `top_positive` over this many scores or more first drops those below a threshold taken from a
# sample of about this many of them.
_SAMPLED_TOP_MIN_SIZE = 8_192
_TOP_SAMPLE = 1_024
# Up to this many possible (count, length) pairs are numbered through a dense table.
_DENSE_CODE_TABLE = 1 << 24

Vocabulary = dict[str, int]
_TERM_SEPARATOR = "\x00"  # no term holds it (the analyzer splits text at it)


class IndexArraysError(ValueError):
    """Arrays that do not make a valid index: truncated, corrupt or from another version."""


class BM25Index:
    """Okapi BM25 over `documents` (lists of terms); scores equal `BM25Okapi.get_scores`.

    `vocabulary`, when given, numbers the terms (shared with another index; it must hold every
    term of `documents`); otherwise terms are numbered in order of first occurrence.
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
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self.k1, self.b, self.epsilon = k1, b, epsilon
        self.size = len(documents)
        built = _build_postings(documents, k1, b, vocabulary)
        self._terms = built.terms
        self._starts, self._docs, self._codes = built.starts, built.docs, built.codes
        self._tf_parts = built.tf_parts
        doc_freqs = np.diff(self._starts)
        present = doc_freqs > 0
        if idf == "lucene":
            self._idf = np.where(
                present, np.log1p((self.size - doc_freqs + 0.5) / (doc_freqs + 0.5)), 0.0
            )
        else:
            self._idf = _okapi_idf(doc_freqs, built.first_seen, self.size, epsilon)
        self._max_weight = _max_weights(built.max_tf_part, self._idf, present)
        self._freeze()

    # -- the public surface ------------------------------------------------------------------

    def __contains__(self, term: str) -> bool:
        """Whether some document holds `term`."""
        number = self._terms.get(term)
        return number is not None and self._starts[number + 1] > self._starts[number]

    @property
    def vocabulary(self) -> Vocabulary:
        """term -> number (read it, never change it: it may be shared)."""
        return self._terms

    @property
    def vocabulary_size(self) -> int:
        """How many distinct terms the documents hold."""
        return int(np.count_nonzero(np.diff(self._starts)))

    def idf(self, term: str) -> float:
        """The term's idf after rank_bm25's epsilon floor; 0.0 for a term no document has."""
        number = self._terms.get(term)
        return 0.0 if number is None else float(self._idf[number])

    def document_frequency(self, term: str) -> int:
        """How many documents hold `term` (0 for a term none has)."""
        number = self._terms.get(term)
        return 0 if number is None else self.doc_freq(number)

    def weighted_scores(self, weights: Mapping[str, float]) -> np.ndarray:
        """Scores for a query whose terms count `weights[term]` times instead of once each.

        With every weight 1.0, bit for bit `BM25Okapi.get_scores` of the terms in this order.
        A weight n adds the term's weight once, times n, where rank_bm25 adds it n times for a
        term a query repeats: the same to within a few units in the last place (the tests hold
        it to 1e-12 of the largest score, and the ranking to the same).
        """
        return self.prepared(self.weighted_terms(weights)).scores()

    def scores_of(self, candidates: np.ndarray, terms: Sequence[tuple[int, float]]) -> np.ndarray:
        """`weighted_scores` of `candidates` only (ascending document numbers), bit for bit:
        each term's weight added in the same order. `terms` as `weighted_terms` gives them."""
        return self.prepared(terms).scores_of(candidates)

    def prepared(
        self, terms: Sequence[tuple[int, float]], *, constant: bool = False
    ) -> PreparedQuery:
        """What scoring `terms` (as `weighted_terms` gives them) reads, gathered once.

        `constant`: each term adds its weight itself to every document holding it, whatever
        its count there (bounds, not scores).
        """
        ranges = np.empty((len(terms), 2), dtype=np.int64)
        tables = np.empty((len(terms), self._tf_parts.size))
        for row, (number, weight) in enumerate(terms):
            ranges[row] = self._starts[number], self._starts[number + 1]
            tables[row] = weight if constant else self.weight_table(number, weight)
        return PreparedQuery(self, ranges, tables)

    def weighted_terms(self, weights: Mapping[str, float]) -> list[tuple[int, float]]:
        """(term number, weight) of the weighted query's terms that documents hold, in order."""
        found = []
        for term, weight in weights.items():
            number = self._terms.get(term)
            if number is not None and self._starts[number + 1] > self._starts[number]:
                found.append((number, weight))
        return found

    def weight_table(self, number: int, weight: float = 1.0) -> np.ndarray:
        """`weight` times term `number`'s weight in a document, by the document's code."""
        table: np.ndarray = weight * (self._tf_parts * self._idf[number])
        return table

    @property
    def all_postings(self) -> tuple[np.ndarray, np.ndarray]:
        """Every term's documents and codes, term after term (see `prepared`)."""
        return self._docs, self._codes

    def max_weight(self, number: int) -> float | None:
        """The largest weight term `number` has in any document; None if its idf is negative
        (rank_bm25's floor can be), where no bound is kept."""
        return None if self._idf[number] < 0 else float(self._max_weight[number])

    def doc_freq(self, number: int) -> int:
        return int(self._starts[number + 1] - self._starts[number])

    def to_arrays(self, *, with_vocabulary: bool = True) -> dict[str, np.ndarray]:
        """The index as plain numpy arrays (for `np.savez`; loads with `allow_pickle=False`).

        Without the vocabulary (`with_vocabulary=False`), `from_arrays` needs it given.
        """
        arrays = {
            "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
            "size": np.array(self.size, dtype=np.int64),
            "params": np.array([self.k1, self.b, self.epsilon], dtype=np.float64),
            "idf": self._idf,
            "max_weight": self._max_weight,
            "tf_parts": self._tf_parts,
            "starts": self._starts,
            "docs": self._docs,
            "codes": self._codes,
        }
        if with_vocabulary:
            arrays.update(vocabulary_arrays(self._terms))
        return arrays

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, np.ndarray], vocabulary: Vocabulary | None = None
    ) -> BM25Index:
        """The index `to_arrays` gave; `IndexArraysError` if the arrays do not make one.

        The index takes the arrays over without copying them (memory-mapped ones stay mapped),
        and makes them read-only.
        """
        try:
            return cls._from_arrays(arrays, vocabulary)
        except IndexArraysError:
            raise
        except (KeyError, ValueError, TypeError, IndexError, UnicodeDecodeError) as exc:
            raise IndexArraysError(f"not a BM25 index: {exc!r}") from exc

    # -- internals ---------------------------------------------------------------------------

    @classmethod
    def _from_arrays(
        cls, arrays: Mapping[str, np.ndarray], vocabulary: Vocabulary | None
    ) -> BM25Index:
        version = _scalar(arrays, "format_version", np.integer)
        if version != FORMAT_VERSION:
            raise IndexArraysError(f"format version {version}, expected {FORMAT_VERSION}")
        size = _scalar(arrays, "size", np.integer)
        params = _array(arrays, "params", np.float64, ndim=1)
        idf = _array(arrays, "idf", np.float64, ndim=1)
        max_weight = _array(arrays, "max_weight", np.float64, ndim=1)
        tf_parts = _array(arrays, "tf_parts", np.float64, ndim=1)
        starts = _array(arrays, "starts", np.int64, ndim=1)
        docs = _array(arrays, "docs", np.int32, ndim=1)
        codes = np.asarray(arrays["codes"])
        _check(codes.dtype in (np.uint16, np.uint32) and codes.ndim == 1, "bad array 'codes'")
        if vocabulary is None:
            vocabulary = vocabulary_from_arrays(arrays)
        count = len(vocabulary)
        _check(size >= 0 and params.size == 3, "bad size or parameters")
        _check(idf.size == max_weight.size == count, "array lengths disagree")
        _check(starts.size == count + 1, "array lengths disagree")
        _check(starts[0] == 0 and starts[-1] == docs.size == codes.size, "bad postings bounds")
        _check(bool(np.all(np.diff(starts) >= 0)), "bad postings bounds")
        finite = np.isfinite(tf_parts).all() and np.isfinite(idf).all()
        _check(bool(finite and np.isfinite(max_weight).all()), "not finite")
        if docs.size:
            # A document number or code out of range would index past an array.
            _check(docs.min() >= 0 and docs.max() < size, "document number out of range")
            _check(int(codes.max()) < tf_parts.size, "code out of range")
            _check(_ascending_within_terms(docs, starts), "postings out of order")

        index = cls.__new__(cls)
        index.k1, index.b, index.epsilon = (float(x) for x in params)
        index.size = int(size)
        index._terms = vocabulary
        index._starts, index._docs, index._codes = starts, docs, codes
        index._tf_parts, index._idf, index._max_weight = tf_parts, idf, max_weight
        index._freeze()
        return index

    def _freeze(self) -> None:
        for array in (
            self._starts,
            self._docs,
            self._codes,
            self._tf_parts,
            self._idf,
            self._max_weight,
        ):
            if array.flags.writeable:
                array.flags.writeable = False


class PreparedQuery:
    """A weighted query's postings (as ranges of the index's arrays) and weight tables."""

    def __init__(self, index: BM25Index, ranges: np.ndarray, tables: np.ndarray) -> None:
        self.index, self.ranges, self.tables = index, ranges, tables

    def scores(self) -> np.ndarray:
        """Every document's score (`BM25Index.weighted_scores`)."""
        scores = np.zeros(self.index.size)
        docs, codes = self.index.all_postings
        kernels.add_terms(scores, docs, codes, self.ranges, self.tables)
        return scores

    def scores_and_bounds(self, most: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`scores()`, and what adding most[t] for each term t a document holds gives it."""
        scores, bounds = np.zeros(self.index.size), np.zeros(self.index.size)
        docs, codes = self.index.all_postings
        kernels.add_terms_and_bounds(scores, bounds, docs, codes, self.ranges, self.tables, most)
        return scores, bounds

    def scores_of(self, candidates: np.ndarray) -> np.ndarray:
        """The scores of `candidates` (ascending document numbers), bit for bit the same."""
        scores = np.zeros(candidates.size)
        docs, codes = self.index.all_postings
        kernels.add_terms_of(scores, candidates, docs, codes, self.ranges, self.tables)
        return scores


def vocabulary_arrays(vocabulary: Vocabulary) -> dict[str, np.ndarray]:
    """A vocabulary as arrays: its terms in number order, UTF-8, separated by NUL characters
    (one split reads them back, fast), and how many there are."""
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    _check([vocabulary[t] for t in terms] == list(range(len(terms))), "vocabulary has gaps")
    _check(not any(_TERM_SEPARATOR in term for term in terms), "a term holds a NUL character")
    text = _TERM_SEPARATOR.join(terms).encode("utf-8", "surrogatepass")
    return {
        "vocabulary_utf8": np.frombuffer(text, dtype=np.uint8),
        "vocabulary_size": np.array(len(terms), dtype=np.int64),
    }


def vocabulary_from_arrays(arrays: Mapping[str, np.ndarray]) -> Vocabulary:
    """The vocabulary `vocabulary_arrays` stored; `IndexArraysError` if damaged."""
    utf8 = _array(arrays, "vocabulary_utf8", np.uint8, ndim=1)
    count = _scalar(arrays, "vocabulary_size", np.integer)
    try:
        text = utf8.tobytes().decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        raise IndexArraysError("vocabulary is not UTF-8") from exc
    terms = text.split(_TERM_SEPARATOR) if count else []
    _check(len(terms) == count, "vocabulary length disagrees")
    vocabulary = dict(zip(terms, range(count), strict=True))
    _check(len(vocabulary) == count, "repeated vocabulary term")
    return vocabulary


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


def kth_best(scores: np.ndarray, k: int) -> float:
    """The k-th largest positive score, or 0.0 if fewer than k are positive."""
    positive = scores[scores > 0]
    if positive.size < k:
        return 0.0
    return float(np.partition(positive, positive.size - k)[positive.size - k])


# -- building ------------------------------------------------------------------------------------


class _Built:
    """What `_build_postings` gives (see there)."""

    def __init__(
        self,
        terms: Vocabulary,
        first_seen: np.ndarray,
        starts: np.ndarray,
        docs: np.ndarray,
        codes: np.ndarray,
        tf_parts: np.ndarray,
        max_tf_part: np.ndarray,
    ) -> None:
        self.terms, self.first_seen = terms, first_seen
        self.starts, self.docs, self.codes = starts, docs, codes
        self.tf_parts, self.max_tf_part = tf_parts, max_tf_part


def _build_postings(
    documents: Sequence[Sequence[str]], k1: float, b: float, vocabulary: Vocabulary | None
) -> _Built:
    """Term numbers, the order the documents first name them in, and the postings (term starts,
    documents, codes), the tf part of each code and each term's largest tf part.

    Without a vocabulary, terms are numbered in order of first occurrence, the order rank_bm25
    meets them in (which fixes the order it sums idf values in). Memory stays flat: the only
    per-token arrays are one int64 key and one int32 document number, never a Python object per
    document or posting.
    """
    size = len(documents)
    lengths = np.fromiter(map(len, documents), dtype=np.int64, count=size)
    total = int(lengths.sum())
    tokens = itertools.chain.from_iterable(documents)
    if vocabulary is None:
        numbering: defaultdict[str, int] = defaultdict(itertools.count().__next__)
        keys = np.fromiter(map(numbering.__getitem__, tokens), dtype=np.int64, count=total)
        numbering.default_factory = None  # from now on a plain mapping: lookups add nothing
        terms: Vocabulary = numbering
        first_seen = np.arange(len(terms), dtype=np.int64)
    else:
        terms = vocabulary
        keys = np.fromiter(map(vocabulary.__getitem__, tokens), dtype=np.int64, count=total)
        # The terms these documents hold, in the order they first name them.
        present, firsts = np.unique(keys, return_index=True)
        first_seen = present[np.argsort(firsts, kind="stable")]
    count = len(terms)
    if total == 0:
        return _Built(
            terms,
            first_seen,
            np.zeros(count + 1, dtype=np.int64),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.uint16),
            np.zeros(0),
            np.zeros(count),
        )

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
    term_keys = np.arange(count + 1, dtype=np.int64) * size
    starts = np.searchsorted(firsts, np.searchsorted(keys, term_keys))

    def chunks() -> Iterable[tuple[int, int, np.ndarray, np.ndarray]]:
        """(begin, end, documents, counts) of the pairs, a chunk at a time."""
        for begin in range(0, pairs, _CHUNK):
            end = min(begin + _CHUNK, pairs)
            following = firsts[begin + 1 : end + 1]
            if end == pairs:
                following = np.append(following, total)
            yield begin, end, keys[firsts[begin:end]] % size, following - firsts[begin:end]

    # Code every (count, length) pair that occurs: count * stride + length.
    stride = int(lengths.max()) + 1
    most = 0
    for *_, counts in chunks():
        most = max(most, int(counts.max()))
    if (most + 1) * stride <= _DENSE_CODE_TABLE:
        used = np.zeros((most + 1) * stride, dtype=bool)
        for _, _, chunk_docs, counts in chunks():
            used[counts * stride + lengths[chunk_docs]] = True
        pair_keys = np.flatnonzero(used)
        del used
    else:  # rare: very long documents with very frequent words
        pair_keys = np.unique(
            np.concatenate([np.unique(c * stride + lengths[d]) for _, _, d, c in chunks()])
        )
    code_type = np.uint16 if pair_keys.size <= 1 << 16 else np.uint32
    # The tf part of each code, as rank_bm25 writes it:
    # q_freq * (k1 + 1) / (q_freq + k1 * (1 - b + b * doc_len / avgdl))
    avgdl = total / size
    q_freq = (pair_keys // stride).astype(np.float64)
    length_norm = k1 * (1 - b + b * (pair_keys % stride) / avgdl)
    tf_parts = q_freq * (k1 + 1)
    tf_parts /= q_freq + length_norm

    docs = np.empty(pairs, dtype=np.int32)
    codes = np.empty(pairs, dtype=code_type)
    max_tf_part = np.zeros(count)
    for begin, end, chunk_docs, counts in chunks():
        chunk_codes = np.searchsorted(pair_keys, counts * stride + lengths[chunk_docs])
        docs[begin:end] = chunk_docs
        codes[begin:end] = chunk_codes
        # Each term's largest tf part: the maximum over each term's run within the chunk.
        values = tf_parts[chunk_codes]
        inner = starts[np.searchsorted(starts, begin, "right") : np.searchsorted(starts, end)]
        run_starts = np.unique(np.concatenate(([begin], inner))) - begin
        term_of = np.searchsorted(starts, run_starts + begin, side="right") - 1
        np.maximum.at(max_tf_part, term_of, np.maximum.reduceat(values, run_starts))
    return _Built(terms, first_seen, starts, docs, codes, tf_parts, max_tf_part)


def _okapi_idf(
    doc_freqs: np.ndarray, first_seen: np.ndarray, size: int, epsilon: float
) -> np.ndarray:
    """rank_bm25's idf per term, including its floor for terms in more than half the documents
    (0.0 for a term no document holds)."""
    idf = np.zeros(doc_freqs.size)
    if first_seen.size == 0:
        return idf
    # math.log, as rank_bm25 uses, once per distinct document frequency (there are few).
    freqs = doc_freqs[first_seen]  # in first-occurrence order
    distinct, inverse = np.unique(freqs, return_inverse=True)
    logs = [math.log(size - f + 0.5) - math.log(f + 0.5) for f in distinct.tolist()]
    ordered = np.asarray(logs, dtype=np.float64)[inverse]
    # rank_bm25 sums one term at a time in first-occurrence order; cumsum adds in the same order.
    average_idf = float(np.cumsum(ordered)[-1]) / ordered.size
    ordered[ordered < 0] = epsilon * average_idf
    idf[first_seen] = ordered
    return idf


def _max_weights(max_tf_part: np.ndarray, idf: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Each term's largest weight in a document: its largest tf part times its idf (0.0 where
    the idf is negative, which `max_weight` reports as no bound, or no document has it)."""
    return np.where(present & (idf >= 0), max_tf_part * idf, 0.0)


def _ascending_within_terms(docs: np.ndarray, starts: np.ndarray) -> bool:
    """Within a term, documents ascend; they may drop only where a new term starts."""
    for begin in range(0, docs.size - 1, _CHUNK):
        end = min(begin + _CHUNK, docs.size - 1)
        drops = np.flatnonzero(docs[begin + 1 : end + 1] <= docs[begin:end]) + begin + 1
        where = np.minimum(np.searchsorted(starts, drops), starts.size - 1)
        if not np.all(starts[where] == drops):
            return False
    return True


# -- loading -------------------------------------------------------------------------------------


def _check(condition: bool, problem: str) -> None:
    if not condition:
        raise IndexArraysError(problem)


def _array(arrays: Mapping[str, np.ndarray], name: str, dtype: type, *, ndim: int) -> np.ndarray:
    if name not in arrays:
        raise IndexArraysError(f"missing array {name!r}")
    array = np.asarray(arrays[name])
    _check(array.dtype == np.dtype(dtype) and array.ndim == ndim, f"bad array {name!r}")
    _check(array.flags.c_contiguous, f"bad array {name!r}")
    return array


def _scalar(arrays: Mapping[str, np.ndarray], name: str, kind: type) -> int:
    if name not in arrays:
        raise IndexArraysError(f"missing array {name!r}")
    array = np.asarray(arrays[name])
    _check(array.ndim == 0 and np.issubdtype(array.dtype, kind), f"bad array {name!r}")
    return int(array)
