"""The built index on disk, so that starting again over the same corpus skips analysis.

One `.npz` file per corpus location (a zip of `.npy` arrays, uncompressed) holding both BM25
indexes and their one vocabulary, the titles and abstracts that cleaning changed (as UTF-8
bytes; the others are the corpus's own), where each sentence stands in its abstract, and what a
first question needs besides: the spelling corrector's tables, the catalogue of the facts a
question can name and each title's terms, built once with the index so that no question waits
for them. A key covers everything the index depends on: the corpus's titles and abstracts, the
analyzer, the spelling rules, the BM25 format and the ranking parameters that shape the index.
The catalogue has a key of its own (the papers' other fields, such as authors, venues and years,
and the code that arranges them): when only that changed, only the catalogue is built again. A
stale file (the corpus was edited) is rebuilt, which is only logged at info level; a truncated
or corrupt file is ignored with one warning and rebuilt; a file that cannot be written only
costs the next start its speed.

The arrays are not read into memory but mapped from the file (plain arrays only: an array of
Python objects is never loaded), so a start reads only what it checks, and the pages of a large
index are the operating system's to keep or drop like any cached file. Each array is written at
a 64-byte boundary of the file so that it can be used in place.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import mmap
import operator
import struct
import zipfile
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from bot import __version__
from bot.corpus import names, venues
from bot.corpus.papers import Corpus, Paper
from bot.files import write_atomic
from bot.index import bm25
from bot.index import catalogue as catalogue_rules
from bot.index.catalogue import Catalogue
from bot.index.documents import PaperText
from bot.index.retriever import IndexParts, RankingParams, Retriever, TitleTerms, build_parts
from bot.text import spelling as spelling_rules
from bot.text.analysis import ANALYZER_VERSION
from bot.text.spelling import SpellingCorrector

if TYPE_CHECKING:
    from bot.index.semantic import SemanticStage, SentenceModel

log = logging.getLogger(__name__)

CACHE_FORMAT = 5
_SEPARATOR = "\x00"  # between texts in one stored string; no cleaned text contains it
_KEY_SLICE = 4096  # papers whose texts are fingerprinted at once
# The catalogue's fields that are not stored as such: the papers (the corpus's own) and the
# words of their texts (the spelling corrector's, stored once for both).
_CATALOGUE_GIVEN = ("papers", "vocabulary")
# A zip member's local header: its fixed part, and the field giving its name and extra lengths.
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_LOCAL_SIGNATURE = 0x04034B50
_ALIGNMENT = 64
_PADDING_FIELD = 0x5050  # an extra field of zeros, only there to align the data after it
_INDEX_FIELDS = ("sentence_k1", "sentence_b", "epsilon", "paper_k1", "paper_b", "title_weight")


class _Unusable(Exception):
    """The file is there but cannot give this corpus's index; the message says why."""


class _Stale(_Unusable):
    """The file is the index of an earlier version of the corpus or of the ranking settings."""


def load_retriever(
    corpus: Corpus,
    params: RankingParams | None = None,
    cache_dir: Path | None = None,
    *,
    semantic: SentenceModel | None = None,
    compiled_loops: bool = True,
) -> Retriever:
    """A retriever for `corpus`, its index read from `cache_dir` when a valid one is there
    (`compiled_loops` as `Retriever` takes it). With `semantic`, the retriever fuses BM25 with
    that model's (see `bot.index.semantic`)."""
    params = params or RankingParams()
    if cache_dir is None:
        built = build_parts(corpus, params)
        stage = _semantic(semantic, built, None)
        return Retriever(corpus, params, parts=built, semantic=stage, compiled_loops=compiled_loops)
    path = cache_file(cache_dir, corpus)
    key = content_key(corpus, params)
    catalogue_key = facts_key(corpus)
    try:
        parts, rewritten = _read(path, key, catalogue_key, corpus)
        if rewritten is not None:
            log.info("Index cache %s: the papers' facts changed; stored them again.", path)
            _write_arrays(path, rewritten)
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
        _write(path, key, catalogue_key, parts)
    stage = _semantic(semantic, parts, path.with_suffix(".semantic.npz"))
    return Retriever(corpus, params, parts=parts, semantic=stage, compiled_loops=compiled_loops)


def _semantic(
    model: SentenceModel | None, parts: IndexParts, path: Path | None
) -> SemanticStage | None:
    """The semantic stage over `parts`, its vectors kept at `path` (None: the stage is off)."""
    if model is None:
        return None
    from bot.index import semantic  # only with the stage on: the index alone never needs it

    def write(path: Path, arrays: dict[str, np.ndarray]) -> None:
        try:
            write_atomic(path, lambda stream: write_arrays(stream, arrays))
        except OSError as exc:
            log.warning("Cannot write the semantic vectors %s (%s).", path, exc)

    vectors = semantic.load_vectors(model, parts.papers, path, map_arrays, write)
    return semantic.SemanticStage(model, vectors)


def cache_file(cache_dir: Path, corpus: Corpus) -> Path:
    """The file for this corpus location: editing the corpus replaces it, never adds one."""
    where = "\n".join(str(Path(source).resolve()) for source in corpus.sources)
    return cache_dir / f"index-{hashlib.sha256(where.encode()).hexdigest()[:16]}.npz"


def content_key(corpus: Corpus, params: RankingParams) -> str:
    versions = {
        "cache": CACHE_FORMAT,
        "analyzer": ANALYZER_VERSION,
        "bm25": bm25.FORMAT_VERSION,
        "spelling": source_digest(spelling_rules.__file__),
        "params": {name: getattr(params, name) for name in _INDEX_FIELDS},
    }
    # SHA-1 as a fingerprint, not for security: twice as fast as BLAKE2 here, and part of start-up.
    digest = hashlib.sha1(json.dumps(versions, sort_keys=True).encode(), usedforsecurity=False)
    texts = corpus.digests[0] if corpus.digests else _texts_digest(corpus.papers)
    digest.update(texts.encode())
    return digest.hexdigest()


def papers_digests(corpus: Corpus) -> tuple[str, str]:
    """Fingerprints of the papers' ids and texts (the index's key), and of their other fields
    (the catalogue's), as `Corpus.digests` holds them."""
    return _texts_digest(corpus.papers), _fields_digest(corpus.papers)


def _texts_digest(papers: tuple[Paper, ...]) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    # Every text, separated, fed in slices of papers: never the whole corpus in one more string.
    for start in range(0, len(papers), _KEY_SLICE):
        texts = [
            text for p in papers[start : start + _KEY_SLICE] for text in (p.id, p.title, p.abstract)
        ]
        joined = _SEPARATOR.join(texts)
        digest.update(((_SEPARATOR if start else "") + joined).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


# The papers' fields besides the texts that the index key covers: what the catalogue reads.
_FACT_FIELDS = operator.attrgetter(
    *(f.name for f in dataclasses.fields(Paper) if f.name not in ("title", "abstract", "origin"))
)


def _fields_digest(papers: tuple[Paper, ...]) -> str:
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(repr(list(map(_FACT_FIELDS, papers))).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def facts_key(corpus: Corpus) -> str:
    """A key over what the stored catalogue depends on besides the texts: every other field of
    the papers, the corpus's own venues, the bundled venue table, and the code that arranges
    them (its source: no version to forget to bump)."""
    digest = hashlib.sha1(usedforsecurity=False)
    for module in (catalogue_rules, names, venues):
        digest.update(source_digest(module.__file__).encode())
    digest.update(resources.files("bot.corpus").joinpath("venues.toml").read_bytes())
    digest.update(repr(corpus.venues).encode("utf-8", "surrogatepass"))
    fields = corpus.digests[1] if corpus.digests else _fields_digest(corpus.papers)
    digest.update(fields.encode())
    return digest.hexdigest()


def source_digest(module_file: str | None) -> str:
    """A digest of a module's source, so that a stored value is rebuilt when its code changes."""
    try:
        source = Path(module_file or "").read_bytes()
    except OSError:
        source = __version__.encode()  # no source beside the code: its version stands for it
    return hashlib.sha1(source, usedforsecurity=False).hexdigest()


def _read(
    path: Path, key: str, catalogue_key: str, corpus: Corpus
) -> tuple[IndexParts, dict[str, np.ndarray] | None]:
    """The stored parts, and, when only the catalogue was stale and was built again, the file's
    arrays with the new catalogue to store (None when the file is current)."""
    try:
        arrays = map_arrays(path)
    except (FileNotFoundError, NotADirectoryError):
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, struct.error) as exc:
        raise _Unusable(f"is unreadable ({exc.__class__.__name__})") from None
    try:
        if array_text(arrays["key"]) != key:
            raise _Stale("is stale (the corpus or the ranking settings changed)")
        titles = _cleaned(arrays, "title", [paper.title for paper in corpus.papers])
        abstracts = _cleaned(arrays, "abstract", [paper.abstract for paper in corpus.papers])
        firsts, ends, bounds = _sentence_places(arrays, abstracts)
        papers = tuple(
            PaperText(paper, title, abstract, bounds[first:end])
            for paper, title, abstract, first, end in zip(
                corpus.papers, titles, abstracts, firsts, ends, strict=True
            )
        )
        del titles, abstracts
        vocabulary = bm25.vocabulary_from_arrays(arrays)
        sentence_index = bm25.BM25Index.from_arrays(_prefixed(arrays, "sentence/"), vocabulary)
        release_mapped(arrays)
        paper_index = bm25.BM25Index.from_arrays(_prefixed(arrays, "paper/"), vocabulary)
        release_mapped(arrays)
        spelling = SpellingCorrector.from_arrays(_prefixed(arrays, "spelling/"))
        rewritten = None
        if array_text(arrays["catalogue_key"]) == catalogue_key:
            catalogue = _catalogue(arrays["catalogue"], papers, spelling.corpus_words)
        else:
            catalogue = Catalogue.of(papers, corpus.venues, vocabulary=spelling.corpus_words)
            rewritten = {**arrays, **_catalogue_arrays(catalogue_key, catalogue)}
        title_terms = _title_terms(arrays, len(papers), len(vocabulary))
    except _Unusable:
        raise
    except (KeyError, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise _Unusable(f"is damaged ({exc.__class__.__name__})") from None
    if sentence_index.size != len(bounds) or paper_index.size != len(papers):
        raise _Unusable("is damaged (its sizes disagree with the corpus)")
    parts = IndexParts(
        papers, bounds, sentence_index, paper_index, catalogue, spelling, title_terms
    )
    return parts, rewritten


def _write(path: Path, key: str, catalogue_key: str, parts: IndexParts) -> None:
    texts = parts.papers
    if any(_SEPARATOR in p.title or _SEPARATOR in p.abstract for p in texts):
        log.info("Not caching the index: a text contains a NUL character.")
        return
    arrays = {
        "key": text_array(key),
        **_changed_texts("title", [p.record.title for p in parts.papers], [p.title for p in texts]),
        **_changed_texts(
            "abstract", [p.record.abstract for p in parts.papers], [p.abstract for p in texts]
        ),
        "sentence_counts": np.array([p.sentence_count for p in parts.papers], dtype=np.int64),
        "sentence_bounds": parts.sentence_bounds,
        **bm25.vocabulary_arrays(parts.paper_index.vocabulary),
        **_prefix(parts.sentence_index.to_arrays(with_vocabulary=False), "sentence/"),
        **_prefix(parts.paper_index.to_arrays(with_vocabulary=False), "paper/"),
        **_prefix(parts.spelling.to_arrays(), "spelling/"),
        **_catalogue_arrays(catalogue_key, parts.catalogue),
        "title_term_ends": parts.title_terms.ends,
        "title_term_numbers": parts.title_terms.numbers,
    }
    _write_arrays(path, arrays)


def _write_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    try:
        # Renamed over the old file once complete: a reader never sees half a file.
        write_atomic(path, lambda stream: write_arrays(stream, arrays))
    except OSError as exc:
        log.warning("Cannot write the index cache %s (%s); continuing without it.", path, exc)


def _catalogue_arrays(catalogue_key: str, catalogue: Catalogue) -> dict[str, np.ndarray]:
    fields = json.dumps(_catalogue_fields(catalogue), ensure_ascii=False)
    return {"catalogue_key": text_array(catalogue_key), "catalogue": text_array(fields)}


def _catalogue_fields(catalogue: Catalogue) -> dict[str, Any]:
    """The catalogue's fields as JSON values, each tagged with its type where JSON has none
    (a field added to `Catalogue.of` is carried without a change here)."""
    return {
        field.name: _tagged(getattr(catalogue, field.name))
        for field in dataclasses.fields(catalogue)
        if field.name not in _CATALOGUE_GIVEN
    }


def _catalogue(
    stored: np.ndarray, papers: tuple[PaperText, ...], words: frozenset[str]
) -> Catalogue:
    fields = json.loads(array_text(stored))
    if not isinstance(fields, dict):
        raise ValueError("not a catalogue")
    values = {name: _untagged(value) for name, value in fields.items()}
    # TypeError when the fields are not the catalogue's (another version's): rebuilt.
    return Catalogue(papers=papers, vocabulary=words, **values)


def _tagged(value: object) -> object:
    """`value` as JSON: str, int, float, bool and None as they are; containers tagged."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, tuple):
        return {"tuple": [_tagged(item) for item in value]}
    if isinstance(value, list):
        return {"list": [_tagged(item) for item in value]}
    if isinstance(value, frozenset):
        return {"frozenset": [_tagged(item) for item in sorted(value)]}
    if isinstance(value, dict):
        return {"dict": [[_tagged(key), _tagged(item)] for key, item in value.items()]}
    raise TypeError(f"cannot store a {type(value).__name__} in the index cache")


def _untagged(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    ((kind, items),) = value.items()
    if kind == "tuple":
        return tuple(map(_untagged, items))
    if kind == "list":
        return list(map(_untagged, items))
    if kind == "frozenset":
        return frozenset(map(_untagged, items))
    if kind == "dict":
        return {_untagged(key): _untagged(item) for key, item in items}
    raise ValueError(f"unknown stored type {kind!r}")


def _title_terms(arrays: dict[str, np.ndarray], papers: int, vocabulary: int) -> TitleTerms:
    ends, numbers = arrays["title_term_ends"], arrays["title_term_numbers"]
    if ends.dtype != np.int64 or ends.shape != (papers,) or numbers.dtype != np.int32:
        raise ValueError("bad title terms")
    if numbers.ndim != 1 or (papers and ends[-1] != len(numbers)) or np.any(np.diff(ends) < 0):
        raise ValueError("bad title terms")
    if len(numbers) and (numbers.min() < 0 or numbers.max() >= vocabulary):
        raise ValueError("bad title terms")
    return TitleTerms(ends, numbers)


def write_arrays(stream: BinaryIO, arrays: dict[str, np.ndarray]) -> None:
    """`arrays` as an uncompressed `.npz` (numpy reads it as its own), each array's data at a
    multiple of 64 bytes from the start of the file, so that `map_arrays` can use it in place."""
    with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            member = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_STORED
            header = _npy_header(array)
            # zipfile writes a 20-byte zip64 field after the extra field it is given.
            before = stream.tell() + _LOCAL_HEADER.size + len(member.filename.encode()) + 20
            padding = (-(before + 4 + len(header))) % _ALIGNMENT
            member.extra = struct.pack("<HH", _PADDING_FIELD, padding) + bytes(padding)
            with archive.open(member, "w", force_zip64=True) as out:
                out.write(header)
                out.write(_contiguous(array).data)


def _npy_header(array: np.ndarray) -> bytes:
    """The `.npy` header of `array` (format 1.0, or 2.0 for a very long shape)."""
    buffer = BytesIO()
    header = np.lib.format.header_data_from_array_1_0(_contiguous(array))
    try:
        np.lib.format.write_array_header_1_0(buffer, header)
    except ValueError:  # a header too long for format 1.0
        buffer = BytesIO()
        np.lib.format.write_array_header_2_0(buffer, header)
    return buffer.getvalue()


def _contiguous(array: np.ndarray) -> np.ndarray:
    """`array` in C order, keeping its shape (a 0-d array stays one)."""
    return array if array.flags.c_contiguous else array.copy(order="C")


def map_arrays(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an uncompressed `.npz` file, mapped from it read-only (copied only where
    another writer left one unaligned). `ValueError` for anything but plain stored arrays."""
    arrays: dict[str, np.ndarray] = {}
    with open(path, "rb") as raw, zipfile.ZipFile(raw) as archive:
        members = archive.infolist()
        mapped = mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ)
        for member in members:
            if member.compress_type != zipfile.ZIP_STORED or not member.filename.endswith(".npy"):
                raise ValueError("not a stored array")
            fields = _LOCAL_HEADER.unpack_from(mapped, member.header_offset)
            if fields[0] != _LOCAL_SIGNATURE:
                raise ValueError("bad member header")
            start = member.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1]
            raw.seek(start)
            version = np.lib.format.read_magic(raw)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(raw)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(raw)
            if dtype.hasobject or fortran:
                raise ValueError("not a plain array")
            offset = raw.tell()
            count = int(np.prod(shape, dtype=np.int64))
            if offset + count * dtype.itemsize > start + member.file_size:
                raise ValueError("array runs past its member")
            array = np.frombuffer(mapped, dtype=dtype, count=count, offset=offset).reshape(shape)
            arrays[member.filename[: -len(".npy")]] = array if array.flags.aligned else array.copy()
    return arrays


def release_mapped(arrays: dict[str, np.ndarray]) -> None:
    """Hand the pages of the mapped file that checking the arrays read back to the operating
    system: they stay in its file cache, and come back when a question reads them. Without
    this, every page of a large index would count towards the process's memory at start."""
    for array in arrays.values():
        base: object = array
        while isinstance(base, np.ndarray):
            base = base.base
        if isinstance(base, memoryview) and isinstance(base.obj, mmap.mmap):
            if hasattr(mmap, "MADV_DONTNEED"):  # Linux, macOS; elsewhere pages stay mapped
                base.obj.madvise(mmap.MADV_DONTNEED)
            return


def _changed_texts(kind: str, originals: list[str], cleaned: list[str]) -> dict[str, np.ndarray]:
    """The cleaned texts that differ from the corpus's own (most are the same, and are then
    taken from the corpus when read: never stored, decoded or held twice), and which they are."""
    changed = [a != b for a, b in zip(originals, cleaned, strict=True)]
    return {
        f"{kind}_changed": np.array(changed, dtype=bool).reshape(-1),
        f"{kind}s": text_array(
            _SEPARATOR.join(c for c, d in zip(cleaned, changed, strict=True) if d)
        ),
    }


def _cleaned(arrays: dict[str, np.ndarray], kind: str, originals: list[str]) -> list[str]:
    """The cleaned texts `_changed_texts` stored, the unchanged ones taken from `originals`."""
    changed = arrays[f"{kind}_changed"]
    if changed.dtype != np.bool_ or changed.shape != (len(originals),):
        raise ValueError("paper counts disagree")
    count = int(changed.sum())
    stored = array_text(arrays[f"{kind}s"]).split(_SEPARATOR) if count else []
    if len(stored) != count:
        raise ValueError("paper counts disagree")
    texts = list(originals)
    for number, text in zip(np.flatnonzero(changed).tolist(), stored, strict=True):
        texts[number] = text
    return texts


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


def text_array(text: str) -> np.ndarray:
    """`text` as a byte array (what an .npz file holds without pickling)."""
    return np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)


def array_text(array: np.ndarray) -> str:
    """The text `text_array` stored; a ValueError for anything else."""
    if array.dtype != np.uint8 or array.ndim != 1:
        raise ValueError("not a byte array")
    return array.tobytes().decode("utf-8", "surrogatepass")


def _prefix(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {prefix + name: value for name, value in arrays.items()}


def _prefixed(arrays: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    return {name[len(prefix) :]: value for name, value in arrays.items() if name.startswith(prefix)}
