"""Splitting cleaned abstracts into sentences.

BlingFire's model knows abbreviations ("et al.", "e.g."), decimals and URLs, and splits thousands
of abstracts per second, which keeps a cold start on a large corpus short.
"""

from __future__ import annotations

import blingfire


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, each stripped, in order; nothing of the text is dropped."""
    if not text.strip():
        return []
    sentences = [s.strip() for s in blingfire.text_to_sentences(text).split("\n")]
    sentences = [s for s in sentences if s]
    if not _are_consecutive_pieces(text, sentences):
        # BlingFire may normalise odd whitespace; its offsets always give the text itself
        # (but convert byte offsets in Python, which is several times slower).
        _, offsets = blingfire.text_to_sentences_and_offsets(text)
        sentences = [s for s in (text[start:end].strip() for start, end in offsets) if s]
    return sentences


def _are_consecutive_pieces(text: str, sentences: list[str]) -> bool:
    position = 0
    for sentence in sentences:
        found = text.find(sentence, position)
        if found < 0 or text[position:found].strip():
            return False
        position = found + len(sentence)
    return not text[position:].strip()
