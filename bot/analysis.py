"""The one analyzer applied to abstracts and questions alike.

Text -> Unicode NFKC -> word chunks -> lower case -> stop words out -> Snowball stems. Hyphenated
terms give their parts and the joined compound ("best-of-N" -> best, n, bestofn), so both
"non-contrastive" and "noncontrastive" find each other; acronym plurals lose their "s" before
stemming ("LLMs" -> llm); a negated term keeps only its compound ("non-contrastive" -> non,
noncontrast, so "contrastive" does not find its opposite); Greek letters are spelled out
("α-helix" -> alpha, helix).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import Stemmer

from bot.stopwords import ENGLISH_STOPWORDS

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
_CHUNK_CACHE_LIMIT = 200_000


@dataclass(frozen=True)
class TermSpan:
    """Where a word of a text stands and which index terms it yields (for highlighting)."""

    start: int
    end: int
    terms: tuple[str, ...]


class Analyzer:
    """Turns text into index terms. Not thread-safe: build one per thread."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._chunk_terms: dict[str, tuple[str, ...]] = {}

    def terms(self, text: str) -> list[str]:
        """The index terms of `text`, in order, repeats kept (BM25 counts them)."""
        out: list[str] = []
        for chunk in _CHUNK.findall(_normalise(text)):
            out.extend(self._terms_of_chunk(chunk))
        return out

    def spans(self, text: str) -> Iterator[TermSpan]:
        """Each word chunk of `text` with its terms, positions in `text` itself."""
        for match in _CHUNK.finditer(text.translate(_APOSTROPHES)):
            terms = self._terms_of_chunk(_normalise(match.group()))
            if terms:
                yield TermSpan(match.start(), match.end(), terms)

    def _terms_of_chunk(self, chunk: str) -> tuple[str, ...]:
        cached = self._chunk_terms.get(chunk)
        if cached is None:
            cached = self._analyse_chunk(chunk)
            if len(self._chunk_terms) >= _CHUNK_CACHE_LIMIT:
                self._chunk_terms.clear()
            self._chunk_terms[chunk] = cached
        return cached

    def _analyse_chunk(self, chunk: str) -> tuple[str, ...]:
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


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)


def _fold_part(part: str) -> str:
    if part.endswith("'s") or part.endswith("'S"):
        part = part[:-2]
    elif len(part) >= 3 and part[-1] == "s" and part[:-1].isupper():
        part = part[:-1]  # acronym plural: LLMs -> LLM
    return part.translate(_GREEK).casefold()
