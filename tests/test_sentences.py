import itertools

import pytest

from bot.corpus.papers import Paper
from bot.index.documents import PaperText, prepare
from bot.text.cleaning import latex_to_text
from bot.text.sentences import sentence_spans


def split_sentences(text):
    """The sentences `sentence_spans` finds, as text."""
    return [text[start:end] for start, end in sentence_spans(text)]


def _sentences_of(bundled_corpus, paper_id):
    return split_sentences(latex_to_text(bundled_corpus.get(paper_id).abstract))


@pytest.mark.parametrize(
    ("paper_id", "count"),
    [
        ("faster-wind", 12),
        ("mim-feature-position", 5),
        ("disentanglement-necessity", 8),
        ("structured-pruning-glms", 8),
        ("prediction-head-non-contrastive", 12),
        ("contrastive-feature-learning", 9),
    ],
)
def test_seed_abstracts_split_into_their_sentences(bundled_corpus, paper_id, count):
    assert len(_sentences_of(bundled_corpus, paper_id)) == count


@pytest.mark.parametrize(
    ("paper_id", "whole_sentence_start", "whole_sentence_end"),
    [
        # a citation with "et al." inside brackets
        (
            "faster-wind",
            "Reinforcement Learning from Human Feedback",
            "[Ouyang et al., 2022] and subsequent works.",
        ),
        ("faster-wind", "While RLHF has shown", "[Askell et al., 2021, OpenAI, 2023]."),
        # "et al." followed by a lower-case verb
        (
            "prediction-head-non-contrastive",
            "Recently the surprising discovery",
            "prediction head to the network.",
        ),
        # a URL ending in ".git."
        (
            "disentanglement-necessity",
            "The source code is available at",
            "disentanglement-lib-necessity.git.",
        ),
    ],
)
def test_tricky_seed_sentences_stay_whole(
    bundled_corpus, paper_id, whole_sentence_start, whole_sentence_end
):
    sentences = _sentences_of(bundled_corpus, paper_id)
    matching = [s for s in sentences if s.startswith(whole_sentence_start)]
    assert len(matching) == 1
    assert matching[0].endswith(whole_sentence_end)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "We use tools, e.g. BM25, for ranking. It works.",
            ["We use tools, e.g. BM25, for ranking.", "It works."],
        ),
        ("The gain was 3.5 points. Next.", ["The gain was 3.5 points.", "Next."]),
        ("Ça a été naïve — 😀 résumé. Über alles.", ["Ça a été naïve — 😀 résumé.", "Über alles."]),
        ("", []),
        ("   ", []),
    ],
)
def test_abbreviations_decimals_and_unicode(text, expected):
    assert split_sentences(text) == expected


def test_splitting_loses_no_words(bundled_corpus):
    for paper in bundled_corpus.papers:
        text = latex_to_text(paper.abstract)
        assert " ".join(split_sentences(text)).split() == text.split()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  First one.   Second one!\n\nThird?  ", ["First one.", "Second one!", "Third?"]),
        # BlingFire rewrites the NUL in its output: the places then come from its offsets
        ("A\x00b here. C d.", ["A\x00b here.", "C d."]),
        ("One sentence without a full stop", ["One sentence without a full stop"]),
    ],
)
def test_sentence_places_are_the_stripped_sentences_in_order(text, expected):
    spans = sentence_spans(text)
    assert [text[start:end] for start, end in spans] == expected == split_sentences(text)
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))


def test_a_paper_keeps_its_sentences_as_places_in_its_abstract(bundled_corpus):
    for paper in bundled_corpus.papers:
        text = prepare(paper)
        assert text.sentences == tuple(split_sentences(text.abstract))
        assert text.sentence_count == len(text.sentences) == len(text.bounds) > 0
        assert not text.bounds.flags.writeable


def test_a_paper_joined_from_sentences():
    paper = Paper(id="p", title="T", abstract="A b. C d.")
    text = PaperText.joined(paper, "T", ["A b.", "C d."])
    assert (text.abstract, text.sentences) == ("A b. C d.", ("A b.", "C d."))
    assert text.record is paper
