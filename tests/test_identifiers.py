import pytest

from bot.corpus.identifiers import arxiv_in, doi_in, normalize_arxiv, normalize_doi, title_key


@pytest.mark.parametrize(
    ("text", "doi"),
    [
        ("10.1145/3442188.3445922", "10.1145/3442188.3445922"),
        ("https://doi.org/10.48550/arXiv.1810.04805", "10.48550/arXiv.1810.04805"),
        ("http://dx.doi.org/10.1000/xyz", "10.1000/xyz"),
        ("doi: 10.1000/xyz ", "10.1000/xyz"),
        ("not a doi", None),
        ("10.12/too-short-prefix", None),
    ],
)
def test_dois_lose_their_link_or_prefix(text, doi):
    assert normalize_doi(text) == doi


@pytest.mark.parametrize(
    ("text", "arxiv"),
    [
        ("2101.00001", "2101.00001"),
        ("arXiv:2410.20727v2", "2410.20727"),
        ("1412.6980v9", "1412.6980"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("math.GT/0309136v1", "math.GT/0309136"),
        ("2101", None),
        ("https://arxiv.org/abs/2101.00001", None),  # a link is not an id; arxiv_in finds it
    ],
)
def test_arxiv_ids_lose_prefix_and_version(text, arxiv):
    assert normalize_arxiv(text) == arxiv


@pytest.mark.parametrize(
    ("text", "arxiv"),
    [
        ("https://arxiv.org/abs/2410.20727v1", "2410.20727"),
        ("http://arxiv.org/pdf/1810.04805.pdf", "1810.04805"),
        ("10.48550/arXiv.1706.03762", "1706.03762"),
        ("arXiv preprint arXiv:2110.04541", "2110.04541"),
        ("arXiv:2101.00001 [cs]", "2101.00001"),
        ("abs/1810.04805", "1810.04805"),
        ("https://proceedings.mlr.press/v139/wen21c.html", None),
        (None, None),
    ],
)
def test_arxiv_ids_are_found_in_links_dois_and_notes(text, arxiv):
    assert arxiv_in(text) == arxiv


def test_only_doi_links_carry_a_doi():
    assert doi_in("https://doi.org/10.1000/xyz") == "10.1000/xyz"
    assert doi_in("https://example.org/10.1000/xyz") is None


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            "{BERT}: Pre-training of Deep Bidirectional Transformers",
            "BERT: pre-training of deep bidirectional transformers",
        ),
        ("Faster WIND: Best-of-$N$ Distillation", "Faster {WIND}: Best-of-N distillation."),
        (r"Caf\'e Society", "Café society"),
        ("Über  Graphs", "uber graphs"),
    ],
)
def test_titles_that_differ_only_in_markup_case_or_accents_share_a_key(one, other):
    assert title_key(one) == title_key(other)


def test_different_titles_have_different_keys():
    assert title_key("Attention Is All You Need") != title_key("Attention Is Not All You Need")
