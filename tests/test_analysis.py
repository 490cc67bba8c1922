import pytest

from bot.text.analysis import Analyzer


@pytest.fixture(scope="module")
def analyzer():
    return Analyzer()


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("best-of-N sampling", ["best", "n", "bestofn", "sampl"]),
        ("GPT-3 models", ["gpt", "3", "gpt3", "model"]),
        ("LLMs and an LLM", ["llm", "llm"]),
        ("the LLM's output", ["llm", "output"]),
        ("Self-supervised learning", ["self", "supervis", "selfsupervis", "learn"]),
        ("non-contrastive methods", ["non", "noncontrast", "method"]),
        ("𝐑𝐞𝐋𝐔 networks", ["relu", "network"]),
        ("TNF-α and α-helix", ["tnf", "alpha", "tnfalpha", "alpha", "helix", "alphahelix"]),
        ("p < 0.05 in 3.5%", ["p", "0.05", "3.5"]),
        ("Ｆｕｌｌｗｉｄｔｈ text", ["fullwidth", "text"]),
    ],
)
def test_terms(analyzer, text, terms):
    assert analyzer.terms(text) == terms


@pytest.mark.parametrize("text", ["", "the of and a", "What is it?", "!!! ??? ...", "   "])
def test_no_content_words_gives_no_terms(analyzer, text):
    assert analyzer.terms(text) == []


def test_hyphenated_and_joined_spellings_meet(analyzer):
    assert set(analyzer.terms("noncontrastive")) <= set(analyzer.terms("non-contrastive"))
    assert set(analyzer.terms("GPT3")) <= set(analyzer.terms("GPT-3"))


def test_negated_terms_do_not_match_their_opposite(analyzer):
    assert not set(analyzer.terms("contrastive")) & set(analyzer.terms("non-contrastive"))


def test_questions_and_sentences_share_stems(analyzer):
    assert analyzer.terms("pruned models") == analyzer.terms("pruning model")


def test_spans_point_at_the_words_in_the_original_text(analyzer):
    text = "Best-of-N (BoN) sampling with LLMs’ help"
    spans = list(analyzer.spans(text))
    assert [text[s.start : s.end] for s in spans] == [
        "Best-of-N",
        "BoN",
        "sampling",
        "LLMs",
        "help",
    ]
    assert spans[0].terms == ("best", "n", "bestofn")


def test_question_terms_saturate_and_joined_forms_count_less(analyzer):
    weights = analyzer.query_weights("best-of-N best", joined_form_weight=0.25)
    assert weights == {"best": pytest.approx(2**0.5), "n": 1.0, "bestofn": 0.5}
    assert analyzer.query_weights("best-of-N", joined_form_weight=1.0)["bestofn"] == 1.0


def test_a_negated_words_joined_form_is_the_word_itself(analyzer):
    weights = analyzer.query_weights("non-contrastive", joined_form_weight=0.25)
    assert weights == {"non": 1.0, "noncontrast": 1.0}


def test_question_weights_cover_the_same_terms_as_analysis(analyzer):
    text = "Do LLMs (GPT-3, α-helix) prune non-linear self-supervised models?"
    assert set(analyzer.query_weights(text)) == set(analyzer.terms(text))
