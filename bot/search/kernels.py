"""The inner loops of scoring: numpy everywhere, compiled by numba where it is installed.

`add_weights` adds a term's weights to the scores of the documents holding it; it is what a
question spends its time on in a large corpus. numpy does it with a gather and a scatter, two
passes and a temporary array; numba's compiled loop (the optional `fast` extra) does it in one
pass. Both add the very same float64 values in the same order, so the scores are bit for bit the
same (the tests compare them). Short postings go to numpy whatever is installed: the compiled
loop only pays beyond a few tens of thousands of postings, and a corpus whose postings are all
shorter (tens of thousands of sentences) never imports numba, which would cost its start-up
a few tenths of a second.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

# Postings at least this long go to the compiled loop, when numba is installed.
COMPILED_MIN_POSTINGS = 50_000

_Kernel = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], None]
_compiled: _Kernel | None = None
_compiled_lock = threading.Lock()
_compiled_tried = False


def numpy_add_weights(
    scores: np.ndarray, docs: np.ndarray, codes: np.ndarray, table: np.ndarray
) -> None:
    """scores[docs[i]] += table[codes[i]] for every i (`docs` distinct)."""
    scores[docs] += table[codes]


def add_weights(scores: np.ndarray, docs: np.ndarray, codes: np.ndarray, table: np.ndarray) -> None:
    """scores[docs[i]] += table[codes[i]] for every i (`docs` distinct, in range)."""
    if docs.size >= COMPILED_MIN_POSTINGS:
        compiled = compiled_add_weights()
        if compiled is not None:
            compiled(scores, docs, codes, table)
            return
    numpy_add_weights(scores, docs, codes, table)


def compiled_available() -> bool:
    return importlib.util.find_spec("numba") is not None


def compiled_add_weights() -> _Kernel | None:
    """numba's compiled `add_weights` (compiled, or read from numba's cache, on first use);
    None without numba."""
    global _compiled, _compiled_tried
    if _compiled_tried:
        return _compiled
    with _compiled_lock:
        if not _compiled_tried:
            _compiled = _compile() if compiled_available() else None
            _compiled_tried = True
    return _compiled


def _compile() -> _Kernel:
    import numba  # the optional `fast` extra

    @numba.njit(cache=True, nogil=True, boundscheck=False)  # type: ignore[misc]
    def add(scores: Any, docs: Any, codes: Any, table: Any) -> None:
        for i in range(docs.size):
            scores[docs[i]] += table[codes[i]]

    def call(scores: np.ndarray, docs: np.ndarray, codes: np.ndarray, table: np.ndarray) -> None:
        # Plain arrays (a memory map is an ndarray subclass numba does not take).
        add(scores, np.asarray(docs), np.asarray(codes), table)

    # Compiled (or loaded from the cache) now, for both code widths, not in a first question.
    for code_type in (np.uint16, np.uint32):
        call(np.zeros(1), np.zeros(1, np.int32), np.zeros(1, code_type), np.zeros(1))
    return call
