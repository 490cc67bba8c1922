"""The answer to one question: plain data that every front end renders its own way."""

from __future__ import annotations

from dataclasses import dataclass

from bot.search.documents import PaperText


@dataclass(frozen=True)
class Hit:
    """One best sentence, with the words that made it match."""

    rank: int
    paper: PaperText
    sentence: str
    score: float
    matched_terms: tuple[str, ...]
    highlights: tuple[tuple[int, int], ...]  # (start, end) of matching words in `sentence`


@dataclass(frozen=True)
class RankedPaper:
    rank: int
    paper: PaperText
    score: float


@dataclass(frozen=True)
class Answer:
    question: str
    hits: tuple[Hit, ...] = ()
    papers: tuple[RankedPaper, ...] = ()
    searched_for: str | None = None  # the question as searched, when typos were corrected
    # A follow-up's papers: the question was read as being about these (see search.conversation).
    following: tuple[PaperText, ...] = ()

    @property
    def found(self) -> bool:
        return bool(self.hits)

    def to_json(self, query_id: str | int | None = None) -> dict[str, object]:
        """The CLI's JSON object; its keys are a contract that scripts rely on."""
        return {
            "id": query_id,
            "question": self.question,
            "hits": [
                {
                    "rank": hit.rank,
                    "paper_id": hit.paper.id,
                    "title": hit.paper.paper.title,
                    "authors": list(hit.paper.paper.authors),
                    "sentence": hit.sentence,
                    "score": hit.score,
                }
                for hit in self.hits
            ],
            "papers": [
                {
                    "rank": ranked.rank,
                    "paper_id": ranked.paper.id,
                    "title": ranked.paper.paper.title,
                    "score": ranked.score,
                }
                for ranked in self.papers
            ],
            "following": [paper.id for paper in self.following],
        }
