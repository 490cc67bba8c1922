"""The one analyzer applied to abstracts and questions alike.

Text -> Unicode NFKC -> word chunks -> lower case -> stop words out -> Snowball stems. Hyphenated
terms give their parts and the joined compound ("best-of-N" -> best, n, bestofn), so both
"non-contrastive" and "noncontrastive" find each other; acronym plurals lose their "s" before
stemming ("LLMs" -> llm); a negated term keeps only its compound ("non-contrastive" -> non,
noncontrast, so "contrastive" does not find its opposite); Greek letters are spelled out
("α-helix" -> alpha, helix).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from typing import NamedTuple, Protocol

import Stemmer

from bot.text.stopwords import ENGLISH_STOPWORDS

# Bumped whenever the tokens change, so a stored index built by an older analyzer is not reused.
ANALYZER_VERSION = 1

_WORD = r"(?:\d+(?:\.\d+)+|[^\W_]+(?:'[^\W_]+)*)"
# Hyphen-minus, hyphen and non-breaking hyphen join parts of one term; dashes do not.
_CHUNK = re.compile(rf"{_WORD}(?:[-\u2010\u2011]{_WORD})*")
_HYPHENS = re.compile(r"[-\u2010\u2011]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})
_GREEK = {
    ord(ch): unicodedata.name(ch).split()[-1].lower()
    for ch in map(chr, range(0x391, 0x3CA))
    if unicodedata.category(ch) in ("Lu", "Ll") and "GREEK" in unicodedata.name(ch, "")
}
_NEGATING_PREFIXES = frozenset({"non", "un", "anti"})
_CACHE_LIMIT = 500_000


class TermSpan(NamedTuple):
    """Where a word of a text stands and which index terms it yields (for highlighting)."""

    start: int
    end: int
    terms: tuple[str, ...]


class _Stemmer(Protocol):
    """The part of PyStemmer's Stemmer used here (PyStemmer ships no type information)."""

    maxCacheSize: int

    def stemWord(self, word: str) -> str: ...

    def stemWords(self, words: Sequence[str]) -> list[str]: ...


class Analyzer:
    """Turns text into index terms. Not thread-safe: build one per thread."""

    def __init__(self) -> None:
        self._stemmer: _Stemmer = Stemmer.Stemmer("english")
        self._stemmer.maxCacheSize = 0  # our own caches see every word once; PyStemmer's churns
        self._chunk_terms = _Cache(self._analyse_chunk)
        self._piece_terms = _Cache(self._analyse_piece)

    def terms(self, text: str) -> list[str]:
        """The index terms of `text`, in order, repeats kept (BM25 counts them)."""
        # Runs once per sentence of the corpus. No term spans white space, so the text is cut at
        # white space (fast, in C) and each distinct piece is analysed once, then cached.
        pieces = _normalise(text).split()
        return list(chain.from_iterable(map(self._piece_terms.__getitem__, pieces)))

    def query_weights(self, text: str, joined_form_weight: float = 1.0) -> dict[str, float]:
        """A question's terms, each weighted by how much of the question asks for it.

        A term counts once per occurrence, the joined form of a hyphenated word
        `joined_form_weight` (its parts already carry the word; the joined form is there to
        meet documents that write it joined), and repeats saturate (square root): naming a
        thing twice does not make it twice as important, as in classic BM25's query-term factor.
        """
        counts: dict[str, float] = {}
        for chunk in _CHUNK.findall(_normalise(text)):
            terms = self._chunk_terms[chunk]
            joined = self._joined_form(chunk) if len(terms) > 1 else None
            for term in terms:
                counts[term] = counts.get(term, 0.0) + (
                    joined_form_weight if term == joined else 1.0
                )
        return {term: math.sqrt(count) for term, count in counts.items()}

    def _joined_form(self, chunk: str) -> str | None:
        """The stem of a hyphenated word written as one ("best-of-N" -> bestofn), if it is one."""
        parts = [_fold_part(part) for part in _HYPHENS.split(chunk)]
        if len(parts) < 2 or parts[0] in _NEGATING_PREFIXES:
            return None  # a negated word's joined form is the word itself, not a duplicate
        return self._stemmer.stemWord("".join(part.replace("'", "") for part in parts))

    def spans(self, text: str) -> Iterator[TermSpan]:
        """Each word chunk of `text` with its terms, positions in `text` itself."""
        for match in _CHUNK.finditer(text.translate(_APOSTROPHES)):
            terms = self._chunk_terms[_normalise(match.group())]
            if terms:
                yield TermSpan(match.start(), match.end(), terms)

    def _analyse_piece(self, piece: str) -> tuple[str, ...]:
        chunks = _CHUNK.findall(piece)
        return tuple(chain.from_iterable(map(self._chunk_terms.__getitem__, chunks)))

    def _analyse_chunk(self, chunk: str) -> tuple[str, ...]:
        if chunk.isalnum():  # the common case: one plain word
            word = _fold_part(chunk)
            return () if word in ENGLISH_STOPWORDS else (self._stemmer.stemWord(word),)
        parts = [_fold_part(part) for part in _HYPHENS.split(chunk)]
        words = [part for part in parts if part and part not in ENGLISH_STOPWORDS]
        if len(parts) > 1 and parts[0] in _NEGATING_PREFIXES:
            # "non-contrastive" is the opposite of "contrastive": keep "non" and the compound only.
            words = words[:1]
        if len(parts) > 1:
            compound = "".join(part.replace("'", "") for part in parts)
            if compound and compound not in words:
                words.append(compound)
        return tuple(self._stemmer.stemWords(words)) if words else ()


class _Cache(dict[str, tuple[str, ...]]):
    """text -> terms, filled on first sight; emptied when it grows past its limit."""

    def __init__(self, analyse: Callable[[str], tuple[str, ...]]) -> None:
        super().__init__()
        self._analyse = analyse

    def __missing__(self, text: str) -> tuple[str, ...]:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        terms = self[text] = self._analyse(text)
        return terms


def _normalise(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    return text


def _fold_part(part: str) -> str:
    if "'" in part and part[-2:] in ("'s", "'S"):
        part = part[:-2]
    elif part[-1:] == "s" and len(part) >= 3 and part[:-1].isupper():
        part = part[:-1]  # acronym plural: LLMs -> LLM
    if not part.isascii():
        part = part.translate(_GREEK)
    return part.casefold()
