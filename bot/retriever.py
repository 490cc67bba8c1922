"""Finding the sentences and papers that answer a question.

Every sentence of every abstract is a BM25 document; every paper is one too (title terms repeated,
so a question naming a paper's title finds it). A sentence's final score adds a share of its
paper's score to its own, so that the best snippet comes from the paper that answers best and a
question that names only a title still gets that paper's sentences.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.analysis import Analyzer
from bot.answer import Answer, Hit, RankedPaper
from bot.bm25 import BM25Index, top_positive
from bot.corpus import Corpus
from bot.documents import PaperText, prepare
from bot.spelling import SpellingCorrector


@dataclass(frozen=True)
class RankingParams:
    """Every ranking parameter, in one place."""

    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25
    title_weight: int = 2  # a paper's title terms count this many times in its paper document
    title_share: float = 1.0  # share of the title-only score added to a paper's score
    paper_share: float = 0.3  # share of the paper's score added to each of its sentences
    sentence_share: float = 1.0  # share of a paper's best sentence score added to the paper
    # At least this share of the question's terms must occur in the corpus, or nothing is
    # relevant: "Who won the world cup in 2022?" must not answer with a citation year.
    min_known_share: float = 0.5


@dataclass(frozen=True)
class CorpusStats:
    papers: int
    sentences: int
    vocabulary: int


class Retriever:
    """Answers questions about one corpus. Safe to call from several threads."""

    def __init__(self, corpus: Corpus, params: RankingParams | None = None) -> None:
        self.corpus = corpus
        self.params = params or RankingParams()
        self.papers: tuple[PaperText, ...] = tuple(prepare(p) for p in corpus.papers)
        self._by_id = {paper.id: paper for paper in self.papers}
        analyzer = Analyzer()
        sentence_docs: list[list[str]] = []
        sentence_paper: list[int] = []
        self._sentences: list[str] = []
        paper_docs: list[list[str]] = []
        title_docs: list[list[str]] = []
        for number, paper in enumerate(self.papers):
            title_docs.append(analyzer.terms(paper.title))
            paper_doc = title_docs[-1] * self.params.title_weight
            for sentence in paper.sentences:
                terms = analyzer.terms(sentence)
                sentence_docs.append(terms)
                sentence_paper.append(number)
                self._sentences.append(sentence)
                paper_doc.extend(terms)
            paper_docs.append(paper_doc)
        bm25 = {"k1": self.params.k1, "b": self.params.b, "epsilon": self.params.epsilon}
        self._sentence_index = BM25Index(sentence_docs, **bm25)
        self._paper_index = BM25Index(paper_docs, **bm25)
        self._title_index = BM25Index(title_docs, **bm25)
        self._sentence_paper = np.asarray(sentence_paper, dtype=np.int64)
        self._vocabulary = {term for doc in paper_docs for term in doc}
        self._analyzer = analyzer
        self._analyzer_lock = threading.Lock()
        self._corrector: SpellingCorrector | None = None  # built on the first unknown word
        self._corrector_lock = threading.Lock()

    @property
    def stats(self) -> CorpusStats:
        return CorpusStats(len(self.papers), len(self._sentences), len(self._vocabulary))

    def paper(self, paper_id: str) -> PaperText | None:
        return self._by_id.get(paper_id)

    def analyse(self, text: str) -> list[str]:
        with self._analyzer_lock:
            return self._analyzer.terms(text)

    def ask(self, question: str, top: int = 3, papers: int = 10) -> Answer:
        """The `top` best sentences and `papers` best papers for `question` (empty if none fit)."""
        terms = self.analyse(question)
        searched_for = None
        if any(term not in self._vocabulary for term in terms):
            corrected = self.spelling().correct(question)
            if corrected != question:
                searched_for, terms = corrected, self.analyse(corrected)
        if not self._is_answerable(terms):
            return Answer(question=question, searched_for=searched_for)
        sentence_scores = self._sentence_index.scores(terms)
        paper_scores = self._paper_index.scores(terms)
        paper_scores += self.params.title_share * self._title_index.scores(terms)
        combined = sentence_scores + self.params.paper_share * paper_scores[self._sentence_paper]
        hits = tuple(
            self._hit(rank, index, score, terms)
            for rank, (index, score) in enumerate(top_positive(combined, top), start=1)
        )
        ranked = self._rank_papers(paper_scores, sentence_scores, papers)
        return Answer(question=question, hits=hits, papers=ranked, searched_for=searched_for)

    def spelling(self) -> SpellingCorrector:
        with self._corrector_lock:
            if self._corrector is None:
                texts = (text for paper in self.papers for text in (paper.title, paper.abstract))
                self._corrector = SpellingCorrector(texts)
            return self._corrector

    def _is_answerable(self, terms: Sequence[str]) -> bool:
        if not terms:
            return False
        distinct = set(terms)
        known = sum(term in self._vocabulary for term in distinct)
        return known > 0 and known >= self.params.min_known_share * len(distinct)

    def _rank_papers(
        self, paper_scores: np.ndarray, sentence_scores: np.ndarray, limit: int
    ) -> tuple[RankedPaper, ...]:
        best_sentence = np.zeros_like(paper_scores)
        np.maximum.at(best_sentence, self._sentence_paper, sentence_scores)
        combined = paper_scores + self.params.sentence_share * best_sentence
        return tuple(
            RankedPaper(rank=rank, paper=self.papers[index], score=score)
            for rank, (index, score) in enumerate(top_positive(combined, limit), start=1)
        )

    def _hit(self, rank: int, index: int, score: float, query_terms: Sequence[str]) -> Hit:
        sentence = self._sentences[index]
        wanted = set(query_terms)
        with self._analyzer_lock:
            spans = list(self._analyzer.spans(sentence))
        matched = {term for span in spans for term in span.terms if term in wanted}
        return Hit(
            rank=rank,
            paper=self.papers[int(self._sentence_paper[index])],
            sentence=sentence,
            score=score,
            matched_terms=tuple(term for term in dict.fromkeys(query_terms) if term in matched),
            highlights=tuple(
                (span.start, span.end) for span in spans if wanted.intersection(span.terms)
            ),
        )
