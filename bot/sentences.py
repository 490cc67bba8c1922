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
    _, offsets = blingfire.text_to_sentences_and_offsets(text)
    sentences = [text[start:end].strip() for start, end in offsets]
    return [s for s in sentences if s]
