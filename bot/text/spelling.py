"""Correcting typos in questions against the corpus's own words ("contrastve" -> "contrastive").

A word is corrected only when it is neither a corpus word nor an English word (SymSpell's bundled
English frequency list), and a frequent corpus word lies within one edit (words of up to five
letters) or two. Correct words, acronyms and short words are never changed. The words that frame a
question (what, which, where, ...) are candidates too, ahead of any corpus word as close: "waht"
is "what", never "want".

Building the corrector (every deletion of every word, SymSpell's index) takes seconds on a large
corpus, so it is built once with the search index and stored beside it as plain arrays
(`to_arrays` / `from_arrays`): read back, the deletions stay in the mapped arrays and are looked
up by binary search, so a corrector is ready at once and answers exactly as the one built.
"""

from __future__ import annotations

import importlib.resources
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache

import numpy as np
from symspellpy import SymSpell, Verbosity

from bot.text.normalise import normalise
from bot.text.stopwords import ENGLISH_STOPWORDS

_WORD = re.compile(r"[^\W\d_]+")
MIN_WORD_LENGTH = 4
MIN_CORPUS_COUNT = 2  # a corpus word seen at least this often may be a correction
# Stop words win a tie with any corpus word at the same distance: counted as this often; the
# question words win a tie with other stop words ("wich" is "which", not "with").
_FRAME_WORD_COUNT = 10**12
_QUESTION_WORDS = ("what", "which", "who", "whom", "whose", "where", "when", "why", "how")
_MAX_EDIT_DISTANCE = 2
_PREFIX_LENGTH = 7
_JOINER = "\n"  # between stored words: a word is letters only


def words_of(text: str) -> list[str]:
    return [normalise(word) for word in _WORD.findall(text)]


@lru_cache(maxsize=1)
def _dictionary_words() -> tuple[str, ...]:
    """SymSpell's English words, the most frequent first (the order of its list)."""
    dictionary = importlib.resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    # One "word count" pair a line: the text split once, every other field (part of start-up:
    # ten times faster than reading it line by line).
    fields = dictionary.read_text(encoding="utf-8").split()
    if len(fields) % 2:
        raise ValueError(f"{dictionary.name}: a line without its count")
    return tuple(fields[::2])


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    return frozenset(_dictionary_words())


@lru_cache(maxsize=4)
def everyday_words(count: int) -> tuple[str, ...]:
    """The `count` most frequent English words, in alphabetical order (to look up by prefix)."""
    return tuple(sorted(_dictionary_words()[:count]))


def word_counts(texts: Iterable[str]) -> Counter[str]:
    """How often each word (`words_of`) occurs in `texts`, in the order first seen."""
    return Counter(word for text in texts for word in words_of(text))


class SpellingCorrector:
    def __init__(self, corpus_texts: Iterable[str]) -> None:
        self._init(word_counts(corpus_texts))

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> SpellingCorrector:
        """The corrector of a corpus whose words (`word_counts`) are `counts`."""
        corrector = cls.__new__(cls)
        corrector._init(counts)
        return corrector

    def _init(self, counts: Mapping[str, int]) -> None:
        self._corpus_words = frozenset(counts)
        self._symspell = SymSpell(
            max_dictionary_edit_distance=_MAX_EDIT_DISTANCE, prefix_length=_PREFIX_LENGTH
        )
        for word, count in counts.items():
            if count >= MIN_CORPUS_COUNT and len(word) >= 2:
                self._symspell.create_dictionary_entry(word, count)
        for word in sorted(ENGLISH_STOPWORDS):  # sorted: ties resolve the same in every run
            if word.isalpha() and len(word) >= 3:
                self._symspell.create_dictionary_entry(word, _FRAME_WORD_COUNT)
        for word in _QUESTION_WORDS:
            self._symspell.create_dictionary_entry(word, 10 * _FRAME_WORD_COUNT)

    @property
    def corpus_words(self) -> frozenset[str]:
        """Every word of the corpus (`words_of` its titles and abstracts)."""
        return self._corpus_words

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The corrector as plain arrays (no Python objects): `from_arrays` reads them back."""
        words = list(self._symspell.words)
        number = {word: n for n, word in enumerate(words)}
        deletes = sorted(self._symspell.deletes.items())
        suggestions = [number[word] for _, found in deletes for word in found]
        lengths = np.fromiter((len(found) for _, found in deletes), np.int64, len(deletes))
        return {
            "corpus_words": _joined(self._corpus_words),
            "words": _joined(words),
            "counts": np.fromiter(self._symspell.words.values(), np.int64, len(words)),
            "deletes": np.array([key for key, _ in deletes], dtype=np.str_).reshape(-1),
            "delete_ends": np.cumsum(lengths),
            "suggestions": np.array(suggestions, dtype=np.int32).reshape(-1),
        }

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, np.ndarray], corpus_words: frozenset[str] | None = None
    ) -> SpellingCorrector:
        """The corrector `to_arrays` stored (`corpus_words`, when given, stands for the stored
        set of them, to share one set). ValueError when the arrays are not such."""
        words = _split(arrays["words"])
        counts = arrays["counts"]
        deletes, ends, suggestions = arrays["deletes"], arrays["delete_ends"], arrays["suggestions"]
        if counts.dtype != np.int64 or counts.shape != (len(words),):
            raise ValueError("bad spelling counts")
        if deletes.dtype.kind != "U" or deletes.ndim != 1 or ends.shape != deletes.shape:
            raise ValueError("bad spelling deletions")
        if ends.dtype != np.int64 or suggestions.dtype != np.int32 or suggestions.ndim != 1:
            raise ValueError("bad spelling deletions")
        if len(ends) and (ends[-1] != len(suggestions) or np.any(np.diff(ends) < 0)):
            raise ValueError("bad spelling deletions")
        if len(suggestions) and (suggestions.min() < 0 or suggestions.max() >= len(words)):
            raise ValueError("bad spelling deletions")
        corrector = cls.__new__(cls)
        corrector._corpus_words = (
            corpus_words if corpus_words is not None else frozenset(_split(arrays["corpus_words"]))
        )
        symspell = SymSpell(
            max_dictionary_edit_distance=_MAX_EDIT_DISTANCE, prefix_length=_PREFIX_LENGTH
        )
        # What `SymSpell.lookup` reads, put back in place of what create_dictionary_entry
        # builds (symspellpy is pinned; tests compare the two on every kind of typo).
        symspell._words = dict(zip(words, counts.tolist(), strict=True))
        symspell._max_length = max(map(len, words), default=0)
        symspell._deletes = _StoredDeletes(deletes, ends, suggestions, words)
        corrector._symspell = symspell
        return corrector

    def correct(self, question: str) -> str:
        """`question` with each misspelt word replaced; unchanged when nothing needs it."""
        return _WORD.sub(lambda m: self._correct_word(m.group()), question)

    def _correct_word(self, word: str) -> str:
        folded = normalise(word)
        if (
            len(word) < MIN_WORD_LENGTH
            or sum(ch.isupper() for ch in word) > 1  # acronyms: BYOL, NASA
            or folded in self._corpus_words
            or folded in english_words()
        ):
            return word
        max_distance = 1 if len(word) <= 5 else 2
        suggestions = self._symspell.lookup(
            folded, Verbosity.CLOSEST, max_edit_distance=max_distance
        )
        if not suggestions:
            return word
        best: str = suggestions[0].term
        return best.capitalize() if word[0].isupper() else best


class _StoredDeletes(Mapping[str, list[str]]):
    """SymSpell's deletions (a deletion -> the words it comes from, in SymSpell's order), read
    from sorted arrays by binary search instead of a dictionary built at start."""

    def __init__(
        self, keys: np.ndarray, ends: np.ndarray, suggestions: np.ndarray, words: list[str]
    ) -> None:
        self._keys = keys
        self._ends = ends
        self._suggestions = suggestions
        self._words = words

    def _find(self, key: object) -> int:
        if not isinstance(key, str) or len(self._keys) == 0:
            return -1
        at = int(np.searchsorted(self._keys, key))
        return at if at < len(self._keys) and self._keys[at] == key else -1

    def __contains__(self, key: object) -> bool:
        return self._find(key) >= 0

    def __getitem__(self, key: str) -> list[str]:
        at = self._find(key)
        if at < 0:
            raise KeyError(key)
        start = int(self._ends[at - 1]) if at else 0
        return [self._words[n] for n in self._suggestions[start : int(self._ends[at])].tolist()]

    def __iter__(self) -> Iterator[str]:
        return (str(key) for key in self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _joined(words: Iterable[str]) -> np.ndarray:
    return np.frombuffer(_JOINER.join(words).encode("utf-8"), dtype=np.uint8)


def _split(array: np.ndarray) -> list[str]:
    if array.dtype != np.uint8 or array.ndim != 1:
        raise ValueError("not a byte array")
    text = array.tobytes().decode("utf-8")
    return text.split(_JOINER) if text else []
