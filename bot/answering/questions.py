"""Answering a question, whatever it asks: the one entry point of every front end.

A question about the papers themselves (who wrote what, when, where, how to cite it, how many) is
answered from the corpus's metadata (`bot.answering.facets`); every other question is searched
in the abstracts' sentences as before. Filters and a topic go together: "Yuanzhi Li's papers on
self-supervised learning" lists the papers by Yuanzhi Li that the topic search finds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import zip_longest

from bot.answering.chat import answer_chat, read_chat
from bot.answering.facets import Facets, parse
from bot.index.answer import Answer, Hit, RankedPaper, Understood
from bot.index.catalogue import paper_year
from bot.index.documents import PaperText
from bot.index.retriever import Retriever
from bot.text.normalise import fold

# A paper is about a list's topic when it scores at least this share of the best paper's score.
TOPIC_SHARE = 0.5
_WORDS = re.compile(r"\w+")
# "X vs Y": found by its word, then each side read to the punctuation around it (a pattern
# with the sides in it would try every start of the question: slow on long ones).
_VERSUS = re.compile(r"\s+(?:vs\.?|versus|compared (?:to|with))\s+", re.IGNORECASE)
_CLAUSE_END = re.compile(r"[,;:?!.]")
_BETWEEN = re.compile(
    r"\bdifferences? between\s+(?P<a>[^,;:?!.]+?)\s+and\s+(?P<b>[^,;:?!.]+)", re.IGNORECASE
)


def answer_question(
    retriever: Retriever,
    question: str,
    *,
    top: int = 3,
    papers: int = 10,
    about: Sequence[str] = (),
) -> Answer:
    """The answer to `question`: passages, a list of papers, one paper's fact, or none.

    `about`: ids of the papers a conversation is about, used when the question asks about "the
    paper" or a fact without naming a paper of its own.
    """
    request = read_chat(question)
    if request is not None:
        chatted = answer_chat(retriever, request, question, about=about)
        if chatted is not None:
            return chatted
    facets = parse(question, retriever.catalogue())
    about_the_papers = _about_the_papers(retriever, question, facets, about)
    if about_the_papers is not None:
        return about_the_papers
    only = about if about and facets.one_paper else None
    answer = retriever.ask(question, top=top, papers=papers, only=only)
    sides = two_topics(answer.searched_for or question)
    if sides is None or not answer.hits:
        return answer
    return _each_side(retriever, answer, sides, top, only)


def answer_about_papers(
    retriever: Retriever, question: str, *, about: Sequence[str] = ()
) -> Answer | None:
    """The answer to a question about the papers themselves (a list, one paper's fact, or none
    such: "No papers by X here."); None for a question about what they say."""
    return _about_the_papers(retriever, question, parse(question, retriever.catalogue()), about)


def _about_the_papers(
    retriever: Retriever, question: str, facets: Facets, about: Sequence[str]
) -> Answer | None:
    catalogue = retriever.catalogue()
    if (
        catalogue.authors
        and facets.unknown_people
        and not facets.authors
        and (facets.wants_list or facets.person_cue)
    ):
        names = " and ".join(facets.unknown_people)
        return _none(question, facets, f"No papers by {names} here.")
    if facets.unknown_venues and not facets.venues and facets.wants_list:
        venue = " or ".join(facets.unknown_venues)
        return _none(question, facets, unknown_venue(venue))
    if facets.fact is not None and (
        facets.one_paper or facets.filters or about or _titled(retriever.papers, facets.topic)
    ):
        paper = _the_paper(retriever, facets, about)
        if paper is not None:
            understood = _understood(facets, topic=False)
            ranked = (RankedPaper(1, paper, 0.0),)
            return Answer(question, papers=ranked, kind="paper", understood=understood)
    listing = facets.count or (
        facets.filters
        and (
            facets.authors
            or facets.venues
            or facets.wants_list
            or facets.who_is
            or not facets.topic
        )
    )
    if listing:
        return _listing(retriever, question, facets)
    return None


def unknown_venue(venue: str) -> str:
    """What to say of a venue that neither the papers nor the table of common venues name."""
    return (
        f"“{venue}” is not a venue I know: no paper here names it, and neither does my list of "
        "common venues. The papers command lists every paper with its venue."
    )


def two_topics(question: str) -> tuple[str, str] | None:
    """The two things a question sets side by side ("contrastive vs non-contrastive learning",
    "the difference between X and Y"), or None."""
    between = _BETWEEN.search(question)
    if between is not None:
        sides = between.group("a", "b")
    else:
        versus = _VERSUS.search(question)
        if versus is None:
            return None
        sides = (
            _CLAUSE_END.split(question[: versus.start()])[-1],
            _CLAUSE_END.split(question[versus.end() :])[0],
        )
    first, second = (" ".join(side.split()) for side in sides)
    if not _WORDS.search(first) or not _WORDS.search(second):
        return None
    return first, second


def _each_side(
    retriever: Retriever,
    answer: Answer,
    sides: tuple[str, str],
    top: int,
    only: Sequence[str] | None,
) -> Answer:
    """The answer with its passages taken in turn from each side's own best ones."""
    found = [retriever.ask(side, top=top, papers=0, only=only).hits for side in sides]
    if not all(found):
        return answer
    hits: list[Hit] = []
    seen: set[tuple[str, str]] = set()
    for pair in zip_longest(*found):
        for hit in pair:
            if hit is not None and (hit.paper.id, hit.sentence) not in seen:
                seen.add((hit.paper.id, hit.sentence))
                hits.append(hit)
    chosen = tuple(replace(hit, rank=rank) for rank, hit in enumerate(hits[:top], start=1))
    return replace(answer, hits=chosen)


def _none(question: str, facets: Facets, message: str) -> Answer:
    return Answer(question, kind="none", understood=_understood(facets), message=message)


def _understood(facets: Facets, *, topic: bool = True) -> Understood:
    return Understood(
        authors=facets.people,
        people=tuple(name for group in facets.author_groups for name in group),
        venues=facets.venues,
        years=facets.years.describe() if facets.years else None,
        order=facets.order,
        topic=(facets.topic or None) if topic else None,
        fact=facets.fact,
        citation_style=facets.citation_style,
        count=facets.count,
    )


def _filtered(retriever: Retriever, facets: Facets) -> list[PaperText]:
    matching = [p for p in retriever.papers if facets.matches(p.record)]
    if facets.order and matching:
        years = {p.id: year for p in matching if (year := paper_year(p.record)) is not None}
        if years:
            pick = max if facets.order == "latest" else min
            wanted = pick(years.values())
            matching = [p for p in matching if years.get(p.id) == wanted]
    return matching


def _about_topic(
    retriever: Retriever, topic: str, candidates: Sequence[PaperText]
) -> list[tuple[PaperText, float]]:
    """The candidates the topic search finds, best first, close enough to the best."""
    found = retriever.ask(topic, top=1, papers=len(candidates), only={p.id for p in candidates})
    if not found.papers:
        return []
    best = found.papers[0].score
    return [(r.paper, r.score) for r in found.papers if r.score >= TOPIC_SHARE * best]


def _listing(retriever: Retriever, question: str, facets: Facets) -> Answer:
    matching = _filtered(retriever, facets)
    understood = _understood(facets)
    if not matching:
        what = understood.describe() or "like that"
        message = f"No papers {what} here."
        return Answer(question, kind="none", understood=understood, message=message)
    scored: list[tuple[PaperText, float | None]] = [(p, None) for p in matching]
    if facets.topic and not facets.count:
        scored = [
            (paper, score) for paper, score in _about_topic(retriever, facets.topic, matching)
        ]
        if not scored:
            filters = Understood(
                authors=understood.authors,
                venues=understood.venues,
                years=understood.years,
                order=understood.order,
            ).describe()
            message = f"None of the papers {filters} is about “{facets.topic}”."
            if not filters:
                message = f"No paper here is about “{facets.topic}”."
            return Answer(question, kind="none", understood=understood, message=message)
    ranked = tuple(
        RankedPaper(rank, paper, score if score is not None else 0.0)
        for rank, (paper, score) in enumerate(scored, start=1)
    )
    return Answer(question, papers=ranked, kind="papers", understood=understood)


def _titled(papers: Sequence[PaperText], topic: str) -> list[PaperText]:
    """The papers whose title has every word of `topic` ("Faster WIND")."""
    words = set(_WORDS.findall(fold(topic)))
    if not words:
        return []
    return [p for p in papers if words <= set(_WORDS.findall(fold(p.title)))]


def _the_paper(retriever: Retriever, facets: Facets, about: Sequence[str]) -> PaperText | None:
    """The one paper a fact question is about: named by filters, by its title or topic words,
    or else the paper the conversation is about."""
    candidates = _filtered(retriever, facets) if facets.filters else list(retriever.papers)
    if facets.topic:
        titled = _titled(candidates, facets.topic)
        if len(titled) == 1:
            return titled[0]
        found = _about_topic(retriever, facets.topic, candidates)
        if found:
            return found[0][0]
    if facets.filters and len(candidates) == 1:
        return candidates[0]
    for paper_id in about:
        paper = retriever.paper(paper_id)
        if paper is not None:
            return paper
    return None
