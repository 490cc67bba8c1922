"""The optional semantic stage, run with a tiny model written by the test (no download): found
by meaning where the words differ, refused where nothing means the question, the vectors kept
in the index cache, and nothing of it loaded while it is off."""

import logging
import warnings

import numpy as np
import pytest

from bot.corpus.papers import Corpus, Paper, load_corpus
from bot.index import semantic
from bot.index.index_cache import cache_file, load_retriever
from bot.index.retriever import Retriever
from tests.conftest import REPO
from tests.tiny_model import write_tiny_model

# Each topic is one direction of the tiny model; the weather topic is in no paper.
TOPICS = {
    "vehicles": ["car", "cars", "automobile", "automobiles", "engine", "engines", "vehicle"],
    "plants": ["plants", "plant", "leaves", "sunlight", "sugar", "tree", "grows", "flora"],
    "music": ["songs", "melody", "guitar", "chords", "drummers", "rhythm", "tunes"],
    "weather": ["rain", "storm", "forecast"],
}
PAPERS = (
    Paper(
        "engines",
        "Fast cars on long roads",
        "We study the car. Every car has an engine that burns fuel. Drivers prefer quiet engines.",
    ),
    Paper(
        "plants",
        "How plants feed themselves",
        "Plants need light. Leaves turn sunlight into sugar. A tree grows slowly.",
    ),
    Paper(
        "music",
        "Rhythm and melody",
        "Songs have melody. A guitar plays chords. Drummers keep the rhythm of songs.",
    ),
)
CORPUS_TOML = "\n".join(
    f"[[papers]]\nid = {p.id!r}\ntitle = {p.title!r}\nabstract = {p.abstract!r}\n" for p in PAPERS
)


class CountingModel(semantic.SentenceModel):
    """The real model, counting the texts it embeds."""

    embedded = 0

    def embed(self, texts, *, progress=None):
        CountingModel.embedded += len(texts)
        return super().embed(texts, progress=progress)


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    return write_tiny_model(tmp_path_factory.mktemp("tiny-model"), TOPICS)


@pytest.fixture(scope="module")
def model(model_folder):
    return semantic.SentenceModel(str(model_folder))


@pytest.fixture(scope="module")
def corpus():
    return Corpus(PAPERS)


@pytest.fixture(scope="module")
def fused(corpus, model):
    return load_retriever(corpus, semantic=model)


def test_the_tiny_model_loads_as_a_real_one_and_embeds_by_topic(model):
    vectors = model.embed(["the automobile", "car engines", "a tree", "storm"])
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] == pytest.approx(1.0, abs=1e-5)  # synonyms, one topic
    assert vectors[0] @ vectors[2] == pytest.approx(0.0, abs=1e-5)
    assert vectors[2] @ vectors[3] == pytest.approx(0.0, abs=1e-5)


def test_a_question_in_words_the_papers_lack_is_answered_by_meaning(corpus, fused):
    assert not Retriever(corpus).ask("which automobile?").found  # BM25 alone: unknown words
    answer = fused.ask("which automobile?")
    assert answer.hits[0].paper.id == "engines"
    assert answer.papers[0].paper.id == "engines"
    assert "car" in answer.hits[0].sentence


def test_the_fused_answer_keeps_the_words_match_first(fused):
    answer = fused.ask("Which plants need light?")
    assert answer.hits[0].sentence == "Plants need light."
    assert answer.hits[0].matched_terms  # BM25 found its words
    assert [hit.paper.id for hit in answer.hits[:2]] == ["plants", "plants"]


@pytest.mark.parametrize(
    "question", ["storm forecast", "How do I bake sourdough bread?", "", "the of and a", "?!"]
)
def test_a_question_nothing_means_still_gets_no_answer(fused, question):
    answer = fused.ask(question)
    assert not answer.found
    assert answer.hits == ()
    assert answer.papers == ()


def test_a_follow_up_restricted_to_papers_stays_within_them(fused):
    answer = fused.ask("songs and plants", only=["music"])
    assert answer.hits
    assert {hit.paper.id for hit in answer.hits} == {"music"}
    assert {ranked.paper.id for ranked in answer.papers} == {"music"}
    # Nothing in the allowed papers means "automobile": no answer, not another paper's.
    assert not fused.ask("automobile", only=["plants"]).found


def test_the_fusion_sums_both_scaled_scores_over_the_union():
    by_words = [(1, 4.0), (2, 2.0)]
    by_meaning = [(3, 0.9), (1, 0.7), (2, 0.5)]
    fused = semantic._fused(by_words, by_meaning, weight=0.6)
    # BM25 scaled by its best (4 -> 1, 2 -> 0.5), similarity from the last to the best.
    assert fused == [
        (1, pytest.approx(1.0 + 0.6 * 0.5)),
        (3, pytest.approx(0.6 * 1.0)),
        (2, pytest.approx(0.5 + 0.6 * 0.0)),
    ]


def test_a_papers_similarity_mixes_in_its_closest_sentences():
    papers = np.array([0.2, 0.5, 0.4], dtype=np.float32)
    sentences = np.array([0.9, 0.1, 0.3, 0.6], dtype=np.float32)
    owners = np.array([0, 0, 1, 1])  # paper 2 has no sentences: it keeps its own similarity
    mixed = semantic._with_best_sentence(papers, sentences, owners, share=0.75)
    assert mixed.tolist() == pytest.approx([0.25 * 0.2 + 0.75 * 0.9, 0.25 * 0.5 + 0.75 * 0.6, 0.4])
    # A paper left out of the question (-inf, as its sentences) stays out, silently.
    papers[0], sentences[:2] = -np.inf, -np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mixed = semantic._with_best_sentence(papers, sentences, owners, share=1.0)
    assert mixed.tolist() == pytest.approx([-np.inf, 0.6, 0.4])


def test_the_vectors_are_kept_in_the_index_cache_and_mapped(tmp_path, corpus, model_folder):
    counting = CountingModel(str(model_folder))
    before = CountingModel.embedded
    first = load_retriever(corpus, cache_dir=tmp_path, semantic=counting)
    sentences = sum(p.sentence_count for p in first.papers)
    assert CountingModel.embedded - before == sentences + len(PAPERS)
    path = cache_file(tmp_path, corpus).with_suffix(".semantic.npz")
    assert path.is_file()

    again = load_retriever(corpus, cache_dir=tmp_path, semantic=counting)
    assert CountingModel.embedded - before == sentences + len(PAPERS)  # read, not embedded
    vectors = again.semantic.vectors
    assert vectors.sentences.dtype == np.float16
    assert not vectors.sentences.flags.owndata  # mapped from the file
    assert np.array_equal(vectors.sentences, first.semantic.vectors.sentences)
    assert again.ask("automobile").hits[0].paper.id == "engines"


def test_edited_papers_or_a_damaged_file_are_embedded_again(tmp_path, corpus, model_folder, caplog):
    counting = CountingModel(str(model_folder))
    load_retriever(corpus, cache_dir=tmp_path, semantic=counting)
    edited = Corpus((*PAPERS[:2], Paper("music", "Rhythm", "Tunes and songs.")))
    before = CountingModel.embedded
    retriever = load_retriever(edited, cache_dir=tmp_path, semantic=counting)
    everything = retriever.stats.sentences + retriever.stats.papers
    assert CountingModel.embedded - before == everything  # embedded again, every text
    assert retriever.ask("melody").hits[0].sentence == "Tunes and songs."

    path = cache_file(tmp_path, edited).with_suffix(".semantic.npz")
    path.write_bytes(path.read_bytes()[:100])
    before = CountingModel.embedded
    with caplog.at_level(logging.INFO):
        retriever = load_retriever(edited, cache_dir=tmp_path, semantic=counting)
    assert CountingModel.embedded - before == everything
    assert "Semantic vectors" in caplog.text
    assert retriever.ask("melody").found


def test_the_setting_turns_the_stage_on_from_the_command_line(tmp_path, run_cli, model_folder):
    (tmp_path / "papers.toml").write_text(CORPUS_TOML, encoding="utf-8")
    on = {"PAPERBOT_SEMANTIC": "on", "PAPERBOT_SEMANTIC_MODEL": str(model_folder)}
    done = run_cli("ask", "automobile", "--json", "--corpus", "papers.toml", **on)
    assert done.returncode == 0, done.stderr
    assert '"paper_id": "engines"' in done.stdout
    off = run_cli("ask", "automobile", "--json", "--corpus", "papers.toml")
    assert off.returncode == 0, off.stderr
    assert '"kind": "none"' in off.stdout  # BM25 alone: no paper has the word


def test_a_missing_model_folder_is_a_short_error(tmp_path, run_cli):
    missing = str(tmp_path / "no-such-model")
    on = {"PAPERBOT_SEMANTIC": "on", "PAPERBOT_SEMANTIC_MODEL": missing}
    done = run_cli("ask", "what is BYOL?", **on)
    assert done.returncode == 2
    assert "no-such-model does not exist" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_folder_without_a_model_is_a_short_error(tmp_path):
    with pytest.raises(semantic.SemanticUnavailable, match=r"needs model\.onnx"):
        semantic.SentenceModel(str(tmp_path))


def test_the_bundled_papers_answer_alike_with_the_stage_off(bundled_corpus, tmp_path):
    """load_retriever without a model is the BM25 retriever, answer for answer."""
    plain = Retriever(bundled_corpus)
    loaded = load_retriever(load_corpus(REPO / "corpus"), cache_dir=tmp_path)
    assert loaded.semantic is None
    for question in ("What is feature decoupling?", "WIND distillation", "pruning GPT"):
        assert loaded.ask(question) == plain.ask(question)
