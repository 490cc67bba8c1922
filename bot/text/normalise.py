"""The one way paperbot reduces text before comparing or counting it.

Feedback counts questions, the evaluation compares sentences and titles, the importer spots
duplicate titles, the lookup matches what a person typed, spelling collects the corpus's words
and Discord replies put text on one line: each asks `normalise` with the options it needs.
Questions compare names and venues `fold`ed; ids and citation keys are made of `to_ascii` text.
"""

from __future__ import annotations

import re
import unicodedata

# What `words=` keeps: runs of letters and digits, or of word characters (underscores too).
LETTERS_AND_DIGITS = re.compile(r"[^\W_]+")
WORD_CHARACTERS = re.compile(r"\w+")


def normalise(
    text: str,
    *,
    casefold: bool = True,
    compatibility: bool = False,
    strip_accents: bool = False,
    words: re.Pattern[str] | None = None,
) -> str:
    """`text` with runs of whitespace made one space and its ends trimmed, and also:

    casefold       case ignored: "BYOL" and "byol" are one.
    compatibility  Unicode compatibility forms (NFKC): "ﬁ" is "fi", a full-width "Ａ" is "A".
    strip_accents  compatibility forms decomposed (NFKD) and accents dropped: "é" is "e".
    words          only what this pattern finds (e.g. LETTERS_AND_DIGITS), one space apart, so
                   punctuation is ignored.
    """
    if strip_accents:
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    elif compatibility:
        text = unicodedata.normalize("NFKC", text)
    if casefold:
        text = text.casefold()
    return " ".join(words.findall(text) if words is not None else text.split())


def fold(text: str) -> str:
    """Lower case without accents, one space apart: " Schölkopf  " -> "scholkopf"."""
    return normalise(text, strip_accents=True)


def to_ascii(text: str) -> str:
    """`text` in ASCII: accents dropped, and what has no ASCII form left out ("Schölkopf" ->
    "Scholkopf", "Straße" -> "Strae"), for ids and citation keys that stay the same."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
