"""The inner loops of scoring: numpy everywhere, compiled by numba where it is installed.

`add_terms` adds a question's terms' weights to the scores of the documents holding them,
`add_terms_of` does it for a few chosen documents only, `add_terms_and_bounds` also adds up each
document's bound, and `reaching` finds the documents whose bound reaches a floor: a question
spends its time in them.
numpy does each with several passes and temporary arrays; numba's compiled loops (the optional
`fast` extra) do it in one. Both add the very same float64 values in the same order, so the
scores are bit for bit the same (the tests compare them).

The compiled loops are used once `load_compiled()` has run: the retriever calls it for a large
corpus only, since importing numba costs a start a few tenths of a second (more the first time,
when the loops are compiled into numba's cache), which a corpus of tens of thousands of
sentences never wins back. Very short postings always go to numpy (calling a compiled loop costs
a few microseconds).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

# Postings at least this long go to the compiled loops, once loaded.
COMPILED_MIN_POSTINGS = 256

_Kernels = dict[str, Callable[..., Any]]  # "reaching" returns its count; the rest fill arrays
_compiled: _Kernels | None = None
_lock = threading.Lock()


def numpy_add_weights(
    scores: np.ndarray, docs: np.ndarray, codes: np.ndarray, table: np.ndarray
) -> None:
    """scores[docs[i]] += table[codes[i]] for every i (`docs` distinct)."""
    scores[docs] += table[codes]


def numpy_add_weights_of(
    scores: np.ndarray,
    candidates: np.ndarray,
    docs: np.ndarray,
    codes: np.ndarray,
    table: np.ndarray,
) -> None:
    """scores[i] += table[codes[j]] wherever docs[j] == candidates[i] (both ascending)."""
    if docs.size <= candidates.size:  # look each posting up among the candidates
        where = np.searchsorted(candidates, docs)
        hit = where < candidates.size
        hit[hit] = candidates[where[hit]] == docs[hit]
        scores[where[hit]] += table[codes[hit]]
    else:  # look each candidate up in the (longer) postings
        where = np.minimum(np.searchsorted(docs, candidates), docs.size - 1)
        hit = docs[where] == candidates
        scores[hit] += table[codes[where[hit]]]


def add_terms(
    scores: np.ndarray,
    docs: np.ndarray,
    codes: np.ndarray,
    ranges: np.ndarray,
    tables: np.ndarray,
) -> None:
    """`numpy_add_weights` for several terms in order: term t's postings are docs[ranges[t, 0]:
    ranges[t, 1]] (and the same codes), its weights tables[t]."""
    compiled = _compiled
    if compiled is not None and int((ranges[:, 1] - ranges[:, 0]).sum()) >= COMPILED_MIN_POSTINGS:
        compiled["add_terms"](scores, np.asarray(docs), np.asarray(codes), ranges, tables)
        return
    for (start, end), table in zip(ranges.tolist(), tables, strict=True):
        numpy_add_weights(scores, docs[start:end], codes[start:end], table)


def add_terms_and_bounds(
    scores: np.ndarray,
    bounds: np.ndarray,
    docs: np.ndarray,
    codes: np.ndarray,
    ranges: np.ndarray,
    tables: np.ndarray,
    most: np.ndarray,
) -> None:
    """`add_terms`, and in the same pass bounds[doc] += most[t] for each posting of term t."""
    compiled = _compiled
    if compiled is not None and int((ranges[:, 1] - ranges[:, 0]).sum()) >= COMPILED_MIN_POSTINGS:
        compiled["add_terms_and_bounds"](
            scores, bounds, np.asarray(docs), np.asarray(codes), ranges, tables, most
        )
        return
    for (start, end), table, value in zip(ranges.tolist(), tables, most.tolist(), strict=True):
        numpy_add_weights(scores, docs[start:end], codes[start:end], table)
        bounds[docs[start:end]] += value


def add_terms_of(
    scores: np.ndarray,
    candidates: np.ndarray,
    docs: np.ndarray,
    codes: np.ndarray,
    ranges: np.ndarray,
    tables: np.ndarray,
) -> None:
    """`add_weights_of` for several terms in order (see `add_terms`)."""
    compiled = _compiled
    if compiled is not None:
        compiled["add_terms_of"](
            scores, candidates, np.asarray(docs), np.asarray(codes), ranges, tables
        )
        return
    for (start, end), table in zip(ranges.tolist(), tables, strict=True):
        numpy_add_weights_of(scores, candidates, docs[start:end], codes[start:end], table)


def numpy_reaching(
    scores: np.ndarray, most: np.ndarray, share: float, reach: float, slack: float, floor: float
) -> np.ndarray:
    """Ascending indices i where (share * scores[i] + reach * most[i]) * slack reaches `floor`
    (is at least it; above zero when `floor` is zero)."""
    bound = share * scores
    bound += reach * most
    bound *= slack
    return np.flatnonzero(bound >= floor if floor > 0 else bound > 0)


def reaching(
    scores: np.ndarray, most: np.ndarray, share: float, reach: float, slack: float, floor: float
) -> np.ndarray:
    """`numpy_reaching`, in one compiled pass once loaded."""
    compiled = _compiled
    if compiled is not None and scores.size >= COMPILED_MIN_POSTINGS:
        found = np.empty(scores.size, dtype=np.int64)
        count = compiled["reaching"](scores, most, share, reach, slack, floor, found)
        return found[:count]
    return numpy_reaching(scores, most, share, reach, slack, floor)


def compiled_available() -> bool:
    return importlib.util.find_spec("numba") is not None


def load_compiled() -> bool:
    """Compile numba's loops (or read them from numba's cache) and use them from now on;
    False without numba."""
    global _compiled
    with _lock:
        if _compiled is None and compiled_available():
            _compiled = _compile()
    return _compiled is not None


def compiled_kernels() -> _Kernels | None:
    """The compiled loops by name, once loaded (for the tests)."""
    return _compiled


def _compile() -> _Kernels:
    import numba  # the optional `fast` extra

    jit = numba.njit(cache=True, nogil=True, boundscheck=False)

    @jit
    def add_weights(scores: Any, docs: Any, codes: Any, table: Any) -> None:
        for i in range(docs.size):
            scores[docs[i]] += table[codes[i]]

    @jit
    def add_weights_of(scores: Any, candidates: Any, docs: Any, codes: Any, table: Any) -> None:
        # Each candidate looked up after the previous one: galloping ahead, then bisecting,
        # so nearby candidates cost a few steps (and few cache misses) in long postings.
        low, size = 0, docs.size
        for i in range(candidates.size):
            wanted = candidates[i]
            step = 1
            while low + step < size and docs[low + step] < wanted:
                low += step
                step *= 2
            high = min(low + step, size)
            while low < high:
                middle = (low + high) >> 1
                if docs[middle] < wanted:
                    low = middle + 1
                else:
                    high = middle
            if low == size:
                return
            if docs[low] == wanted:
                scores[i] += table[codes[low]]

    @jit
    def add_terms(scores: Any, docs: Any, codes: Any, ranges: Any, tables: Any) -> None:
        for term in range(ranges.shape[0]):
            table = tables[term]
            for i in range(ranges[term, 0], ranges[term, 1]):
                scores[docs[i]] += table[codes[i]]

    @jit
    def add_terms_of(
        scores: Any, candidates: Any, docs: Any, codes: Any, ranges: Any, tables: Any
    ) -> None:
        for term in range(ranges.shape[0]):
            add_weights_of(
                scores,
                candidates,
                docs[ranges[term, 0] : ranges[term, 1]],
                codes[ranges[term, 0] : ranges[term, 1]],
                tables[term],
            )

    @jit
    def add_terms_and_bounds(
        scores: Any, bounds: Any, docs: Any, codes: Any, ranges: Any, tables: Any, most: Any
    ) -> None:
        for term in range(ranges.shape[0]):
            table, value = tables[term], most[term]
            for i in range(ranges[term, 0], ranges[term, 1]):
                scores[docs[i]] += table[codes[i]]
                bounds[docs[i]] += value

    @jit
    def reaching(
        scores: Any, most: Any, share: Any, reach: Any, slack: Any, floor: Any, found: Any
    ) -> int:
        count = 0
        for i in range(scores.size):
            bound = (share * scores[i] + reach * most[i]) * slack
            if bound >= floor if floor > 0 else bound > 0:
                found[count] = i
                count += 1
        return count

    kernels: _Kernels = {
        "reaching": reaching,
        "add_terms_and_bounds": add_terms_and_bounds,
        "add_weights": add_weights,
        "add_weights_of": add_weights_of,
        "add_terms": add_terms,
        "add_terms_of": add_terms_of,
    }
    # Compiled (or loaded from the cache) now, not in a first question: for both code widths,
    # and for read-only postings, as an index's always are (numba compiles each kind apart).
    for code_type in (np.uint16, np.uint32):
        docs, codes = np.zeros(1, np.int32), np.zeros(1, code_type)
        docs.flags.writeable = codes.flags.writeable = False
        add_weights(np.zeros(1), docs, codes, np.zeros(1))
        add_weights_of(np.zeros(1), np.zeros(1, np.int64), docs, codes, np.zeros(1))
        ranges, tables = np.zeros((1, 2), np.int64), np.zeros((1, 1))
        add_terms(np.zeros(1), docs, codes, ranges, tables)
        add_terms_and_bounds(np.zeros(1), np.zeros(1), docs, codes, ranges, tables, np.zeros(1))
        add_terms_of(np.zeros(1), np.zeros(1, np.int64), docs, codes, ranges, tables)
    reaching(np.zeros(1), np.zeros(1), 1.0, 1.0, 1.0, 0.0, np.zeros(1, np.int64))
    return kernels
