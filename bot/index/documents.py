"""A paper as shown and searched: cleaned title and abstract, and the abstract's sentences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bot.corpus.papers import Paper
from bot.text.cleaning import latex_to_text
from bot.text.sentences import sentence_spans


@dataclass(frozen=True)
class PaperText:
    record: Paper  # the paper as the corpus gives it
    title: str  # cleaned: "Best-of-$N$" -> "Best-of-N"
    abstract: str  # cleaned
    # Each sentence's (start, end) in `abstract`, a row each (see `sentence_bounds`). Sentences
    # are kept as places, not strings, so that a large corpus holds its text once.
    bounds: np.ndarray = field(compare=False, repr=False)

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def sentences(self) -> tuple[str, ...]:
        return tuple(self.abstract[start:end] for start, end in self.bounds.tolist())

    @property
    def sentence_count(self) -> int:
        return len(self.bounds)

    @classmethod
    def joined(cls, paper: Paper, title: str, sentences: Sequence[str]) -> PaperText:
        """A paper whose abstract is `sentences` joined by spaces."""
        spans, start = [], 0
        for sentence in sentences:
            spans.append((start, start + len(sentence)))
            start += len(sentence) + 1
        return cls(paper, title, " ".join(sentences), sentence_bounds(spans))


def sentence_bounds(spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """(start, end) pairs as a read-only array of shape (sentences, 2)."""
    bounds = np.array(spans, dtype=np.int32).reshape(-1, 2)
    bounds.flags.writeable = False
    return bounds


def stacked_bounds(papers: Sequence[PaperText]) -> np.ndarray:
    """Every sentence's (start, end) in its abstract, paper after paper, as one read-only array."""
    stacked = np.concatenate([p.bounds for p in papers] or [np.zeros((0, 2), np.int32)])
    stacked.flags.writeable = False
    return stacked


def prepare(paper: Paper) -> PaperText:
    abstract = latex_to_text(paper.abstract)
    return PaperText(
        record=paper,
        title=latex_to_text(paper.title),
        abstract=abstract,
        bounds=sentence_bounds(sentence_spans(abstract)),
    )
