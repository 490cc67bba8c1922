import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.bm25 import BM25Index, top_positive


def _random_corpus(seed, docs=300, vocabulary=60):
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocabulary)]
    # a few very common words so that some idf values are negative and floored by epsilon
    common = ["common", "frequent"]
    corpus = []
    for _ in range(docs):
        doc = rng.choices(words, k=rng.randint(0, 30))
        doc += [w for w in common if rng.random() < 0.7]
        corpus.append(doc)
    return corpus, words + common


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_scores_equal_rank_bm25(seed):
    corpus, words = _random_corpus(seed)
    reference = BM25Okapi(corpus, k1=1.2, b=0.7, epsilon=0.3)
    index = BM25Index(corpus, k1=1.2, b=0.7, epsilon=0.3)
    rng = random.Random(seed)
    for _ in range(20):
        query = [*rng.choices(words, k=rng.randint(1, 5)), "unseen"]
        np.testing.assert_allclose(index.scores(query), reference.get_scores(query), rtol=1e-12)


def test_top_is_positive_scores_best_first_with_ties_by_position():
    scores = np.array([0.0, 2.0, 5.0, 2.0, -1.0, 5.0])
    assert top_positive(scores, 10) == [(2, 5.0), (5, 5.0), (1, 2.0), (3, 2.0)]
    assert top_positive(scores, 3) == [(2, 5.0), (5, 5.0), (1, 2.0)]
    assert top_positive(scores, 0) == []
    assert top_positive(np.zeros(4), 3) == []


def test_an_empty_index_scores_nothing():
    index = BM25Index([])
    assert index.scores(["a"]).size == 0 and index.top(["a"], 3) == []


def test_unknown_terms_score_nothing():
    index = BM25Index([["a", "b"], ["c"]])
    assert index.top(["zzz"], 5) == []
    assert "a" in index and "zzz" not in index
