"""A paper as shown and searched: cleaned title and abstract, and the abstract's sentences."""

from __future__ import annotations

from dataclasses import dataclass

from bot.cleaning import latex_to_text
from bot.corpus import Paper
from bot.sentences import split_sentences


@dataclass(frozen=True)
class PaperText:
    paper: Paper
    title: str  # cleaned: "Best-of-$N$" -> "Best-of-N"
    abstract: str
    sentences: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.paper.id


def prepare(paper: Paper) -> PaperText:
    abstract = latex_to_text(paper.abstract)
    return PaperText(
        paper=paper,
        title=latex_to_text(paper.title),
        abstract=abstract,
        sentences=tuple(split_sentences(abstract)),
    )
