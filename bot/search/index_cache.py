"""The built index on disk, so that starting again over the same corpus skips analysis.

One `.npz` file per corpus location, written by numpy and read back with `allow_pickle=False`
(plain arrays, never pickled objects), holding both BM25 indexes, the cleaned titles and
abstracts as UTF-8 bytes, where each sentence stands in its abstract, and a key over everything
the index depends on: the corpus's titles and abstracts, the analyzer, the BM25 format and the
ranking parameters that shape the index. A stale file (the corpus was edited) is rebuilt, which
is only logged at info level; a truncated or corrupt file is ignored with one warning and
rebuilt; a file that cannot be written only costs the next start its speed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from pathlib import Path

import numpy as np

from bot.corpus.papers import Corpus
from bot.files import write_atomic
from bot.search import bm25
from bot.search.documents import PaperText
from bot.search.retriever import IndexParts, RankingParams, Retriever, build_parts
from bot.text.analysis import ANALYZER_VERSION

log = logging.getLogger(__name__)

CACHE_FORMAT = 2
_SEPARATOR = "\x00"  # between texts in one stored string; no cleaned text contains it
_INDEX_FIELDS = ("sentence_k1", "sentence_b", "epsilon", "paper_k1", "paper_b", "title_weight")


class _Unusable(Exception):
    """The file is there but cannot give this corpus's index; the message says why."""


class _Stale(_Unusable):
    """The file is the index of an earlier version of the corpus or of the ranking settings."""


def load_retriever(
    corpus: Corpus, params: RankingParams | None = None, cache_dir: Path | None = None
) -> Retriever:
    """A retriever for `corpus`, its index read from `cache_dir` when a valid one is there."""
    params = params or RankingParams()
    if cache_dir is None:
        return Retriever(corpus, params)
    path = cache_file(cache_dir, corpus)
    key = content_key(corpus, params)
    try:
        parts = _read(path, key, corpus)
    except (FileNotFoundError, NotADirectoryError):
        parts = None  # nothing cached yet (writing it says what is wrong with the folder)
    except _Stale as stale:
        log.info("Index cache %s %s; rebuilding it.", path, stale)  # normal after an edit
        parts = None
    except _Unusable as problem:
        log.warning("Index cache %s %s; rebuilding it.", path, problem)
        parts = None
    if parts is None:
        parts = build_parts(corpus, params)
        _write(path, key, parts)
    return Retriever(corpus, params, parts=parts)


def cache_file(cache_dir: Path, corpus: Corpus) -> Path:
    """The file for this corpus location: editing the corpus replaces it, never adds one."""
    where = "\n".join(str(Path(source).resolve()) for source in corpus.sources)
    return cache_dir / f"index-{hashlib.sha256(where.encode()).hexdigest()[:16]}.npz"


def content_key(corpus: Corpus, params: RankingParams) -> str:
    versions = {
        "cache": CACHE_FORMAT,
        "analyzer": ANALYZER_VERSION,
        "bm25": bm25.FORMAT_VERSION,
        "params": {name: getattr(params, name) for name in _INDEX_FIELDS},
    }
    texts = (text for paper in corpus.papers for text in (paper.id, paper.title, paper.abstract))
    digest = hashlib.blake2b(json.dumps(versions, sort_keys=True).encode(), digest_size=32)
    digest.update(_SEPARATOR.join(texts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _read(path: Path, key: str, corpus: Corpus) -> IndexParts:
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except (FileNotFoundError, NotADirectoryError):
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise _Unusable(f"is unreadable ({exc.__class__.__name__})") from None
    try:
        if _text(arrays["key"]) != key:
            raise _Stale("is stale (the corpus or the ranking settings changed)")
        titles = _text(arrays["titles"]).split(_SEPARATOR)
        abstracts = _text(arrays["abstracts"]).split(_SEPARATOR)
        if not len(titles) == len(abstracts) == len(corpus.papers):
            raise ValueError("paper counts disagree")
        firsts, ends, bounds = _sentence_places(arrays, abstracts)
        papers = tuple(
            PaperText(paper, title, abstract, bounds[first:end])
            for paper, title, abstract, first, end in zip(
                corpus.papers, titles, abstracts, firsts, ends, strict=True
            )
        )
        sentence_index = bm25.BM25Index.from_arrays(_prefixed(arrays, "sentence/"))
        paper_index = bm25.BM25Index.from_arrays(_prefixed(arrays, "paper/"))
    except _Unusable:
        raise
    except (KeyError, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise _Unusable(f"is damaged ({exc.__class__.__name__})") from None
    if sentence_index.size != len(bounds) or paper_index.size != len(papers):
        raise _Unusable("is damaged (its sizes disagree with the corpus)")
    return IndexParts(papers, bounds, sentence_index, paper_index)


def _write(path: Path, key: str, parts: IndexParts) -> None:
    texts = [p.title for p in parts.papers] + [p.abstract for p in parts.papers]
    if any(_SEPARATOR in text for text in texts):
        log.info("Not caching the index: a text contains a NUL character.")
        return
    arrays = {
        "key": _bytes(key),
        "titles": _bytes(_SEPARATOR.join(p.title for p in parts.papers)),
        "abstracts": _bytes(_SEPARATOR.join(p.abstract for p in parts.papers)),
        "sentence_counts": np.array([p.sentence_count for p in parts.papers], dtype=np.int64),
        "sentence_bounds": parts.sentence_bounds,
        **{f"sentence/{k}": v for k, v in parts.sentence_index.to_arrays().items()},
        **{f"paper/{k}": v for k, v in parts.paper_index.to_arrays().items()},
    }
    try:
        # Renamed over the old file once complete: a reader never sees half a file.
        # mypy matches **arrays against savez's `allow_pickle: bool` too; no key is that.
        write_atomic(path, lambda stream: np.savez(stream, **arrays))  # type: ignore[arg-type]
    except OSError as exc:
        log.warning("Cannot write the index cache %s (%s); continuing without it.", path, exc)


def _sentence_places(
    arrays: dict[str, np.ndarray], abstracts: list[str]
) -> tuple[list[int], list[int], np.ndarray]:
    """Each paper's first and end sentence number, and every sentence's (start, end) in its
    abstract (read-only), checked against the abstracts' lengths."""
    counts, bounds = arrays["sentence_counts"], arrays["sentence_bounds"]
    if counts.dtype != np.int64 or counts.shape != (len(abstracts),) or np.any(counts < 0):
        raise ValueError("bad sentence counts")
    if bounds.dtype != np.int32 or bounds.ndim != 2 or bounds.shape != (counts.sum(), 2):
        raise ValueError("bad sentence places")
    lengths = np.fromiter(map(len, abstracts), np.int64, len(abstracts))
    owner = np.repeat(np.arange(len(abstracts)), counts)
    starts, stops = bounds[:, 0], bounds[:, 1]
    if np.any(starts < 0) or np.any(stops <= starts) or np.any(stops > lengths[owner]):
        raise ValueError("a sentence outside its abstract")
    same_paper = owner[1:] == owner[:-1]
    if np.any(starts[1:][same_paper] < stops[:-1][same_paper]):
        raise ValueError("sentences out of order")
    bounds.flags.writeable = False
    ends = np.cumsum(counts)
    return (ends - counts).tolist(), ends.tolist(), bounds


def _bytes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _text(array: np.ndarray) -> str:
    if array.dtype != np.uint8 or array.ndim != 1:
        raise ValueError("not a byte array")
    return array.tobytes().decode("utf-8", "surrogatepass")


def _prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {name[len(prefix) :]: value for name, value in arrays.items() if name.startswith(prefix)}
