"""Finding the sentences and papers that answer a question.

Every sentence of every abstract is a BM25 document; every paper is one too (title terms repeated,
so a question naming a paper's title finds it). A sentence's final score adds to its own a share
of its paper's score, so that the best snippet comes from the paper that answers best and a
question that names only a title still gets that paper's sentences, and a share of its
neighbours' (context), with a mild preference for the later sentences of an abstract, where
findings are stated.

A question does not score every sentence of a large corpus. The papers are scored first (there
are fewer of them), and with them an upper bound of what each paper's sentences can reach: the
paper's share plus, for every question term the paper holds, the most that term gives any
sentence. The exact scores of the sentences of the few best-scoring papers set a floor for the
best `top`; only the sentences of papers whose bound reaches the floor can be among
them, and only those are scored, exactly as scoring every sentence would (the same numbers,
added in the same order, so the same passages in the same order, ties included). Where the
bounds leave too many papers, every sentence is scored.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

import numpy as np

from bot.corpus.papers import Corpus, Paper
from bot.index import kernels
from bot.index.answer import Answer, Hit, RankedPaper
from bot.index.bm25 import BM25Index, PreparedQuery, kth_best, top_positive
from bot.index.catalogue import Catalogue
from bot.index.documents import PaperText, prepare, stacked_bounds
from bot.text.analysis import Analyzer
from bot.text.spelling import SpellingCorrector, english_words, everyday_words, word_counts

if TYPE_CHECKING:
    from bot.index.semantic import SemanticStage

# Corpora of at least this many sentences are searched through their papers' bounds (see the
# module's docstring), as long as that leaves at most this share of the sentences to score.
_PRUNING_MIN_SENTENCES = 2_000
_PRUNED_MAX_SHARE = 1 / 8
# The floor comes from the sentences of this many of the best-scoring papers.
_FLOOR_PAPERS = 8
# Room for rounding: the bound is computed in another order than a sentence's score.
_BOUND_SLACK = 1 + 1e-9
# Corpora of this many sentences or more use numba's compiled loops, if installed (see kernels).
_COMPILED_MIN_SENTENCES = 100_000
# The first build of a corpus of this many papers or more shows a progress bar (on a terminal).
_PROGRESS_MIN_PAPERS = 2_000


@dataclass(frozen=True)
class RankingParams:
    """Every ranking parameter, in one place.

    Chosen on SciFact's training split only (`benchmarks/tune_ranking.py` reproduces the choice);
    `paperbot eval` reports what they give.
    """

    # Sentences: rank_bm25's BM25Okapi. Sentences are short and similar in length, so length
    # normalisation matters less (low b) and a repeated word saturates sooner (low k1).
    sentence_k1: float = 0.9
    sentence_b: float = 0.3
    epsilon: float = 0.25
    # Papers: BM25 over the title (counted title_weight times) and the abstract, with an idf
    # that stays positive in a corpus of a few papers.
    paper_k1: float = 1.4
    paper_b: float = 0.7
    title_weight: int = 2
    # A sentence's score: its own BM25 score, raised by up to position_weight towards the end of
    # its abstract (where findings are stated), plus neighbour_share of its better neighbour's
    # score and paper_share of its paper's score. SciFact's claims restate findings and gain
    # still more from a position weight of 0.5; people also ask what a thing *is*, answered early
    # in an abstract, so the weight stays milder.
    position_weight: float = 0.3
    neighbour_share: float = 0.2
    paper_share: float = 2.0  # in units of each index's largest idf (see Retriever)
    # In a question, the joined form of a hyphenated word ("best-of-N" -> bestofn) counts this
    # much beside its parts, which already carry the word.
    joined_form_weight: float = 0.25
    # At least this share of the question's terms must occur in the corpus, or nothing is
    # relevant: "Who won the world cup in 2022?" must not answer with a citation year.
    min_known_share: float = 0.5
    # ... where, in a question that holds a word of the papers' own (no everyday word), a word
    # the papers lack but everyday English uses (one of its most frequent everyday_words)
    # counts this much: people ask in their own plain words ("does RLHF make the model
    # worse?"), while a rare word the papers lack ("sourdough") is off their topics.
    everyday_words: int = 10_000
    everyday_unknown_weight: float = 0.5


@dataclass(frozen=True)
class CorpusStats:
    papers: int
    sentences: int
    vocabulary: int


@dataclass(frozen=True)
class TitleTerms:
    """The terms of each paper's title (as a question's are analysed), as term numbers of the
    index's vocabulary: paper i's are numbers[ends[i - 1]:ends[i]]."""

    ends: np.ndarray  # int64, one per paper
    numbers: np.ndarray  # int32


@dataclass(frozen=True)
class IndexParts:
    """What a corpus is turned into before it can answer: built once, or read from the cache.

    Everything a first question needs is here, so that no question builds anything: the facts
    a question can name (the catalogue), the spelling corrector and the titles' terms.
    """

    papers: tuple[PaperText, ...]
    # Every sentence's (start, end) in its paper's abstract, in sentence_index order.
    sentence_bounds: np.ndarray
    # One document per sentence, papers in order; its vocabulary is the paper index's.
    sentence_index: BM25Index
    paper_index: BM25Index  # one document per paper
    catalogue: Catalogue
    spelling: SpellingCorrector
    title_terms: TitleTerms


def build_parts(corpus: Corpus, params: RankingParams) -> IndexParts:
    analyzer = Analyzer()
    papers: list[PaperText] = []
    sentence_docs: list[list[str]] = []
    paper_docs: list[list[str]] = []
    title_terms: list[list[str]] = []
    for paper in _with_progress(corpus.papers):
        text = prepare(paper)
        papers.append(text)
        paper_doc = analyzer.terms(text.title) * params.title_weight
        title_terms.append(list(analyzer.query_weights(text.title)))
        for sentence in text.sentences:
            terms = analyzer.terms(sentence)
            sentence_docs.append(terms)
            paper_doc.extend(terms)
        paper_docs.append(paper_doc)
    paper_index = BM25Index(paper_docs, k1=params.paper_k1, b=params.paper_b, idf="lucene")
    del paper_docs
    spelling = SpellingCorrector.from_counts(
        word_counts(text for paper in papers for text in (paper.title, paper.abstract))
    )
    return IndexParts(
        papers=tuple(papers),
        sentence_bounds=stacked_bounds(papers),
        sentence_index=BM25Index(
            sentence_docs,
            k1=params.sentence_k1,
            b=params.sentence_b,
            epsilon=params.epsilon,
            vocabulary=paper_index.vocabulary,  # every sentence term is in its paper
        ),
        paper_index=paper_index,
        catalogue=Catalogue.of(papers, corpus.venues, vocabulary=spelling.corpus_words),
        spelling=spelling,
        title_terms=_numbered(title_terms, paper_index.vocabulary),
    )


def _numbered(terms: Sequence[Sequence[str]], vocabulary: Mapping[str, int]) -> TitleTerms:
    """Each paper's title terms as term numbers. With a title weight of at least one (the
    default is two) every title term is indexed; one that is not could match no question term
    the index knows either, and is left out."""
    numbers = [[vocabulary[t] for t in paper if t in vocabulary] for paper in terms]
    counts = np.fromiter(map(len, numbers), np.int64, len(numbers))
    flat = np.fromiter((n for paper in numbers for n in paper), np.int32, int(counts.sum()))
    return TitleTerms(ends=np.cumsum(counts), numbers=flat)


def _with_progress(papers: Sequence[Paper]) -> Iterable[Paper]:
    """The papers, with a progress bar on stderr for a large corpus when it is a terminal."""
    if len(papers) < _PROGRESS_MIN_PAPERS:
        return papers
    from tqdm import tqdm

    return tqdm(papers, desc="indexing papers", unit=" papers", disable=None, leave=False)


class Retriever:
    """Answers questions about one corpus. Safe to call from several threads."""

    def __init__(
        self,
        corpus: Corpus,
        params: RankingParams | None = None,
        *,
        parts: IndexParts | None = None,
        semantic: SemanticStage | None = None,
        compiled_loops: bool = True,
    ) -> None:
        """`compiled_loops`: search a large corpus with numba's loops (see kernels), worth their
        import to a process that answers many questions, never to one that answers one."""
        self.corpus = corpus
        self.semantic = semantic  # the optional semantic stage (`bot.index.semantic`)
        self.params = params = params or RankingParams()
        parts = parts or build_parts(corpus, params)
        if parts.sentence_index.vocabulary is not parts.paper_index.vocabulary:
            raise ValueError("the sentence and paper indexes must share one vocabulary")
        self.papers = parts.papers
        self._by_id = {paper.id: paper for paper in self.papers}
        self._number_of = {paper.id: number for number, paper in enumerate(self.papers)}
        self._sentence_index = parts.sentence_index
        self._paper_index = parts.paper_index
        self._bounds = parts.sentence_bounds
        counts = np.fromiter((p.sentence_count for p in self.papers), np.int64, len(self.papers))
        self._sentence_counts = counts
        self._first_sentence = np.cumsum(counts) - counts
        self._sentence_paper = np.repeat(np.arange(len(self.papers), dtype=np.int32), counts)
        firsts = np.repeat(self._first_sentence, counts)
        place = np.arange(len(self._bounds)) - firsts
        del firsts
        position = place / np.maximum(counts[self._sentence_paper] - 1, 1)
        del place
        self._position_boost = 1.0 + params.position_weight * position
        del position
        # What a sentence's own score and its neighbours' can add, at most, per unit of score
        # (bounds are taken only where the shares make them valid: see `_pruned_top`).
        self._own_share = max(1.0, float(self._position_boost.max(initial=1.0)))
        self._bounds_hold = params.neighbour_share >= 0 and self._position_boost.min(initial=0) >= 0
        same_paper = self._sentence_paper[1:] == self._sentence_paper[:-1]
        share = params.neighbour_share
        self._previous_weight = share * np.concatenate(([False], same_paper))  # has one before
        self._next_weight = share * np.concatenate((same_paper, [False]))  # has one after
        # The two scores grow with the log of their index's size (idf); measured in units of
        # each index's largest idf they stay comparable from six papers to thousands.
        self._paper_share = params.paper_share * (
            _largest_idf(len(self._bounds), "okapi") / _largest_idf(len(self.papers), "lucene")
        )
        if compiled_loops and len(self._bounds) >= _COMPILED_MIN_SENTENCES:
            kernels.load_compiled()  # numba's loops, if installed: ready before a question
        self._analyzer = Analyzer()
        self._analyzer_lock = threading.Lock()
        # Built with the index (or read with it from the cache), never by a question.
        self._corrector = parts.spelling
        self._catalogue = parts.catalogue
        self._title_terms = parts.title_terms
        if len(self._title_terms.ends) != len(self.papers):
            raise ValueError("the title terms must be the papers'")
        english_words()  # read here, once, rather than by the first question that needs it

    @property
    def stats(self) -> CorpusStats:
        vocabulary = self._paper_index.vocabulary_size  # every term is in some paper
        return CorpusStats(len(self.papers), len(self._bounds), vocabulary)

    def paper(self, paper_id: str) -> PaperText | None:
        return self._by_id.get(paper_id)

    def analyse(self, text: str) -> dict[str, float]:
        """The question's terms with their weights (see `Analyzer.query_weights`)."""
        with self._analyzer_lock:
            return self._analyzer.query_weights(text, self.params.joined_form_weight)

    def ask(
        self,
        question: str,
        top: int = 3,
        papers: int = 10,
        *,
        only: Collection[str] | None = None,
    ) -> Answer:
        """The `top` best sentences and `papers` best papers for `question` (empty if none fit).

        `only`, when given, is the ids of the papers to answer from: hits and papers come from
        those alone (unknown ids are ignored), ranked as they would be among all papers.
        """
        weights, searched_for = self.search_terms(question)
        terms = list(weights)
        if self.semantic is not None:
            return self._ask_fused(
                self.semantic, question, weights, searched_for, top, papers, only
            )
        if not self.is_answerable(terms):
            return Answer(question=question, searched_for=searched_for)
        allowed = None if only is None else self._allowed(only)
        paper_scores, most = self._paper_scores(weights)
        if allowed is not None:
            paper_scores[~allowed] = 0.0  # neither listed nor lifting their sentences
        best_papers = top_positive(paper_scores, max(papers, _FLOOR_PAPERS))
        floor_papers = np.sort(np.array([i for i, _ in best_papers[:_FLOOR_PAPERS]], np.int64))
        best = self._top_sentences(weights, paper_scores, most, top, allowed, floor_papers)
        hits = tuple(
            self._hit(rank, index, score, terms) for rank, (index, score) in enumerate(best, 1)
        )
        ranked = tuple(
            RankedPaper(rank=rank, paper=self.papers[index], score=score)
            for rank, (index, score) in enumerate(best_papers[: max(papers, 0)], start=1)
        )
        return Answer(question=question, hits=hits, papers=ranked, searched_for=searched_for)

    def _ask_fused(
        self,
        stage: SemanticStage,
        question: str,
        weights: dict[str, float],
        searched_for: str | None,
        top: int,
        papers: int,
        only: Collection[str] | None,
    ) -> Answer:
        """`ask` with the semantic stage: BM25's candidates fused with the question's meaning."""
        terms = list(weights)
        allowed = None if only is None else self._allowed(only)
        by_words = self.is_answerable(terms)
        paper_scores = np.zeros(len(self.papers))
        best: list[tuple[int, float]] = []
        if by_words:
            paper_scores, most = self._paper_scores(weights)
            if allowed is not None:
                paper_scores[~allowed] = 0.0
            wanted = max(stage.params.candidates, top)
            best_papers = top_positive(paper_scores, _FLOOR_PAPERS)
            floor_papers = np.sort(np.array([i for i, _ in best_papers], np.int64))
            best = self._top_sentences(weights, paper_scores, most, wanted, allowed, floor_papers)
        fused = None
        if terms:  # a question of no words (or only stop words) means nothing
            text = searched_for or question
            fused = stage.fuse(
                text,
                paper_scores,
                best,
                self._sentence_paper,
                allowed,
                by_words=by_words,
                bm25_paper_share=self._paper_share,
            )
        if fused is None:
            return Answer(question=question, searched_for=searched_for)
        hits = tuple(
            self._hit(rank, index, score, terms)
            for rank, (index, score) in enumerate(fused.sentences[: max(top, 0)], 1)
        )
        ranked = tuple(
            RankedPaper(rank=rank, paper=self.papers[index], score=score)
            for rank, (index, score) in enumerate(fused.papers[: max(papers, 0)], start=1)
        )
        return Answer(question=question, hits=hits, papers=ranked, searched_for=searched_for)

    def search_terms(self, question: str) -> tuple[dict[str, float], str | None]:
        """The weighted terms `ask` searches for, and the corrected question when typos were."""
        weights = self.analyse(question)
        if any(term not in self._paper_index for term in weights):
            corrected = self.spelling().correct(question)
            if corrected != question:
                return self.analyse(corrected), corrected
        return weights, None

    def is_known(self, term: str) -> bool:
        """Whether some paper holds `term` (an analysed term)."""
        return term in self._paper_index

    def paper_share(self, term: str) -> float:
        """The share of the papers that hold `term`: 0 for an unknown term, 1 for one in all."""
        return self._paper_index.document_frequency(term) / max(len(self.papers), 1)

    def paper_scores(self, weights: Mapping[str, float]) -> dict[str, float]:
        """Each paper that matches `weights` (paper id -> its BM25 score, above zero)."""
        scores = self._paper_index.weighted_scores(weights)
        return {self.papers[i].id: float(scores[i]) for i in np.flatnonzero(scores > 0)}

    def titled(self, terms: Collection[str]) -> set[str]:
        """The ids of the papers whose title holds any of `terms` (analysed terms)."""
        vocabulary = self._paper_index.vocabulary
        wanted = [vocabulary[term] for term in terms if term in vocabulary]
        if not wanted:
            return set()
        places = np.flatnonzero(np.isin(self._title_terms.numbers, wanted))
        holders = np.searchsorted(self._title_terms.ends, places, side="right")
        return {self.papers[number].id for number in np.unique(holders).tolist()}

    def _paper_scores(self, weights: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray | None]:
        """Every paper's score, and, in the same pass, the most a sentence of each paper can
        score on its own: the largest weight in a sentence of each question term the paper
        holds, added in question order (each term's real weight in a sentence is at most that,
        and rounding keeps the order, so the bound holds exactly). None instead of the bound
        where a term has none (a negative idf, which rank_bm25's floor can give)."""
        terms = self._paper_index.weighted_terms(weights)
        query = self._paper_index.prepared(terms)
        largest = np.zeros(len(terms))
        for row, (number, weight) in enumerate(terms):  # one vocabulary: the same numbers
            if not self._sentence_index.doc_freq(number):
                continue  # a word of titles only: no sentence has it
            most = self._sentence_index.max_weight(number)
            if most is None or weight < 0 or not self._bounds_hold or self._paper_share < 0:
                return query.scores(), None
            largest[row] = weight * most
        return query.scores_and_bounds(largest)

    def _allowed(self, only: Collection[str]) -> np.ndarray:
        allowed = np.zeros(len(self.papers), dtype=bool)
        numbers = [self._number_of[i] for i in only if i in self._number_of]
        allowed[numbers] = True
        return allowed

    def _top_sentences(
        self,
        weights: Mapping[str, float],
        paper_scores: np.ndarray,
        most: np.ndarray | None,
        top: int,
        allowed: np.ndarray | None,
        floor_papers: np.ndarray,
    ) -> list[tuple[int, float]]:
        """The `top` best sentences by their combined score: (sentence number, score)."""
        if top <= 0:
            return []
        terms = self._sentence_index.weighted_terms(weights)
        if most is not None and len(self._bounds) >= _PRUNING_MIN_SENTENCES:
            found = self._pruned_top(terms, paper_scores, most, top, allowed, floor_papers)
            if found is not None:
                return found
        combined = self._paper_share * paper_scores
        combined = combined[self._sentence_paper]
        own = self._sentence_index.weighted_scores(weights)
        combined += own * self._position_boost
        combined += self._neighbour_scores(own)
        if allowed is not None:
            combined[~allowed[self._sentence_paper]] = 0.0
        return top_positive(combined, top)

    def _pruned_top(
        self,
        terms: Sequence[tuple[int, float]],
        paper_scores: np.ndarray,
        most: np.ndarray,
        top: int,
        allowed: np.ndarray | None,
        floor_papers: np.ndarray,
    ) -> list[tuple[int, float]] | None:
        """`_top_sentences` from the sentences of the papers that can reach the best `top`;
        None where they are too many. `most`: what a sentence of each paper can score on its
        own, at most; `floor_papers`: a few papers likely to hold the best sentences
        (ascending), whose sentences set the floor."""
        query = self._sentence_index.prepared(terms)
        sentences = self._sentences_of(floor_papers)
        floor = kth_best(self._combined(sentences, query, paper_scores), top)
        # A sentence's score is at most its paper's share plus its own and its better
        # neighbour's, each at most `most` (the slack covers the rounding of another order).
        reach = self._own_share + self.params.neighbour_share
        chosen = kernels.reaching(paper_scores, most, self._paper_share, reach, _BOUND_SLACK, floor)
        if allowed is not None:
            chosen = chosen[allowed[chosen]]
        if self._sentence_counts[chosen].sum() > _PRUNED_MAX_SHARE * len(self._bounds):
            return None
        sentences = self._sentences_of(chosen)
        best = top_positive(self._combined(sentences, query, paper_scores), top)
        return [(int(sentences[i]), score) for i, score in best]

    def _sentences_of(self, papers: np.ndarray) -> np.ndarray:
        """Every sentence number of `papers` (ascending paper numbers), ascending."""
        counts = self._sentence_counts[papers]
        offsets = np.repeat(self._first_sentence[papers] - (np.cumsum(counts) - counts), counts)
        return offsets + np.arange(int(counts.sum()))

    def _combined(
        self, sentences: np.ndarray, query: PreparedQuery, paper_scores: np.ndarray
    ) -> np.ndarray:
        """The combined scores of `sentences` (whole papers, ascending), bit for bit those of
        `_top_sentences`' every-sentence pass: the same operations in the same order."""
        own = query.scores_of(sentences)
        combined: np.ndarray = self._paper_share * paper_scores[self._sentence_paper[sentences]]
        combined += own * self._position_boost[sentences]
        # Neighbours within the same paper are next to each other here too; across papers the
        # weights are zero, as in `_neighbour_scores`.
        after = np.empty_like(own)
        np.multiply(own[1:], self._next_weight[sentences[:-1]], out=after[:-1])
        after[-1:] = 0.0
        before = own[:-1] * self._previous_weight[sentences[1:]]
        np.maximum(after[1:], before, out=after[1:])
        combined += after
        return combined

    def spelling(self) -> SpellingCorrector:
        """The corrector of the corpus's words (built with the index: nothing waits here)."""
        return self._corrector

    def catalogue(self) -> Catalogue:
        """The corpus's authors, venues and years, arranged to be found in questions (built
        with the index: nothing waits here)."""
        return self._catalogue

    def is_answerable(self, terms: Sequence[str]) -> bool:
        """Whether enough of a question's terms occur in the corpus for any answer to fit."""
        # A number (a year, a count) says nothing of what a question is about: "who won the 2022
        # World Cup?" shares only its year with papers of 2022.
        distinct = {term for term in terms if not term.isdigit()}
        if not distinct:
            return False
        known = sum(term in self._paper_index for term in distinct)
        if known == len(distinct):
            return True
        # Plain words count less only beside a word of the papers' own (no everyday word):
        # "how do penguins keep warm?" shares nothing with them but "keep".
        own_word = any(t in self._paper_index and not self._is_everyday(t) for t in distinct)
        everyday_weight = self.params.everyday_unknown_weight if own_word else 1.0
        unknown = sum(
            everyday_weight if self._is_everyday(term) else 1.0
            for term in distinct
            if term not in self._paper_index
        )
        return known > 0 and known >= self.params.min_known_share * (known + unknown)

    def _is_everyday(self, term: str) -> bool:
        """Whether `term` is the stem of one of the most frequent English words: looked up among
        the words that start as it does (a stem is its word's start, but for its last letter:
        "happi" for "happy")."""
        words = everyday_words(self.params.everyday_words)
        start = term[:-1] or term
        with self._analyzer_lock:
            for word in islice(words, bisect.bisect_left(words, start), None):
                if not word.startswith(start):
                    return False
                if term in self._analyzer.terms(word):
                    return True
        return False

    def _neighbour_scores(self, scores: np.ndarray) -> np.ndarray:
        """neighbour_share times the better score of each sentence's neighbours in its paper."""
        # In place, on arrays one element apart, with the masks already scaled by the share:
        # this runs over every sentence of the corpus for every question.
        after = np.empty_like(scores)
        np.multiply(scores[1:], self._next_weight[:-1], out=after[:-1])
        after[-1:] = 0.0
        before = scores[:-1] * self._previous_weight[1:]
        np.maximum(after[1:], before, out=after[1:])
        return after

    def _hit(self, rank: int, index: int, score: float, query_terms: Sequence[str]) -> Hit:
        paper = self.papers[int(self._sentence_paper[index])]
        start, end = self._bounds[index].tolist()
        sentence = paper.abstract[start:end]
        wanted = set(query_terms)
        with self._analyzer_lock:
            spans = list(self._analyzer.spans(sentence))
        matched = {term for span in spans for term in span.terms if term in wanted}
        return Hit(
            rank=rank,
            paper=paper,
            sentence=sentence,
            score=score,
            matched_terms=tuple(term for term in dict.fromkeys(query_terms) if term in matched),
            highlights=tuple(
                (span.start, span.end) for span in spans if wanted.intersection(span.terms)
            ),
        )


def _largest_idf(size: int, kind: str) -> float:
    """The idf of a term found in one document of `size` (as `bot.index.bm25` computes it)."""
    if kind == "lucene":
        return math.log(1 + (size - 0.5) / 1.5)
    return max(math.log((size - 0.5) / 1.5), 1e-9) if size > 1 else 1.0
