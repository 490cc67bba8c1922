import threading
from itertools import pairwise

import pytest

from bot.corpus.papers import Corpus, Paper
from bot.index.index_cache import load_retriever
from bot.index.retriever import RankingParams, Retriever, build_parts

_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))

# Each paper, asked about in words other than its own title.
PARAPHRASES = [
    ("faster-wind", "Which technique draws several samples and keeps the best one?"),
    ("faster-wind", "What are the costs of aligning LLMs with RLHF?"),
    ("mim-feature-position", "How do transformers learn by predicting hidden image patches?"),
    ("disentanglement-necessity", "Is disentangling representations needed for visual reasoning?"),
    ("structured-pruning-glms", "Does random pruning work as well as other methods on GPT models?"),
    ("prediction-head-non-contrastive", "Why can BYOL avoid collapse with a prediction head?"),
    (
        "contrastive-feature-learning",
        "Why does contrastive learning need strong data augmentations?",
    ),
]


@pytest.mark.parametrize(("paper_id", "question"), PARAPHRASES)
def test_each_paper_is_found_by_a_paraphrase(retriever, paper_id, question):
    answer = retriever.ask(question)
    assert answer.hits[0].paper.id == paper_id
    assert answer.papers[0].paper.id == paper_id


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "recipe for chocolate cake",
        "Who won the world cup in 2022?",
        "What is the best pizza in New York?",
        "",
        "the of and a",
        "?!",
    ],
)
def test_nothing_relevant_is_an_empty_answer(retriever, question):
    answer = retriever.ask(question)
    assert answer.hits == ()
    assert answer.papers == ()
    assert not answer.found


def test_hits_are_at_most_k_and_best_first(retriever):
    for k in (1, 2, 3, 5):
        hits = retriever.ask("contrastive learning features", top=k).hits
        assert len(hits) == k
        assert [h.rank for h in hits] == list(range(1, k + 1))
        assert all(a.score >= b.score > 0 for a, b in pairwise(hits))


def test_paper_list_is_limited_and_ranked(retriever):
    answer = retriever.ask("learning representations", papers=2)
    assert len(answer.papers) == 2
    assert answer.papers[0].score >= answer.papers[1].score


def test_matched_terms_and_highlights_point_at_the_question_words(retriever):
    hit = retriever.ask("What is feature decoupling?").hits[0]
    assert set(hit.matched_terms) == {"featur", "decoupl"}
    marked = {hit.sentence[start:end].lower() for start, end in hit.highlights}
    assert marked == {"feature", "decoupling"}


def test_a_question_naming_only_title_words_finds_that_paper():
    # "Heron" and "Ledger" occur in no abstract sentence, only in the first title.
    corpus = Corpus(
        (
            Paper(id="heron", title="The Heron Ledger", abstract="We count birds. Birds fly."),
            Paper(id="other", title="Counting Fish", abstract="We count fish. Fish swim."),
        )
    )
    answer = Retriever(corpus).ask("heron ledger")
    assert answer.hits[0].paper.id == "heron"
    assert answer.hits[0].matched_terms == ()


def test_the_bundled_faster_wind_abstract_says_what_wind_is(retriever):
    # Its seed abstract stopped after the background; the current one follows it.
    answer = retriever.ask("how does WIND work?")
    assert answer.hits[0].paper.id == "faster-wind"
    assert any("WIN rate Dominance (WIND)" in hit.sentence for hit in answer.hits)
    wind = retriever.paper("faster-wind")
    assert wind is not None and wind.sentences[0].startswith("Fine-tuning large language models")


@pytest.mark.parametrize(
    ("question", "answerable"),
    [
        ("do herons make the ledger worse?", True),  # everyday words the papers lack
        ("who won the 2019 world cup?", False),  # a year the papers cite is no topic
        ("how do I bake sourdough bread?", False),
        ("how do penguins keep warm?", False),  # its one known word is an everyday one
    ],
)
def test_everyday_words_count_less_against_a_question_than_rare_ones(question, answerable):
    corpus = Corpus(
        (
            Paper(
                id="heron",
                title="The Heron Ledger",
                abstract="Herons ledger (Smith, 2019). We keep it.",
            ),
            Paper(id="other", title="Counting Fish", abstract="We count fish. Fish swim."),
        )
    )
    retriever = Retriever(corpus)
    assert retriever.is_answerable(list(retriever.search_terms(question)[0])) is answerable


def test_latex_is_cleaned_in_what_is_shown(retriever):
    hits = retriever.ask("ReLU networks feature decoupling", top=5).hits
    assert any("ReLU networks" in h.sentence for h in hits)
    assert not any("\\" in h.sentence or "$" in h.sentence for h in hits)


@pytest.mark.parametrize(
    ("typo", "fixed"),
    [
        ("contrastve learning", "contrastive learning"),
        ("masked imge modeling", "masked image modeling"),
        # A question word is corrected to the question word, never to a corpus word as close.
        ("waht is feture decopling", "what is feature decoupling"),
        ("wich paper uses contrastve learning", "which paper uses contrastive learning"),
    ],
)
def test_typos_are_corrected_and_reported(retriever, typo, fixed):
    answer = retriever.ask(typo)
    assert answer.searched_for == fixed
    assert answer.found


@pytest.mark.parametrize("question", ["contrastive learning", "sourdough bread", "NASA rockets"])
def test_correct_or_unknown_words_are_not_changed(retriever, question):
    assert retriever.ask(question).searched_for is None


def _tiny(*papers):
    fillers = [
        (f"filler-{n}", f"Filler {word}", f"{word.capitalize()} is a {word} topic.")
        for n, word in enumerate(["tea", "rivers", "chess", "opera"])
    ]
    return Corpus(tuple(Paper(id=i, title=t, abstract=a) for i, t, a in (*papers, *fillers)))


def test_paper_evidence_lifts_sentences_of_the_paper_that_answers():
    corpus = _tiny(
        (
            "graphs",
            "Graph neural networks",
            "Graph neural networks pass messages. They scale well.",
        ),
        ("cooking", "Cooking", "They scale well in kitchens too. Soup is hot."),
    )
    # Both "scale" sentences tie on their own words; the paper about graphs decides.
    hits = Retriever(corpus).ask("do graph networks scale", top=3).hits
    scale_hits = [h.paper.id for h in hits if "scale" in h.sentence]
    assert scale_hits[0] == "graphs"


def test_coverage_gate_is_a_parameter():
    corpus = _tiny(("a", "Alpha", "Alpha particles decay."))
    question = "alpha beta gamma delta"
    assert not Retriever(corpus).ask(question).found
    assert Retriever(corpus, RankingParams(min_known_share=0.25)).ask(question).found


def _plain(**changes):
    """Parameters with every extra mechanism off, then `changes` switched on."""
    off = {"position_weight": 0.0, "neighbour_share": 0.0, "paper_share": 0.0}
    return RankingParams(**{**off, **changes})


def test_later_sentences_of_an_abstract_win_ties_with_the_position_prior():
    corpus = _tiny(
        ("p", "Study", "Vaccines were tested early. Many people came. Vaccines were tested late.")
    )
    question = "vaccines tested"
    hits = Retriever(corpus, _plain(position_weight=0.3)).ask(question, top=2).hits
    assert [h.sentence for h in hits] == [
        "Vaccines were tested late.",
        "Vaccines were tested early.",
    ]
    assert hits[0].score > hits[1].score
    flat = Retriever(corpus, _plain()).ask(question, top=2).hits
    assert flat[0].score == flat[1].score


def test_a_neighbour_that_matches_lifts_a_sentence():
    corpus = _tiny(
        ("context", "One", "Insulin was measured. Glucose fell sharply."),
        ("alone", "Two", "Insulin was measured. Weather was fine."),
    )
    question = "insulin glucose"

    with_context = Retriever(corpus, _plain(neighbour_share=0.5)).ask(question, top=5).hits
    scores = {(h.paper.id, h.sentence): h.score for h in with_context}
    assert scores[("context", "Insulin was measured.")] > scores[("alone", "Insulin was measured.")]
    flat = Retriever(corpus, _plain()).ask(question, top=5).hits
    flat_scores = {(h.paper.id, h.sentence): h.score for h in flat}
    assert (
        flat_scores[("context", "Insulin was measured.")]
        == flat_scores[("alone", "Insulin was measured.")]
    )


def test_a_corpus_of_one_paper_still_answers():
    corpus = Corpus(
        (
            Paper(
                id="only",
                title="Sparse coding",
                abstract="Sparse coding learns dictionaries. It is old.",
            ),
        )
    )
    answer = Retriever(corpus).ask("what does sparse coding learn?")
    assert answer.hits[0].sentence == "Sparse coding learns dictionaries."
    assert answer.papers[0].paper.id == "only" and answer.papers[0].score > 0


def test_title_words_rank_their_paper_first():
    corpus = _tiny(
        ("titled", "Dropout regularisation", "We study a method. It helps."),
        ("mentions", "Methods", "Dropout is mentioned once here. Other things follow."),
    )
    assert Retriever(corpus).ask("dropout regularisation").papers[0].paper.id == "titled"


@pytest.mark.parametrize("source", ["built", "read from the cache"])
def test_a_first_question_builds_nothing_and_waits_for_no_lock(source, bundled_corpus, tmp_path):
    """What a first question needs (the facts catalogue, the spelling corrector, the titles'
    terms) is built with the index: a first question neither builds it nor takes a lock that
    another thread's question (or a build) may hold."""
    if source == "built":
        parts = build_parts(bundled_corpus, RankingParams())
        retriever = Retriever(bundled_corpus, parts=parts)
        assert retriever.catalogue() is parts.catalogue
        assert retriever.spelling() is parts.spelling
    else:
        load_retriever(bundled_corpus, cache_dir=tmp_path)
        retriever = load_retriever(bundled_corpus, cache_dir=tmp_path)
    locks = [value for value in vars(retriever).values() if isinstance(value, _LOCK_TYPES)]
    assert locks  # the retriever's own locks, all held by this thread now
    for lock in locks:
        lock.acquire()
    answered = threading.Event()
    found = {}

    def first_question() -> None:
        found["authors"] = retriever.catalogue().authors
        found["corrected"] = retriever.spelling().correct("contrastve")
        found["titled"] = retriever.titled({"wind"})
        answered.set()

    try:
        threading.Thread(target=first_question, daemon=True).start()
        assert answered.wait(timeout=30)
    finally:
        for lock in locks:
            lock.release()
    assert "zixin wen" in found["authors"]
    assert found["corrected"] == "contrastive" and found["titled"] == {"faster-wind"}
