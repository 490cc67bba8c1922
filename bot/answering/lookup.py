"""Finding a paper by id or title, the way a person types it: exact, prefix, or close enough.

When no one paper is meant, the lookup says why: several titles match (the candidates, most
relevant first), or none does (the papers related to what was typed, by the retriever's ranking
of titles and abstracts, and titles spelt alike). Nothing unrelated is ever suggested.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process, utils

from bot.index.documents import PaperText
from bot.text.normalise import normalise
from bot.text.stopwords import ENGLISH_STOPWORDS

if TYPE_CHECKING:
    from bot.index.retriever import Retriever

_ACCEPT = 75  # a fuzzy score this high, clearly ahead of the next one, is taken as the paper
_CLEAR_LEAD = 15
_SUGGEST = 50
_ALIKE_WORD = 80  # a typed word this close to a title word (0-100) is that word misspelt
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Lookup:
    """The paper a query names; else `near`: the candidates (when `matched` titles match the
    query, more than one) or the suggestions related to it (when `matched` is 0; maybe none)."""

    paper: PaperText | None
    near: tuple[PaperText, ...] = ()
    matched: int = 0


def find_paper(retriever: Retriever, query: str, suggestions: int = 5) -> Lookup:
    papers = retriever.papers
    wanted = normalise(query)
    if not wanted:
        return Lookup(None, tuple(papers[:suggestions]))
    for paper in papers:
        if wanted in (normalise(paper.id), normalise(paper.title), normalise(paper.record.title)):
            return Lookup(paper)
    words = set(_WORDS.findall(wanted))
    matching = [
        p
        for p in papers
        if normalise(p.title).startswith(wanted)
        or normalise(p.id).startswith(wanted)
        or (words and words <= set(_WORDS.findall(normalise(f"{p.title} {p.id}"))))
    ]
    if len(matching) == 1:
        return Lookup(matching[0])
    relevant = _by_relevance(retriever, query, len(papers))
    if matching:
        order = {paper.id: place for place, paper in enumerate(relevant)}
        matching.sort(key=lambda p: order.get(p.id, len(order)))  # stable: then corpus order
        return Lookup(None, tuple(matching[:suggestions]), matched=len(matching))
    alike = [
        (paper, score)
        for paper, score in rank_titles(papers, query, limit=max(suggestions, 2))
        if _shares_a_word(wanted, paper)
    ]
    if alike:
        (best, best_score), runner_up = alike[0], alike[1][1] if len(alike) > 1 else 0.0
        if best_score >= _ACCEPT and best_score - runner_up >= _CLEAR_LEAD:
            return Lookup(best)
    near = relevant + [p for p, score in alike if score >= _SUGGEST and p not in relevant]
    return Lookup(None, tuple(near[:suggestions]))


def _by_relevance(retriever: Retriever, query: str, limit: int) -> list[PaperText]:
    """The papers whose title or abstract shares terms with `query`, most relevant first."""
    return [ranked.paper for ranked in retriever.ask(query, top=1, papers=limit).papers]


def _shares_a_word(wanted: str, paper: PaperText) -> bool:
    """Whether a word of `wanted` (not a stop word) is, or is a misspelling of, a title word."""
    typed = [w for w in _WORDS.findall(wanted) if w not in ENGLISH_STOPWORDS]
    title = set(_WORDS.findall(normalise(f"{paper.title} {paper.id}"))) - ENGLISH_STOPWORDS
    return any(word in title or _misspelt(word, title) for word in typed)


def _misspelt(word: str, title: set[str]) -> bool:
    return len(word) >= 4 and any(fuzz.ratio(word, other) >= _ALIKE_WORD for other in title)


def rank_titles(
    papers: Sequence[PaperText], query: str, limit: int = 25
) -> list[tuple[PaperText, float]]:
    """Papers whose title (or id) resembles `query`, best first, with a 0-100 score."""
    choices = {index: f"{paper.title} {paper.id}" for index, paper in enumerate(papers)}
    matches = process.extract(
        query, choices, scorer=_similarity, processor=utils.default_process, limit=limit
    )
    return [(papers[index], score) for _, score, index in matches]


def _similarity(query: str, title: str, **_: object) -> float:
    # Whole words in any order, or a misspelt word inside the title.
    return max(fuzz.token_set_ratio(query, title), fuzz.partial_token_sort_ratio(query, title))


def title_choices(papers: Sequence[PaperText], typed: str, limit: int = 25) -> list[PaperText]:
    """Autocomplete: every paper in corpus order when nothing is typed, else the closest titles."""
    if not typed.strip():
        return list(papers[:limit])
    typed_key = normalise(typed)
    starts = [p for p in papers if normalise(p.title).startswith(typed_key)]
    contains = [p for p in papers if typed_key in normalise(p.title) and p not in starts]
    fuzzy = [p for p, score in rank_titles(papers, typed, limit) if score >= _SUGGEST]
    ordered = list(dict.fromkeys(starts + contains + fuzzy))
    return ordered[:limit]
