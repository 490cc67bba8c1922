"""BM25Index against rank_bm25's BM25Okapi itself, the definition of the score."""

import functools
import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

import bot.search.bm25 as bm25
from bot.search.bm25 import BM25Index, IndexArraysError, top_positive
from bot.search.documents import prepare
from bot.text.analysis import Analyzer

PARAMS = [{}, {"k1": 1.2, "b": 0.7, "epsilon": 0.3}, {"k1": 2.0, "b": 0.3, "epsilon": 0.5}]

# Every way `top` can reach its answer (see BM25Index._top_pruned), forced in turn.
STRATEGIES = {
    "dense": {"_PRUNING_MIN_COST": 10**18},
    "pruned": {"_PRUNING_MIN_COST": 0},
    "sparse always": {"_PRUNING_MIN_COST": 0, "_SPARSE_SHARE": 10.0, "_EXACT_LIMIT": 10**9},
    "sparse, reading on": {"_PRUNING_MIN_COST": 0, "_SPARSE_SHARE": 10.0, "_EXACT_LIMIT": 3},
    "dense after the floor": {"_PRUNING_MIN_COST": 0, "_SPARSE_SHARE": 0.0},
    "no dense columns": {"_PRUNING_MIN_COST": 0, "_COLUMN_DOC_SHARE": 10**9},
    "sampled top-k": {"_PRUNING_MIN_COST": 0, "_SAMPLED_TOP_MIN_SIZE": 0, "_TOP_SAMPLE": 64},
}


def _random_corpus(seed, docs=400, vocabulary=120):
    """Zipf-like word counts, some empty documents, words in more than half of the documents
    (rank_bm25 floors their negative idf) and one in exactly half (idf 0, not floored)."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocabulary)]
    weights = [1 / (i + 1) for i in range(vocabulary)]
    corpus = []
    for number in range(docs):
        doc = [] if rng.random() < 0.05 else rng.choices(words, weights, k=rng.randint(1, 30))
        doc += [w for w in ("common", "frequent") if rng.random() < 0.7]
        if number % 2 == 0:
            doc.append("half")  # in exactly half the documents: idf 0, not floored
        corpus.append(doc)
    return corpus, [*words, "common", "frequent", "half"]


def _random_queries(seed, words, count=60):
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        query = rng.choices(words, k=rng.randint(1, 8))
        if rng.random() < 0.3:
            query.append(query[0])  # a repeated term counts twice
        if rng.random() < 0.3:
            query.insert(rng.randrange(len(query) + 1), "unseen")
        queries.append(query)
    return queries


def _sorted_top(scores, k):
    """The k best positive scores by sorting them all: the plain definition of the ranking."""
    order = np.lexsort((np.arange(scores.size), -scores))[:k]
    return [(int(i), float(scores[i])) for i in order if scores[i] > 0]


def _assert_same_top(found, reference_scores, k):
    expected = _sorted_top(reference_scores, k)
    assert [doc for doc, _ in found] == [doc for doc, _ in expected]
    np.testing.assert_allclose([s for _, s in found], [s for _, s in expected], rtol=1e-9)
    assert found == expected  # in fact bit for bit


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_equal_rank_bm25_bit_for_bit(seed, params):
    corpus, words = _random_corpus(seed)
    reference = BM25Okapi(corpus, **params)
    index = BM25Index(corpus, **params)
    for query in _random_queries(seed, words):
        expected = reference.get_scores(query)
        np.testing.assert_allclose(index.scores(query), expected, rtol=1e-9, atol=0)
        np.testing.assert_array_equal(index.scores(query), expected)


@functools.cache
def _reference_scores(seed):
    corpus, words = _random_corpus(seed, docs=600)
    reference = BM25Okapi(corpus)
    return corpus, [(q, reference.get_scores(q)) for q in _random_queries(seed, words)]


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("seed", [4, 5])
def test_top_equals_rank_bm25_whatever_the_strategy(seed, strategy, monkeypatch):
    for name, value in STRATEGIES[strategy].items():
        monkeypatch.setattr(bm25, name, value)
    corpus, expected = _reference_scores(seed)
    index = BM25Index(corpus)
    for query, scores in expected:
        for k in (1, 3, 10, 50):
            _assert_same_top(index.top(query, k), scores, k)


def test_idf_equals_rank_bm25_including_the_floor_and_zero():
    corpus, _ = _random_corpus(7)
    reference = BM25Okapi(corpus)
    index = BM25Index(corpus)
    assert reference.idf["half"] == index.idf("half") == 0.0
    assert reference.idf["common"] == index.idf("common") == 0.25 * reference.average_idf > 0
    assert all(index.idf(term) == idf for term, idf in reference.idf.items())
    assert index.idf("unseen") == 0.0


def test_the_seed_corpus_through_the_product_analyzer(bundled_corpus):
    analyzer = Analyzer()
    sentences = [s for paper in bundled_corpus.papers for s in prepare(paper).sentences]
    corpus = [analyzer.terms(sentence) for sentence in sentences]
    reference = BM25Okapi(corpus)
    index = BM25Index(corpus)
    questions = [
        "What is feature decoupling?",
        "How does the prediction head help non-contrastive learning?",
        "Why does BYOL not collapse?",
        "self-supervised learning with deep networks",
        "benign overfitting and the role of noise in training",
        *[paper.title for paper in bundled_corpus.papers],
        *sentences[::5],
    ]
    for question in questions:
        query = analyzer.terms(question)
        np.testing.assert_array_equal(index.scores(query), reference.get_scores(query))
        _assert_same_top(index.top(query, 10), reference.get_scores(query), 10)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_negative_floor_still_matches(strategy, monkeypatch):
    """Where most terms are in most documents, the average idf and so the floor are negative."""
    for name, value in STRATEGIES[strategy].items():
        monkeypatch.setattr(bm25, name, value)
    rng = random.Random(11)
    corpus = [rng.choices("abcd", k=10) + rng.choices(["x", "y"], k=1) for _ in range(500)]
    corpus[7].append("rare")
    reference = BM25Okapi(corpus)
    index = BM25Index(corpus)
    assert reference.average_idf < 0 and index.idf("a") < 0
    for query in (["a", "rare"], ["x", "b", "x"], ["rare"], ["c", "d", "y"]):
        _assert_same_top(index.top(query, 10), reference.get_scores(query), 10)


def test_pruning_skips_the_dense_pass_when_rare_terms_decide(monkeypatch):
    monkeypatch.setattr(bm25, "_PRUNING_MIN_COST", 0)
    rng = random.Random(8)
    words = [f"w{i}" for i in range(200)]
    corpus = [["filler", *rng.choices(words, k=10)] for _ in range(3000)]
    for number in range(0, 3000, 300):
        corpus[number].append("rare")
    query = ["w1", "rare", "filler"]
    reference = BM25Okapi(corpus)
    index = BM25Index(corpus)
    expected = reference.get_scores(query)
    assert index.idf("filler") > 0  # floored: rank_bm25's idf of a word in every document

    def no_dense_pass(numbers):
        raise AssertionError("scored every document")

    monkeypatch.setattr(index, "_dense_scores", no_dense_pass)
    _assert_same_top(index.top(query, 5), expected, 5)


def test_top_is_positive_scores_best_first_with_ties_by_position():
    scores = np.array([0.0, 2.0, 5.0, 2.0, -1.0, 5.0])
    assert top_positive(scores, 10) == [(2, 5.0), (5, 5.0), (1, 2.0), (3, 2.0)]
    assert top_positive(scores, 3) == [(2, 5.0), (5, 5.0), (1, 2.0)]
    assert top_positive(scores, 0) == []
    assert top_positive(np.zeros(4), 3) == []


def test_top_keeps_the_lowest_positions_among_many_ties():
    scores = np.array([1.0, 3.0] * 50 + [2.0] * 100)  # 3.0 at odd positions below 100
    threes = [(i, 3.0) for i in range(1, 100, 2)]
    assert top_positive(scores, 52) == [*threes, (100, 2.0), (101, 2.0)]


LONG_ARRAYS = {
    # coarse values, so ties are everywhere, with zeros and negatives in between
    "coarse": lambda rng: np.where(
        rng.random(60_000) < 0.3, 0.0, np.round(rng.normal(0.5, 1.0, 60_000), 1)
    ),
    "all equal": lambda rng: np.full(60_000, 2.5),
    "few values, mostly zero": lambda rng: np.where(
        rng.random(60_000) < 0.9, 0.0, rng.integers(1, 4, 60_000).astype(float)
    ),
    "distinct": lambda rng: rng.random(60_000) - 0.2,
}


@pytest.mark.parametrize("values", LONG_ARRAYS)
@pytest.mark.parametrize("k", [1, 10, 300, 70_000])
def test_top_of_a_long_array_equals_sorting_it(values, k):
    scores = LONG_ARRAYS[values](np.random.default_rng(k))
    assert top_positive(scores, k) == _sorted_top(scores, k)


def test_an_empty_index_scores_nothing():
    index = BM25Index([])
    assert index.size == 0
    assert index.scores(["a"]).size == 0 and index.top(["a"], 3) == []


def test_documents_without_terms_score_zero():
    index = BM25Index([[], []])
    assert index.scores(["a"]).tolist() == [0.0, 0.0] and index.top(["a"], 3) == []
    assert "a" not in index


def test_unknown_terms_score_nothing():
    index = BM25Index([["a", "b"], ["c"]])
    assert index.top(["zzz"], 5) == []
    assert "a" in index and "zzz" not in index


def test_arrays_round_trip_through_an_npz_file(tmp_path):
    corpus, words = _random_corpus(9)
    corpus[3] += ["ünïcödé", "α-helix", "日本語", "tab\tand\nnewline"]
    index = BM25Index(corpus, k1=1.3, b=0.6, epsilon=0.2)
    np.savez(tmp_path / "index.npz", **index.to_arrays())
    with np.load(tmp_path / "index.npz", allow_pickle=False) as stored:
        loaded = BM25Index.from_arrays(stored)
    assert (loaded.size, loaded.k1, loaded.b, loaded.epsilon) == (index.size, 1.3, 0.6, 0.2)
    for term in [*words, "ünïcödé", "α-helix", "日本語", "tab\tand\nnewline", "unseen"]:
        assert (term in loaded, loaded.idf(term)) == (term in index, index.idf(term))
    for query in _random_queries(9, [*words, "日本語"]):
        np.testing.assert_array_equal(loaded.scores(query), index.scores(query))
        assert loaded.top(query, 10) == index.top(query, 10)


def test_an_empty_index_round_trips():
    loaded = BM25Index.from_arrays(BM25Index([]).to_arrays())
    assert loaded.size == 0 and loaded.top(["a"], 3) == []


def _damaged(arrays, name, value):
    damaged = dict(arrays)
    if value is None:
        del damaged[name]
    else:
        damaged[name] = value
    return damaged


@pytest.mark.parametrize(
    "damage",
    [
        lambda a: _damaged(a, "weights", None),
        lambda a: _damaged(a, "format_version", np.array(999)),
        lambda a: _damaged(a, "docs", a["docs"][:-1]),
        lambda a: _damaged(a, "docs", a["docs"].astype(np.int64)),
        lambda a: _damaged(a, "docs", np.full_like(a["docs"], 10**6)),
        lambda a: _damaged(a, "docs", a["docs"][::-1].copy()),
        lambda a: _damaged(a, "weights", np.full_like(a["weights"], np.nan)),
        lambda a: _damaged(a, "starts", a["starts"][:-1]),
        lambda a: _damaged(a, "vocabulary_utf8", a["vocabulary_utf8"][:-2]),
        lambda a: _damaged(a, "vocabulary_utf8", np.full_like(a["vocabulary_utf8"], 0xFF)),
        lambda a: _damaged(a, "size", np.array([1, 2])),
    ],
)
def test_damaged_arrays_are_refused(damage):
    arrays = BM25Index(_random_corpus(10, docs=50)[0]).to_arrays()
    with pytest.raises(IndexArraysError):
        BM25Index.from_arrays(damage(arrays))


def test_weighted_scores_equal_scores_for_counted_terms():
    corpus, _ = _random_corpus(4)
    index = BM25Index(corpus)
    query = ["w1", "w2", "w1", "common", "unseen"]
    counted = {"w1": 2.0, "w2": 1.0, "common": 1.0, "unseen": 1.0}
    np.testing.assert_allclose(index.weighted_scores(counted), index.scores(query), rtol=1e-12)
    halved = index.weighted_scores({"w2": 0.5})
    np.testing.assert_allclose(halved, 0.5 * index.scores(["w2"]), rtol=1e-12)
