"""Follow-up questions: which papers a question asked in a conversation is about.

"Who wrote it?" after an answer about one paper is about that paper. A question is read with its
conversation when it points back (a pronoun such as "it" or "they", "this paper", "that one") or
has no topic of its own: once the words that ask *about* a paper (who wrote it, where it was
published, its code, its main result) and the words nearly every paper uses are set aside,
nothing is left that narrows the papers down. A question whose own words point to another paper
("what about the pruning paper?") starts afresh, and a question the papers cannot answer ("who
won the world cup?") stays unanswered, whatever came before.

The words that ask about a paper are a short list (`ABOUT_A_PAPER`); whether the words left name
a topic is asked of the corpus, through `CorpusKnowledge`: which terms it knows, and how many
papers hold them ("learning" names no topic where every paper is about learning).

`answer_in_conversation` is the one entry point the front ends call.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from bot.answering.chat import answer_chat, read_chat
from bot.answering.questions import answer_about_papers, answer_question
from bot.index.answer import QUOTING_KINDS, Answer, RankedPaper
from bot.index.documents import PaperText

if TYPE_CHECKING:
    from bot.index.retriever import Retriever

log = logging.getLogger(__name__)

# Words that ask about a paper rather than about what it says: its people, where and when it
# appeared, where to find it, what it found. They never name a topic.
ABOUT_A_PAPER = (
    "author authors wrote write written writes writer writers who "
    "publish published publication venue conference journal year appear appeared "
    "arxiv doi id ids identifier link links url pdf code github repository repo website page "
    "cite citation citations bibtex reference "
    "paper papers article work study "
    "main key result results finding findings find found show shows shown "
    "contribution contributions propose proposed claim claims conclude conclusion "
    "tell explain describe summary summarize summarise say says mean means idea "
    "more else detail details about one ones "
    "assume assumes assumption assumptions make makes made use uses used role "
    "limitation limitations weakness weaknesses drawback drawbacks future"
)
# A term in more than this share of the papers says nothing about which paper is meant.
GENERIC_SHARE = 0.5
# A question's topic stays with the conversation's papers when they score at least this share
# of the best paper's score for it.
STAYS_SHARE = 0.5
# A paper shown beside the top one is in the conversation too when its paper score is this close.
NEAR_TOP_SHARE = 0.8

_POINTING_BACK = re.compile(
    r"\b(?:it|its|it's|they|them|their|theirs|"
    r"(?:this|that|these|those|the same)\s+(?:one|ones|paper|papers|work|study|article|"
    r"method|model|approach|result|results|authors?)|the\s+(?:paper|authors?|article|study))\b"
    r"|\b(?:this|that|these|those)\s*[?.!]*$",
    re.IGNORECASE,
)


# A question for a list of papers ("which papers are from 2023?", "how many papers ...") is about
# the whole corpus, not about the previous answer.
_ASKS_FOR_PAPERS = re.compile(
    r"\b(?:papers|articles|publications|how many|list (?:all|every|the))\b", re.IGNORECASE
)


class CorpusKnowledge(Protocol):
    """What resolving a follow-up asks of the corpus (`Retriever` provides it)."""

    def search_terms(self, question: str) -> tuple[dict[str, float], str | None]: ...

    def analyse(self, text: str) -> dict[str, float]: ...

    def is_known(self, term: str) -> bool: ...

    def is_answerable(self, terms: Sequence[str]) -> bool: ...

    def paper_share(self, term: str) -> float: ...

    def paper_scores(self, weights: Mapping[str, float]) -> dict[str, float]: ...

    def titled(self, terms: Collection[str]) -> set[str]: ...


@dataclass(frozen=True)
class Turn:
    """One answered question of a conversation, as much as a follow-up needs of it."""

    question: str
    focus: tuple[str, ...]  # the ids of the papers the answer was about, best first
    # What "more" needs: the papers the question was searched in (none: all of them), and the
    # passages (paper id, sentence) shown for it so far; none for an answer without passages.
    about: tuple[str, ...] = ()
    shown: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class FollowUp:
    """How to answer a question in its conversation.

    `about` is empty for a question that stands alone; else the ids of the papers it follows up
    on, and the search is kept to them.
    """

    question_to_search: str
    about: tuple[str, ...] = ()
    note: str | None = None  # why, in a few words (for logs and tests)


def focus_of(answer: Answer, about: Sequence[str] = ()) -> tuple[str, ...]:
    """The papers a later follow-up on `answer` is about: the top snippet's paper, and others
    shown whose paper score is close to the top paper's; a follow-up's own papers otherwise."""
    if not answer.hits:
        return tuple(about) if about else tuple(p.paper.id for p in answer.papers[:1])
    scores = {ranked.paper.id: ranked.score for ranked in answer.papers}
    top = answer.hits[0].paper.id
    best = scores.get(top, 0.0)
    shown = dict.fromkeys(hit.paper.id for hit in answer.hits)
    return tuple(
        paper_id
        for paper_id in shown
        if paper_id == top or (best > 0 and scores.get(paper_id, 0.0) >= NEAR_TOP_SHARE * best)
    )


def points_back(question: str) -> bool:
    """Whether the question refers to something said before ("it", "they", "that paper")."""
    return _POINTING_BACK.search(question) is not None


def resolve(knowledge: CorpusKnowledge, question: str, turns: Sequence[Turn]) -> FollowUp:
    """How to answer `question` after `turns` (oldest first)."""
    previous = next((turn.focus for turn in reversed(turns) if turn.focus), ())
    alone = FollowUp(question)
    if not previous:
        return alone
    weights, _ = knowledge.search_terms(question)
    about_words = set(knowledge.analyse(ABOUT_A_PAPER))
    content = [term for term in weights if term not in about_words]
    if content and not knowledge.is_answerable(content):
        return FollowUp(question, note="its own words are not in the papers")
    if _ASKS_FOR_PAPERS.search(question) and not points_back(question):
        return FollowUp(question, note="it asks about the papers, not one answer")
    topic = {
        term: weights[term]
        for term in content
        if knowledge.is_known(term) and knowledge.paper_share(term) <= GENERIC_SHARE
    }
    scores = knowledge.paper_scores(topic) if topic else {}
    best = max(scores.values(), default=0.0)
    staying = max((scores.get(paper_id, 0.0) for paper_id in previous), default=0.0)
    if points_back(question) and (staying > 0 or not topic):
        return FollowUp(question, previous, "it refers to the previous answer")
    # "What do they prove?": a question that points back stays, unless its words name another
    # paper by its title ("and that pruning paper?"); a verb it shares with other abstracts
    # does not make it about them.
    if points_back(question) and not knowledge.titled(topic) - set(previous):
        return FollowUp(question, previous, "it refers to the previous answer")
    if not topic:
        return FollowUp(question, previous, "it has no topic of its own")
    if best > 0 and staying >= STAYS_SHARE * best:
        return FollowUp(question, previous, "its topic is in the previous answer's papers")
    return FollowUp(question, note="its topic is in other papers")


def answer_in_conversation(
    retriever: Retriever,
    question: str,
    turns: Sequence[Turn] = (),
    *,
    top: int = 3,
    papers: int = 10,
) -> Answer:
    """`question` answered with its conversation: a follow-up searches its papers alone, and the
    answer names them (`Answer.following`) even when none of its sentences fits the question.
    Chat ("thanks", "summarize it", "more") is answered with the conversation's papers."""
    request = read_chat(question)
    if request is not None and request.intent == "more":
        more = _more(retriever, question, turns, top, papers)
        if more is not None:
            return more
    if request is not None:
        previous = next((turn.focus for turn in reversed(turns) if turn.focus), ())
        chatted = answer_chat(retriever, request, question, about=previous)
        if chatted is not None:
            return chatted
    follow_up = resolve(retriever, question, turns)
    if follow_up.note:
        log.debug(
            "%r: %s (%s)", question, "a follow-up" if follow_up.about else "alone", follow_up.note
        )
    asked, about = follow_up.question_to_search, follow_up.about
    if not about:
        return answer_question(retriever, asked, top=top, papers=papers)
    found = answer_about_papers(retriever, asked, about=about)
    if found is not None and found.kind in ("paper", "papers"):  # a fact, or a list
        return replace(found, following=_papers(retriever, about))
    return _answer(retriever, asked, about, top, papers)  # passages of the followed papers


def more_passages(
    retriever: Retriever,
    question: str,
    *,
    about: Sequence[str] = (),
    shown: int,
    top: int = 3,
) -> Answer:
    """The `top` passages that come after the first `shown` of the same question's answer."""
    answer = _answer(retriever, question, tuple(about), shown + top, top)
    return replace(answer, hits=answer.hits[shown:])


def turn_of(answer: Answer) -> Turn:
    """What a conversation remembers of `answer`."""
    following = tuple(paper.id for paper in answer.following)
    focus = focus_of(answer, following)
    if answer.kind not in QUOTING_KINDS or not answer.hits:
        return Turn(answer.question, focus)
    shown = tuple((hit.paper.id, hit.sentence) for hit in answer.hits)
    if answer.more_of is not None:
        return Turn(answer.more_of, focus, following, answer.shown_before + shown)
    if answer.kind != "passages":  # a summary, comparison or recommendation: more of its papers
        papers = answer.shown_papers
        titles = " · ".join(paper.title for paper in papers)
        return Turn(titles, focus, tuple(paper.id for paper in papers), shown)
    return Turn(answer.searched_for or answer.question, focus, following, shown)


def _more(
    retriever: Retriever, question: str, turns: Sequence[Turn], top: int, papers: int
) -> Answer | None:
    """The next passages for the conversation's last question with passages, never one shown
    before; None when no question came before."""
    last = next((turn for turn in reversed(turns) if turn.shown), None)
    if last is None:
        return None
    shown = set(last.shown)
    answer = _answer(retriever, last.question, last.about, len(shown) + top, papers)
    fresh = [hit for hit in answer.hits if (hit.paper.id, hit.sentence) not in shown][:top]
    if not fresh:
        message = "That's all the papers say on it. Ask me something else!"
        return Answer(question, kind="chat", message=message)
    # Numbered on from those shown, as the console's :more and Discord's "More" number them.
    hits = tuple(replace(hit, rank=rank) for rank, hit in enumerate(fresh, start=len(shown) + 1))
    return replace(
        answer,
        question=question,
        hits=hits,
        searched_for=None,
        kind="passages",
        more_of=last.question,
        shown_before=last.shown,
    )


def _answer(
    retriever: Retriever, question: str, about: tuple[str, ...], top: int, papers: int
) -> Answer:
    if not about:
        return retriever.ask(question, top=top, papers=papers)
    answer = retriever.ask(question, top=top, papers=papers, only=about)
    following = _papers(retriever, about)
    if not answer.hits and following:
        # No sentence of those papers holds the follow-up's words ("what do they prove?"): show
        # the sentences most about their own subject, their titles searched within them.
        titles = " ".join(paper.title for paper in following)
        overview = retriever.ask(titles, top=top, papers=papers, only=about)
        answer = replace(overview, question=answer.question, searched_for=None)
    ranked = answer.papers or tuple(
        RankedPaper(rank=rank, paper=paper, score=0.0)
        for rank, paper in enumerate(following[:papers], start=1)
    )
    return replace(answer, papers=ranked, following=following)


def _papers(retriever: Retriever, paper_ids: Sequence[str]) -> tuple[PaperText, ...]:
    return tuple(p for p in map(retriever.paper, paper_ids) if p is not None)
