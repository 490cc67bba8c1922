"""Splitting cleaned abstracts into sentences.

BlingFire's model knows abbreviations ("et al.", "e.g."), decimals and URLs, and splits thousands
of abstracts per second, which keeps a cold start on a large corpus short.
"""

from __future__ import annotations


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Where the sentences of `text` stand, as (start, end) indices: in order, each stripped of
    surrounding white space, and together covering all of `text` but white space."""
    if not text.strip():
        return []
    import blingfire  # only when abstracts are split: not on a start from the index cache

    pieces = [s.strip() for s in blingfire.text_to_sentences(text).split("\n")]
    spans = _spans_in_order(text, [s for s in pieces if s])
    if spans is None:
        # BlingFire may normalise odd whitespace; its offsets always give the text itself
        # (but convert byte offsets in Python, which is several times slower).
        _, offsets = blingfire.text_to_sentences_and_offsets(text)
        spans = [span for span in (_stripped(text, *offset) for offset in offsets) if span]
    return spans


def _spans_in_order(text: str, sentences: list[str]) -> list[tuple[int, int]] | None:
    """Each sentence's place in `text`, found in order; None unless only white space is
    between, before and after them."""
    spans = []
    position = 0
    for sentence in sentences:
        found = text.find(sentence, position)
        if found < 0 or text[position:found].strip():
            return None
        position = found + len(sentence)
        spans.append((found, position))
    return None if text[position:].strip() else spans


def _stripped(text: str, start: int, end: int) -> tuple[int, int] | None:
    """`text[start:end]` without its leading and trailing white space; None if nothing is left."""
    piece = text[start:end]
    kept = piece.strip()
    if not kept:
        return None
    start += len(piece) - len(piece.lstrip())
    return start, start + len(kept)
