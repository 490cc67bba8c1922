import pytest

from bot.search.lookup import find_paper, title_choices


@pytest.fixture(scope="module")
def papers(retriever):
    return retriever.papers


@pytest.mark.parametrize(
    ("query", "paper_id"),
    [
        ("mim-feature-position", "mim-feature-position"),
        (
            "Faster WIND: Accelerating Iterative Best-of-$N$ Distillation for LLM Alignment",
            "faster-wind",
        ),
        ("faster wind: accelerating iterative best-of-n", "faster-wind"),
        ("What Matters", "structured-pruning-glms"),
        ("disentanglment", "disentanglement-necessity"),
        ("masked image", "mim-feature-position"),
    ],
)
def test_find_paper(papers, query, paper_id):
    assert find_paper(papers, query).paper.id == paper_id


@pytest.mark.parametrize("query", ["learning", "self-supervised", ""])
def test_ambiguous_queries_suggest_instead_of_guessing(papers, query):
    found = find_paper(papers, query)
    assert found.paper is None
    assert len(found.near) >= 2


def test_autocomplete_is_bounded_and_puts_prefix_matches_first(papers):
    assert len(title_choices(papers, "", limit=25)) == len(papers)
    assert len(title_choices(papers, "", limit=2)) == 2
    assert title_choices(papers, "the mech")[0].id == "prediction-head-non-contrastive"
    assert title_choices(papers, "zzzzzz") == []
