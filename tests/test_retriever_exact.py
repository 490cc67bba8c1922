"""The answer path gives exactly what scoring every sentence gives: same passages, same order,
same scores, ties included, whichever way it gets there (papers' bounds or every sentence,
numpy's kernel or the compiled one), with and without `only`."""

import io
import random
import sys

import numpy as np
import pytest

from bot.corpus.papers import Corpus, Paper
from bot.index import kernels
from bot.index import retriever as retriever_module
from bot.index.bm25 import top_positive
from bot.index.retriever import Retriever

WORDS = [f"word{n}" for n in range(150)]

WAYS = {
    "every sentence": {"_PRUNING_MIN_SENTENCES": 10**9},
    "through the papers' bounds": {"_PRUNING_MIN_SENTENCES": 0, "_PRUNED_MAX_SHARE": 10.0},
    "bounds, falling back": {"_PRUNING_MIN_SENTENCES": 0, "_PRUNED_MAX_SHARE": 0.0},
    "bounds, one floor paper": {"_PRUNING_MIN_SENTENCES": 0, "_FLOOR_PAPERS": 1},
}
KERNELS = ["numpy", *(["compiled"] if kernels.compiled_available() else [])]


def _random_corpus(seed: int, papers: int = 120) -> Corpus:
    """Papers of 1-9 sentences over a Zipf-like vocabulary, with repeated sentences (ties)."""
    rng = random.Random(seed)
    weights = [1 / (n + 1) for n in range(len(WORDS))]
    records = []
    for number in range(papers):
        sentences = []
        for _ in range(rng.randint(1, 9)):
            if sentences and rng.random() < 0.1:
                sentences.append(sentences[-1])  # the same sentence twice: tied scores
            else:
                words = rng.choices(WORDS, weights, k=rng.randint(3, 14))
                sentences.append(" ".join(words).capitalize() + ".")
        title = " ".join(rng.choices(WORDS, weights, k=rng.randint(1, 5)))
        records.append(Paper(id=f"p{number}", title=title, abstract=" ".join(sentences)))
    return Corpus(tuple(records))


def _questions(seed: int, count: int = 40) -> list[str]:
    rng = random.Random(seed + 100)
    weights = [1 / (n + 1) ** 0.5 for n in range(len(WORDS))]
    return [" ".join(rng.choices(WORDS, weights, k=rng.randint(1, 7))) for _ in range(count)]


def _reference(retriever: Retriever, question: str, top: int, papers: int, only=None):
    """Today's scoring written out plainly: every sentence's own score (the index's dense
    scores, which the BM25 tests hold to rank_bm25), its paper's share, its position and its
    better neighbour, then the top by score, ties to the earlier sentence."""
    weights = retriever.analyse(question)
    params = retriever.params
    sentence_index, paper_index = retriever._sentence_index, retriever._paper_index
    own = sentence_index.weighted_scores(weights)
    paper_scores = paper_index.weighted_scores(weights)
    owner = retriever._sentence_paper
    combined = (retriever._paper_share * paper_scores)[owner]
    combined += own * retriever._position_boost
    neighbour = np.zeros_like(own)
    for i in range(own.size):
        after = own[i + 1] * params.neighbour_share if i + 1 < own.size else 0.0
        after = after if i + 1 < own.size and owner[i + 1] == owner[i] else 0.0
        before = own[i - 1] * params.neighbour_share if i > 0 and owner[i - 1] == owner[i] else 0
        neighbour[i] = max(after, before) if i > 0 else after
    combined += neighbour
    if only is not None:
        allowed = np.array([paper.id in only for paper in retriever.papers])
        combined[~allowed[owner]] = 0.0
        paper_scores[~allowed] = 0.0
    hits = [(retriever.papers[owner[i]].id, int(i), s) for i, s in top_positive(combined, top)]
    ranked = [(retriever.papers[i].id, s) for i, s in top_positive(paper_scores, papers)]
    return hits, ranked


def _found(retriever: Retriever, question: str, top: int, papers: int, only=None):
    answer = retriever.ask(question, top=top, papers=papers, only=only)
    first = retriever._first_sentence
    hits = []
    for hit in answer.hits:
        number = retriever._number_of[hit.paper.id]
        sentences = hit.paper.sentences
        place = sentences.index(hit.sentence)
        # A repeated sentence: the hit is the one the score belongs to (checked below).
        hits.append((hit.paper.id, int(first[number]) + place, hit.score, hit.sentence))
    ranked = [(p.paper.id, p.score) for p in answer.papers]
    return hits, ranked


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("seed", [1, 2])
def test_answers_equal_scoring_every_sentence(seed, way, kernel, monkeypatch):
    for name, value in WAYS[way].items():
        monkeypatch.setattr(retriever_module, name, value)
    if kernel == "compiled":
        assert kernels.load_compiled()
    minimum = 0 if kernel == "compiled" else 10**18
    monkeypatch.setattr(kernels, "COMPILED_MIN_POSTINGS", minimum)
    corpus = _random_corpus(seed)
    retriever = Retriever(corpus)
    rng = random.Random(seed)
    for question in _questions(seed):
        for top in (1, 3, 10):
            only = None
            if rng.random() < 0.3:
                only = {f"p{n}" for n in rng.sample(range(130), 25)}  # some ids unknown
            expected_hits, expected_papers = _reference(retriever, question, top, 10, only)
            hits, papers = _found(retriever, question, top, 10, only)
            assert papers == expected_papers
            assert [(h[0], h[2]) for h in hits] == [(h[0], h[2]) for h in expected_hits]
            for (_, _, _, sentence), (_, number, _) in zip(hits, expected_hits, strict=True):
                paper = retriever.papers[retriever._sentence_paper[number]]
                place = number - int(retriever._first_sentence[retriever._number_of[paper.id]])
                assert sentence == paper.sentences[place]
            if only is not None:
                assert all(h[0] in only for h in hits) and all(p[0] in only for p in papers)


def test_the_bounds_decide_without_scoring_every_sentence(monkeypatch):
    """In a corpus where the question's words are rare, the answer comes from the papers'
    bounds: scoring every sentence is never reached."""
    monkeypatch.setattr(retriever_module, "_PRUNING_MIN_SENTENCES", 0)
    corpus = _random_corpus(3, papers=400)
    retriever = Retriever(corpus)

    def every_sentence(weights):
        raise AssertionError("scored every sentence")

    monkeypatch.setattr(retriever._sentence_index, "weighted_scores", every_sentence)
    answer = retriever.ask("word140 word120 word149", top=3)
    assert answer.hits and all("word1" in hit.sentence.lower() for hit in answer.hits)


def test_only_restricts_hits_and_papers(retriever):
    everything = retriever.ask("contrastive learning features", top=5)
    wanted = {everything.papers[-1].paper.id, everything.papers[-2].paper.id}
    answer = retriever.ask("contrastive learning features", top=5, only=wanted)
    assert answer.hits and {hit.paper.id for hit in answer.hits} <= wanted
    assert [p.paper.id for p in answer.papers] == [
        p.paper.id for p in everything.papers if p.paper.id in wanted
    ]
    assert retriever.ask("contrastive learning features", only=set()).hits == ()
    assert retriever.ask("contrastive learning features", only=["no-such-paper"]).papers == ()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_a_large_first_build_shows_progress_on_a_terminal_only(terminal, monkeypatch):
    monkeypatch.setattr(retriever_module, "_PROGRESS_MIN_PAPERS", 50)
    stream = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    Retriever(_random_corpus(4, papers=60))
    assert ("indexing papers" in stream.getvalue()) == terminal
    stream = _Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    Retriever(_random_corpus(4, papers=40))  # fewer papers than that: no bar
    assert stream.getvalue() == ""


def _best_sentence_of_each_paper(retriever: Retriever, question: str) -> np.ndarray:
    """Each paper's best combined sentence score, from scoring every sentence plainly."""
    weights = retriever.analyse(question)
    own = retriever._sentence_index.weighted_scores(weights)
    paper_scores = retriever._paper_index.weighted_scores(weights)
    owner = retriever._sentence_paper
    combined = (retriever._paper_share * paper_scores)[owner] + own * retriever._position_boost
    share = retriever.params.neighbour_share
    after = np.append(own[1:] * share, 0.0) * np.append(owner[1:] == owner[:-1], False)
    before = np.insert(own[:-1] * share, 0, 0.0) * np.insert(owner[1:] == owner[:-1], 0, False)
    combined += np.maximum(after, before)
    best = np.zeros(len(retriever.papers))
    np.maximum.at(best, owner, combined)
    return best


# A paper whose sentences hold the largest weight its word has in any sentence, one after the
# other: its last sentence (the largest position boost) reaches the bound exactly.
TIGHT = Paper(
    id="tight", title="Striped", abstract="Zebra zebra zebra zebra. Zebra zebra zebra zebra."
)


@pytest.mark.parametrize("seed", [1, 2])
def test_every_papers_bound_reaches_its_best_sentence_and_is_tight(seed):
    """What the pruned path keeps (`kernels.reaching` with the retriever's shares and slack):
    every paper whose best sentence reaches the floor, with the floor at that very score."""
    corpus = _random_corpus(seed, papers=60)
    retriever = Retriever(Corpus((*corpus.papers, TIGHT)))
    reach = retriever._own_share + retriever.params.neighbour_share
    slack = retriever_module._BOUND_SLACK
    for question in [*_questions(seed, count=15), "zebra", "zebra word1 word2"]:
        paper_scores, most = retriever._paper_scores(retriever.analyse(question))
        assert most is not None
        best = _best_sentence_of_each_paper(retriever, question)
        for paper in np.flatnonzero(best > 0):
            share = retriever._paper_share
            kept = kernels.reaching(paper_scores, most, share, reach, slack, float(best[paper]))
            assert paper in kept, (question, retriever.papers[paper].id)
    paper_scores, most = retriever._paper_scores(retriever.analyse("zebra"))
    tight = retriever._number_of["tight"]
    bound = retriever._paper_share * paper_scores[tight] + reach * most[tight]
    best = _best_sentence_of_each_paper(retriever, "zebra")[tight]
    assert best > 0 and abs(best - bound) <= 1e-12 * bound
