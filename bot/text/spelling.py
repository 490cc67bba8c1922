"""Correcting typos in questions against the corpus's own words ("contrastve" -> "contrastive").

A word is corrected only when it is neither a corpus word nor an English word (SymSpell's bundled
English frequency list), and a frequent corpus word lies within one edit (words of up to five
letters) or two. Correct words, acronyms and short words are never changed. The words that frame a
question (what, which, where, ...) are candidates too, ahead of any corpus word as close: "waht"
is "what", never "want".
"""

from __future__ import annotations

import importlib.resources
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

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


def words_of(text: str) -> list[str]:
    return [normalise(word) for word in _WORD.findall(text)]


@lru_cache(maxsize=1)
def _dictionary_words() -> tuple[str, ...]:
    """SymSpell's English words, the most frequent first (the order of its list)."""
    dictionary = importlib.resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    with dictionary.open(encoding="utf-8") as lines:
        return tuple(line.split(maxsplit=1)[0] for line in lines if line.strip())


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    return frozenset(_dictionary_words())


@lru_cache(maxsize=4)
def everyday_words(count: int) -> tuple[str, ...]:
    """The `count` most frequent English words, in alphabetical order (to look up by prefix)."""
    return tuple(sorted(_dictionary_words()[:count]))


class SpellingCorrector:
    def __init__(self, corpus_texts: Iterable[str]) -> None:
        counts = Counter(word for text in corpus_texts for word in words_of(text))
        self._corpus_words = frozenset(counts)
        self._symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
        for word, count in counts.items():
            if count >= MIN_CORPUS_COUNT and len(word) >= 2:
                self._symspell.create_dictionary_entry(word, count)
        for word in ENGLISH_STOPWORDS:
            if word.isalpha() and len(word) >= 3:
                self._symspell.create_dictionary_entry(word, _FRAME_WORD_COUNT)
        for word in _QUESTION_WORDS:
            self._symspell.create_dictionary_entry(word, 10 * _FRAME_WORD_COUNT)

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
