"""The answer to one question: plain data that every front end renders its own way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.index.documents import PaperText

Kind = Literal[
    "passages",
    "papers",
    "paper",
    "none",
    # Chat (see bot.answering.chat): a short reply in `message`; the papers with their key terms;
    # one paper's contribution; two papers side by side; the one paper to read on a topic.
    "chat",
    "topics",
    "summary",
    "comparison",
    "recommendation",
]
# The kinds whose `hits` are what they show, grouped by paper.
QUOTING_KINDS = ("passages", "summary", "comparison", "recommendation")
# One paper's fact a question can ask for (bot/answering/facets.py finds it).
Fact = Literal["cite", "arxiv", "doi", "code", "authors", "venue", "year", "link"]
# How a citation is written.
CitationStyle = Literal["bibtex", "apa"]
# A related paper is listed when its score is at least this share of the best paper's: papers
# far behind only share a common word with the question.
RELATED_SHARE = 0.5


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
    terms: tuple[str, ...] = ()  # its key terms, when the answer lists topics


@dataclass(frozen=True)
class Understood:
    """What a question was understood to ask about the papers themselves, to say back to it."""

    authors: tuple[str, ...] = ()  # each person named: "Yuanzhi Li", "Lena Okafor or Priya Okafor"
    # Every author name of the corpus that a person named may be: shown in each paper's byline.
    people: tuple[str, ...] = ()
    venues: tuple[str, ...] = ()  # venue names as the corpus writes them ("NeurIPS")
    years: str | None = None  # "2022", "2024 or later", "before 2023"
    order: Literal["latest", "oldest"] | None = None
    topic: str | None = None  # the words left once the facts were taken out
    fact: Fact | None = None  # one paper's fact asked: authors, year, venue, arxiv, doi, ...
    citation_style: CitationStyle = "bibtex"  # for fact "cite"
    count: bool = False  # "how many papers ...?"

    @property
    def filters(self) -> bool:
        return bool(self.authors or self.venues or self.years or self.order)

    def describe(self) -> str:
        """'by Yuanzhi Li, at NeurIPS, 2022, about self-supervised learning' (what was used)."""
        parts = []
        if self.authors:
            parts.append("by " + " and ".join(self.authors))
        if self.venues:
            parts.append("at " + " or ".join(self.venues))
        if self.years:
            parts.append(f"from {self.years}" if self.years[:1].isdigit() else self.years)
        if self.topic:
            parts.append(f"about “{self.topic}”")
        if self.order:
            parts.append(f"the {self.order}")
        return ", ".join(parts)

    def heading(self, count: int) -> str:
        """'4 papers by Yuanzhi Li:', '1 paper, the oldest:', '6 papers here:'."""
        noun = "paper" if count == 1 else "papers"
        what = self.describe()
        if not what:
            return f"{count} {noun} here:"
        return f"{count} {noun}{', ' if what.startswith('the ') else ' '}{what}:"


@dataclass(frozen=True)
class Answer:
    question: str
    hits: tuple[Hit, ...] = ()
    papers: tuple[RankedPaper, ...] = ()
    searched_for: str | None = None  # the question as searched, when typos were corrected
    # A follow-up's papers: the question was read as being about these (see search.conversation).
    following: tuple[PaperText, ...] = ()
    # "passages" (hits answer it), "papers" (a list: `papers` holds exactly the matches),
    # "paper" (one paper's fact: `papers` holds that paper), "none". Derived from `hits` when
    # not given.
    kind: Kind | None = None
    understood: Understood = field(default_factory=Understood)
    message: str | None = None  # said instead of a list or passages ("No papers by X here.")
    # "More" in a conversation: the question these are further passages of, and the passages
    # (paper id, sentence) shown for it before.
    more_of: str | None = None
    shown_before: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.kind is None:
            object.__setattr__(self, "kind", "passages" if self.hits else "none")

    @property
    def found(self) -> bool:
        return self.kind != "none"

    @property
    def shown_papers(self) -> tuple[PaperText, ...]:
        """The papers the answer shows, each once, in order."""
        if self.kind in QUOTING_KINDS:
            return tuple({hit.paper.id: hit.paper for hit in self.hits}.values())
        if self.kind in ("papers", "paper", "topics"):
            return tuple(ranked.paper for ranked in self.papers)
        return ()

    @property
    def related(self) -> tuple[RankedPaper, ...]:
        """Papers of a passages answer not already shown, close enough to the best paper."""
        if self.kind != "passages" or not self.papers:
            return ()
        shown = {paper.id for paper in self.shown_papers}
        best = self.papers[0].score
        return tuple(
            ranked
            for ranked in self.papers
            if ranked.paper.id not in shown and ranked.score >= RELATED_SHARE * best
        )

    def to_json(
        self, query_id: str | int | None = None, *, text: str | None = None
    ) -> dict[str, object]:
        """The CLI's JSON object; its keys are a contract that scripts rely on.

        `text` is the answer as the console prints it (`bot.render.plain.answer_json` gives it).
        """
        data: dict[str, Any] = {
            "id": query_id,
            "question": self.question,
            "kind": self.kind,
            "text": text,
            "hits": [
                {
                    "rank": hit.rank,
                    "paper_id": hit.paper.id,
                    "title": hit.paper.record.title,
                    "authors": list(hit.paper.record.authors),
                    "sentence": hit.sentence,
                    "score": hit.score,
                }
                for hit in self.hits
            ],
            "papers": [
                {
                    "rank": ranked.rank,
                    "paper_id": ranked.paper.id,
                    "title": ranked.paper.record.title,
                    "score": ranked.score,
                    **({"terms": list(ranked.terms)} if ranked.terms else {}),
                }
                for ranked in self.papers
            ],
            "following": [paper.id for paper in self.following],
        }
        if self.more_of is not None:
            data["more_of"] = self.more_of
        return data
