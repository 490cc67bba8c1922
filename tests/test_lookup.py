import pytest

from bot.answering.lookup import find_paper, title_choices


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
def test_find_paper(retriever, query, paper_id):
    assert find_paper(retriever, query).paper.id == paper_id


@pytest.mark.parametrize("query", ["learning", "self-supervised", ""])
def test_ambiguous_queries_suggest_instead_of_guessing(retriever, query):
    found = find_paper(retriever, query)
    assert found.paper is None
    assert len(found.near) >= 2


@pytest.mark.parametrize("query", ["contrastive", "Contrastive", "self-supervised"])
def test_a_word_in_two_titles_lists_both_instead_of_picking_one(retriever, query):
    found = find_paper(retriever, query)
    assert found.paper is None and found.matched == 2
    assert {p.id for p in found.near} == {
        "contrastive-feature-learning",
        "prediction-head-non-contrastive",
    }


def test_the_candidates_come_most_relevant_first(retriever):
    found = find_paper(retriever, "contrastive")
    ranking = [ranked.paper.id for ranked in retriever.ask("contrastive").papers]
    assert [p.id for p in found.near] == ranking[:2]


@pytest.mark.parametrize("query", ["qwertyuiop", "xyzzy", "abc", "zzzzzz"])
def test_nothing_unrelated_is_suggested(retriever, query):
    found = find_paper(retriever, query)
    assert found.paper is None and found.matched <= 1
    assert found.near == ()


def test_suggestions_come_from_the_abstracts_too(retriever):
    # No title mentions BYOL; the prediction head paper's abstract does.
    found = find_paper(retriever, "BYOL")
    assert found.paper is None and found.matched <= 1
    assert [p.id for p in found.near] == ["prediction-head-non-contrastive"]
    assert "BYOL" in found.near[0].abstract


def test_suggestions_are_ordered_by_relevance(retriever):
    found = find_paper(retriever, "GUM")
    assert found.paper is None
    assert found.near[0].id == "structured-pruning-glms"  # its abstract is about GUM


def test_autocomplete_is_bounded_and_puts_prefix_matches_first(papers):
    assert len(title_choices(papers, "", limit=25)) == len(papers)
    assert len(title_choices(papers, "", limit=2)) == 2
    assert title_choices(papers, "the mech")[0].id == "prediction-head-non-contrastive"
    assert title_choices(papers, "zzzzzz") == []
