"""The papers of a JSON Lines corpus as parsed, kept beside the index cache.

Parsing a large corpus file (JSON, then every paper checked) takes seconds; hashing its bytes
takes a fraction of that. So the parsed papers are stored once as plain arrays, under a key that
is a fingerprint of the files' bytes (and of the parser's source): any edit to a file is a new
key, and the file is parsed again. Only corpora made of `.jsonl` files are kept (a TOML corpus is
written by hand, small, and has owners, venues and warnings of its own). Anything wrong with the
stored file costs only the parse it would have saved.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from bot.corpus import papers as corpus_papers
from bot.corpus.papers import Corpus, CorpusError, Paper, corpus_files
from bot.files import write_atomic
from bot.index import index_cache
from bot.index.index_cache import (
    array_text,
    map_arrays,
    papers_digests,
    release_mapped,
    source_digest,
    text_array,
    write_arrays,
)

log = logging.getLogger(__name__)

CORPUS_CACHE_FORMAT = 1
_SEPARATOR = "\x00"  # between texts in one stored string; JSON text never holds a raw NUL
_SLICE = 4096  # papers whose texts are decoded at once: never the whole corpus in one string
_TEXT_FIELDS = ("id", "title", "abstract", "venue", "url", "code_url", "doi", "arxiv")
_OPTIONAL = ("venue", "url", "code_url", "doi", "arxiv")  # None when absent
_NO_YEAR = np.iinfo(np.int64).min
_BLOCK = 1 << 20  # bytes of a corpus file hashed at a time


class _Stale(Exception):
    """The stored papers are those of an earlier version of the files (or of the parser)."""


def load_corpus_cached(path: Path, cache_dir: Path | None) -> Corpus:
    """`load_corpus(path)`, its papers read from `cache_dir` when the files are unchanged."""
    files = corpus_files(Path(path))
    if cache_dir is None or any(file.suffix != ".jsonl" for file in files):
        return corpus_papers.load_corpus(path)
    digest = hashlib.sha1(usedforsecurity=False)
    # The parser's source, and the index cache's (whose fingerprints of the papers are kept).
    for module in (corpus_papers, index_cache):
        digest.update(f"{source_digest(module.__file__)}\n".encode())
    digest.update(f"{CORPUS_CACHE_FORMAT}\n".encode())
    for file in files:
        _add_bytes(digest, file)
    key = digest.hexdigest()
    # One file per corpus location: editing the corpus replaces it, never adds one.
    location = "\n".join(str(file.resolve()) for file in files)
    where = cache_dir / f"corpus-{hashlib.sha256(location.encode()).hexdigest()[:16]}.npz"
    try:
        return _read(where, key, files)
    except (FileNotFoundError, NotADirectoryError):
        pass
    except _Stale:
        log.info("Corpus cache %s is stale (the corpus changed); parsing the corpus.", where)
    except (OSError, ValueError, KeyError, EOFError, UnicodeDecodeError, zipfile.BadZipFile) as exc:
        log.warning("Corpus cache %s is unusable (%s); parsing the corpus.", where, exc)
    corpus = corpus_papers.load_corpus(path)
    corpus = dataclasses.replace(corpus, digests=papers_digests(corpus))
    _write(where, key, files, corpus)
    return corpus


def _add_bytes(digest: Any, file: Path) -> None:
    """Feed `file`'s name, size and bytes to `digest`, a block at a time (never the whole file
    in memory)."""
    try:
        with file.open("rb") as stream:
            size = os.fstat(stream.fileno()).st_size
            digest.update(f"{file.resolve()}\n{size}\n".encode())
            while block := stream.read(_BLOCK):
                digest.update(block)
    except OSError as exc:
        raise CorpusError(f"{file}: cannot read: {exc.strerror or exc}") from None


def _read(where: Path, key: str, files: list[Path]) -> Corpus:
    arrays = map_arrays(where)
    if array_text(arrays["key"]) != key:
        raise _Stale
    count = int(arrays["file_of"].shape[0])
    texts: dict[str, list[str | None]] = {}
    for name in _TEXT_FIELDS:
        texts[name] = list(_texts(arrays, name, count))
    present = {name: arrays[f"{name}_present"].tolist() for name in _OPTIONAL}
    authors_ends = arrays["author_ends"].tolist()
    names = _texts(arrays, "authors", int(authors_ends[-1]) if authors_ends else 0)
    years = arrays["year"].tolist()
    origins = [str(file) for file in files]
    file_of, line_of = arrays["file_of"].tolist(), arrays["line"].tolist()
    release_mapped(arrays)
    for name in _OPTIONAL:
        if len(present[name]) != count:
            raise ValueError("counts disagree")
        values, there = texts[name], present[name]
        if not any(there):  # the usual case for most of them: a field no paper has
            texts[name] = [None] * count
        elif not all(there):
            texts[name] = [value if has else None for value, has in zip(values, there, strict=True)]
    if not (len(authors_ends) == len(years) == len(line_of) == count):
        raise ValueError("counts disagree")
    if not count:
        raise ValueError("no papers")
    starts = [0, *authors_ends[:-1]]
    # Whole columns at once (a large corpus has many papers, and this is part of its start).
    # The ids need no check: the same bytes parsed by the same code gave unique ones.
    papers = tuple(
        map(
            Paper,
            texts["id"],
            texts["title"],
            texts["abstract"],
            map(tuple, map(names.__getitem__, map(slice, starts, authors_ends))),
            [None if year == _NO_YEAR else year for year in years],
            texts["venue"],
            texts["url"],
            texts["code_url"],
            texts["doi"],
            texts["arxiv"],
            [f"{origins[file]}:{line}" for file, line in zip(file_of, line_of, strict=True)],
        )
    )
    digests = (array_text(arrays["texts_digest"]), array_text(arrays["fields_digest"]))
    return Corpus(papers=papers, sources=tuple(files), digests=digests)


def _write(where: Path, key: str, files: list[Path], corpus: Corpus) -> None:
    papers = corpus.papers
    fields = {name: [getattr(p, name) or "" for p in papers] for name in _TEXT_FIELDS}
    author_lists = [p.authors for p in papers]
    if any(_SEPARATOR in text for texts in fields.values() for text in texts) or any(
        _SEPARATOR in name for names in author_lists for name in names
    ):
        return  # a text with a NUL cannot be stored this way; parsing it each time is fine
    origin_file = {str(file): number for number, file in enumerate(files)}
    try:
        places = [p.origin.rsplit(":", 1) for p in papers]
        file_of = [origin_file[file] for file, _ in places]
        lines = [int(line) for _, line in places]
    except (KeyError, ValueError):
        return  # origins not of the "file:line" form: nothing to store
    texts_digest, fields_digest = corpus.digests or papers_digests(corpus)
    arrays = {
        "key": text_array(key),
        "texts_digest": text_array(texts_digest),
        "fields_digest": text_array(fields_digest),
        "year": np.array([_NO_YEAR if p.year is None else p.year for p in papers], np.int64),
        "author_ends": np.cumsum([len(names) for names in author_lists], dtype=np.int64),
        "file_of": np.array(file_of, dtype=np.int32).reshape(-1),
        "line": np.array(lines, dtype=np.int64).reshape(-1),
    }
    for name, texts in fields.items():
        arrays.update(_stored(name, [[text] for text in texts]))
    for name in _OPTIONAL:
        present = [getattr(p, name) is not None for p in papers]
        arrays[f"{name}_present"] = np.array(present, dtype=bool).reshape(-1)
    arrays.update(_stored("authors", [list(names) for names in author_lists]))
    try:
        write_atomic(where, lambda stream: write_arrays(stream, arrays))
    except (OSError, OverflowError) as exc:
        log.warning("Cannot write the corpus cache %s (%s); continuing without it.", where, exc)


def _stored(name: str, per_paper: list[list[str]]) -> dict[str, np.ndarray]:
    """Each paper's texts, joined by the separator, with the byte offset where each slice of
    _SLICE papers ends (read back a slice at a time)."""
    chunks, ends, total = [], [], 0
    for start in range(0, len(per_paper), _SLICE):
        texts = [text for texts in per_paper[start : start + _SLICE] for text in texts]
        chunk = _SEPARATOR.join(texts).encode("utf-8", "surrogatepass")
        chunks.append(chunk)
        total += len(chunk)
        ends.append(total)
    return {
        name: np.frombuffer(b"".join(chunks), dtype=np.uint8),
        f"{name}_ends": np.array(ends, dtype=np.int64).reshape(-1),
    }


def _texts(arrays: dict[str, np.ndarray], name: str, count: int) -> list[str]:
    """The `count` texts `_stored` kept under `name` (for authors: in slices of papers)."""
    stored, ends = arrays[name], arrays[f"{name}_ends"].tolist()
    if stored.dtype != np.uint8 or stored.ndim != 1:
        raise ValueError("not a byte array")
    texts: list[str] = []
    start = 0
    for end in ends:
        chunk = stored[start:end].tobytes().decode("utf-8", "surrogatepass")
        start = end
        if chunk or name != "authors":
            texts.extend(chunk.split(_SEPARATOR))
    if len(texts) != count:
        raise ValueError("counts disagree")
    return texts
