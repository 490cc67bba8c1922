"""Finding a paper by id or title, the way a person types it: exact, prefix, or close enough."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from bot.search.documents import PaperText
from bot.text.normalise import normalise

_ACCEPT = 75  # a fuzzy score this high, clearly ahead of the next one, is taken as the paper
_CLEAR_LEAD = 15
_SUGGEST = 50
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Lookup:
    paper: PaperText | None
    near: tuple[PaperText, ...] = ()


def find_paper(papers: Sequence[PaperText], query: str, suggestions: int = 5) -> Lookup:
    wanted = normalise(query)
    if not wanted:
        return Lookup(None, tuple(papers[:suggestions]))
    for paper in papers:
        if wanted in (normalise(paper.id), normalise(paper.title), normalise(paper.paper.title)):
            return Lookup(paper)
    prefixed = [
        p
        for p in papers
        if normalise(p.title).startswith(wanted) or normalise(p.id).startswith(wanted)
    ]
    if len(prefixed) == 1:
        return Lookup(prefixed[0])
    words = set(_WORDS.findall(wanted))
    containing = [p for p in papers if words <= set(_WORDS.findall(normalise(f"{p.title} {p.id}")))]
    if len(containing) == 1:
        return Lookup(containing[0])
    ranked = rank_titles(papers, query, limit=max(suggestions, 2))
    if ranked:
        best_score = ranked[0][1]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if best_score >= _ACCEPT and best_score - runner_up >= _CLEAR_LEAD:
            return Lookup(ranked[0][0])
    near = prefixed or containing or [paper for paper, score in ranked if score >= _SUGGEST]
    return Lookup(None, tuple(near[:suggestions]))


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
