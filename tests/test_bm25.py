"""BM25Index against rank_bm25's BM25Okapi itself, the definition of the score.

The scores compared are `weighted_scores`', the function every question goes through.
"""

import random
from collections import Counter

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.index import kernels
from bot.index.bm25 import BM25Index, IndexArraysError, top_positive
from bot.index.documents import prepare
from bot.index.retriever import RankingParams, build_parts
from bot.text.analysis import Analyzer

PARAMS = [{}, {"k1": 1.2, "b": 0.7, "epsilon": 0.3}, {"k1": 2.0, "b": 0.3, "epsilon": 0.5}]

# The kernels that add a term's weights: numpy's, and numba's compiled loop where installed
# (forced for every posting list, however short).
KERNELS = ["numpy", *(["compiled"] if kernels.compiled_available() else [])]


@pytest.fixture(params=KERNELS)
def kernel(request, monkeypatch):
    if request.param == "compiled":
        assert kernels.load_compiled()
        monkeypatch.setattr(kernels, "COMPILED_MIN_POSTINGS", 0)
    else:
        monkeypatch.setattr(kernels, "COMPILED_MIN_POSTINGS", 10**18)
    return request.param


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


# A word a query holds n times adds its weight once, times n, where rank_bm25 adds it n times: the
# sums differ by a few units in the last place, at most this share of the largest score.
REPEATED_WORD_TOLERANCE = 1e-12


def _counted(query):
    """`query` as `weighted_scores` takes it: each word weighted by how often it occurs."""
    return {term: float(count) for term, count in Counter(query).items()}


def _scores(index, query):
    return index.weighted_scores(_counted(query))


def _ranking(scores):
    """Every document with a positive score, best first, ties by position."""
    order = np.lexsort((np.arange(scores.size), -scores))
    return [int(i) for i in order if scores[i] > 0]


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
def test_weighted_scores_equal_rank_bm25_bit_for_bit_without_a_repeated_word(seed, params, kernel):
    corpus, words = _random_corpus(seed)
    reference = BM25Okapi(corpus, **params)
    index = BM25Index(corpus, **params)
    for query in _random_queries(seed, words):
        distinct = list(dict.fromkeys(query))
        found = index.weighted_scores(dict.fromkeys(distinct, 1.0))
        np.testing.assert_array_equal(found, reference.get_scores(distinct))


@pytest.mark.parametrize("params", PARAMS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_repeated_word_scores_within_the_tolerance_and_ranks_the_same(seed, params, kernel):
    corpus, words = _random_corpus(seed)
    reference = BM25Okapi(corpus, **params)
    index = BM25Index(corpus, **params)
    rng = random.Random(seed)
    for query in _random_queries(seed, words):
        query += rng.choices(query, k=rng.randint(1, 3))  # some words twice, or more
        expected = reference.get_scores(query)
        found = _scores(index, query)
        largest = float(np.abs(expected).max(initial=0.0))
        np.testing.assert_allclose(found, expected, rtol=0, atol=REPEATED_WORD_TOLERANCE * largest)
        assert _ranking(found) == _ranking(expected)


def test_the_product_sentence_index_scores_questions_as_rank_bm25(bundled_corpus):
    """The sentence index a Retriever builds (its parameters, its vocabulary shared with the
    paper index) and the weights a question is turned into: bit for bit rank_bm25's scores of
    the question's words, for a question that names each word once."""
    params = RankingParams()
    parts = build_parts(bundled_corpus, params)
    analyzer = Analyzer()
    sentences = [s for paper in bundled_corpus.papers for s in prepare(paper).sentences]
    reference = BM25Okapi(
        [analyzer.terms(s) for s in sentences],
        k1=params.sentence_k1,
        b=params.sentence_b,
        epsilon=params.epsilon,
    )
    asked = [
        "What is feature decoupling?",
        "How does the prediction head help non-contrastive learning?",
        "Why does BYOL not collapse?",
        "benign overfitting and the role of noise in training",
        *[paper.title for paper in bundled_corpus.papers],
        *sentences[::3],
    ]
    # The questions that name each word once, no hyphenated word among them (its joined form
    # counts less, see Analyzer.query_weights).
    weighted = [analyzer.query_weights(q, params.joined_form_weight) for q in asked]
    once = [weights for weights in weighted if set(weights.values()) == {1.0}]
    assert len(once) >= 10
    for weights in once:
        found = parts.sentence_index.weighted_scores(weights)
        expected = reference.get_scores(list(weights))
        np.testing.assert_array_equal(found, expected)
        assert _ranking(found) == _ranking(expected)


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
        query = list(dict.fromkeys(query))
        np.testing.assert_array_equal(_scores(index, query), reference.get_scores(query))
        _assert_same_top(top_positive(_scores(index, query), 10), reference.get_scores(query), 10)


def test_a_negative_floor_still_matches(kernel):
    """Where most terms are in most documents, the average idf and so the floor are negative."""
    rng = random.Random(11)
    corpus = [rng.choices("abcd", k=10) + rng.choices(["x", "y"], k=1) for _ in range(500)]
    corpus[7].append("rare")
    reference = BM25Okapi(corpus)
    index = BM25Index(corpus)
    assert reference.average_idf < 0 and index.idf("a") < 0
    for query in (["a", "rare"], ["x", "b"], ["rare"], ["c", "d", "y"]):
        np.testing.assert_array_equal(_scores(index, query), reference.get_scores(query))
    assert index.max_weight(index.vocabulary["a"]) is None  # no bound from a negative idf


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
    assert _scores(index, ["a"]).size == 0 and index.weighted_scores({"a": 1.0}).size == 0


def test_documents_without_terms_score_zero():
    index = BM25Index([[], []])
    assert _scores(index, ["a"]).tolist() == [0.0, 0.0]
    assert "a" not in index


def test_unknown_terms_score_nothing():
    index = BM25Index([["a", "b"], ["c"]])
    assert _scores(index, ["zzz"]).tolist() == [0.0, 0.0]
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
        np.testing.assert_array_equal(_scores(loaded, query), _scores(index, query))
    for number in index.vocabulary.values():
        assert loaded.max_weight(number) == index.max_weight(number)


def test_an_empty_index_round_trips():
    loaded = BM25Index.from_arrays(BM25Index([]).to_arrays())
    assert loaded.size == 0 and _scores(loaded, ["a"]).size == 0


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
        lambda a: _damaged(a, "codes", None),
        lambda a: _damaged(a, "codes", np.full_like(a["codes"], 60_000)),
        lambda a: _damaged(a, "codes", a["codes"].astype(np.int64)),
        lambda a: _damaged(a, "tf_parts", np.full_like(a["tf_parts"], np.inf)),
        lambda a: _damaged(a, "max_weight", a["max_weight"][:-1]),
        lambda a: _damaged(a, "format_version", np.array(999)),
        lambda a: _damaged(a, "docs", a["docs"][:-1]),
        lambda a: _damaged(a, "docs", a["docs"].astype(np.int64)),
        lambda a: _damaged(a, "docs", np.full_like(a["docs"], 10**6)),
        lambda a: _damaged(a, "docs", a["docs"][::-1].copy()),
        lambda a: _damaged(a, "idf", np.full_like(a["idf"], np.nan)),
        lambda a: _damaged(a, "starts", a["starts"][:-1]),
        lambda a: _damaged(a, "vocabulary_size", a["vocabulary_size"] + 1),
        lambda a: _damaged(a, "vocabulary_utf8", a["vocabulary_utf8"][a["vocabulary_utf8"] != 0]),
        lambda a: _damaged(a, "vocabulary_utf8", np.full_like(a["vocabulary_utf8"], 0xFF)),
        lambda a: _damaged(a, "size", np.array([1, 2])),
    ],
)
def test_damaged_arrays_are_refused(damage):
    arrays = BM25Index(_random_corpus(10, docs=50)[0]).to_arrays()
    with pytest.raises(IndexArraysError):
        BM25Index.from_arrays(damage(arrays))


def test_a_weight_scales_the_term_and_an_unseen_term_adds_nothing():
    corpus, _ = _random_corpus(4)
    index = BM25Index(corpus)
    halved = index.weighted_scores({"w2": 0.5, "unseen": 3.0})
    np.testing.assert_array_equal(halved, 0.5 * index.weighted_scores({"w2": 1.0}))
    assert halved.max() > 0


def test_a_shared_vocabulary_changes_no_score(kernel):
    """The sentence index numbers its terms by the paper index's vocabulary, which holds more
    words (and in another order): scores, idf and bounds are as with its own numbering."""
    corpus, words = _random_corpus(12)
    wider = [["title", "words", *reversed(doc)] for doc in corpus]
    vocabulary = BM25Index(wider).vocabulary
    own = BM25Index(corpus, k1=0.9, b=0.3)
    shared = BM25Index(corpus, k1=0.9, b=0.3, vocabulary=vocabulary)
    assert shared.vocabulary is vocabulary and shared.vocabulary_size == own.vocabulary_size
    assert "title" not in shared and shared.idf("title") == 0.0
    for term in words:
        assert shared.idf(term) == own.idf(term)
        if term in own:
            assert shared.max_weight(vocabulary[term]) == own.max_weight(own.vocabulary[term])
    for query in _random_queries(12, [*words, "title"]):
        np.testing.assert_array_equal(_scores(shared, query), _scores(own, query))
    arrays = shared.to_arrays(with_vocabulary=False)
    assert "vocabulary_utf8" not in arrays
    loaded = BM25Index.from_arrays(arrays, vocabulary)
    np.testing.assert_array_equal(_scores(loaded, words[:5]), _scores(shared, words[:5]))


def test_scores_of_candidates_equal_the_dense_scores(kernel):
    corpus, words = _random_corpus(13, docs=800)
    index = BM25Index(corpus)
    rng = np.random.default_rng(13)
    for query in _random_queries(13, words, count=30):
        weights = {term: float(rng.uniform(0.25, 2.0)) for term in query}
        dense = index.weighted_scores(weights)
        terms = index.weighted_terms(weights)
        for share in (0.01, 0.2, 1.0):
            candidates = np.flatnonzero(rng.random(index.size) < share)
            np.testing.assert_array_equal(index.scores_of(candidates, terms), dense[candidates])


def test_max_weight_is_the_largest_weight_of_the_term():
    corpus, words = _random_corpus(14)
    index = BM25Index(corpus)
    for term in words:
        if term not in index:
            continue
        number = index.vocabulary[term]
        weights = _scores(index, [term])
        assert index.max_weight(number) == weights.max() >= 0


def test_the_compiled_kernel_adds_exactly_what_numpy_adds():
    assert kernels.load_compiled()  # numba is among the test tools
    compiled = kernels.compiled_kernels()
    rng = np.random.default_rng(15)
    for code_type in (np.uint16, np.uint32):
        docs = np.sort(rng.choice(100_000, size=60_000, replace=False)).astype(np.int32)
        codes = rng.integers(0, 300, size=docs.size).astype(code_type)
        table = rng.random(300) * 7
        expected = rng.random(100_000)
        found = expected.copy()
        kernels.numpy_add_weights(expected, docs, codes, table)
        compiled["add_weights"](found, docs, codes, table)
        np.testing.assert_array_equal(found, expected)
        candidates = np.sort(rng.choice(100_000, size=5_000, replace=False))
        expected_of = rng.random(5_000)
        found_of = expected_of.copy()
        kernels.numpy_add_weights_of(expected_of, candidates, docs, codes, table)
        compiled["add_weights_of"](found_of, candidates, docs, codes, table)
        np.testing.assert_array_equal(found_of, expected_of)


@pytest.mark.parametrize("floor", [0.0, 0.5, 2.0])
def test_the_reaching_documents_are_those_whose_bound_reaches_the_floor(floor, kernel):
    rng = np.random.default_rng(16)
    scores, most = rng.random(5_000), rng.random(5_000)
    scores[::7] = 0.0
    most[::7] = 0.0
    found = kernels.reaching(scores, most, 1.5, 0.7, 1 + 1e-9, floor)
    bound = (1.5 * scores + 0.7 * most) * (1 + 1e-9)
    expected = np.flatnonzero(bound >= floor if floor > 0 else bound > 0)
    np.testing.assert_array_equal(found, expected)
    np.testing.assert_array_equal(
        kernels.numpy_reaching(scores, most, 1.5, 0.7, 1 + 1e-9, floor), expected
    )
