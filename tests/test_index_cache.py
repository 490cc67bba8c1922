"""The index cache: reused when valid, rebuilt when stale (info) or damaged (one warning)."""

import dataclasses
import json
import logging
import mmap

import numpy as np
import pytest

from bot.corpus.papers import BUNDLED_CORPUS, load_corpus
from bot.index.catalogue import Catalogue
from bot.index.index_cache import cache_file, load_retriever, map_arrays
from bot.index.retriever import RankingParams, Retriever
from bot.settings import load_settings

QUESTION = "what does GUM improve?"


def _corpus_copy(tmp_path, bundled_corpus):
    """The bundled papers as a JSON Lines corpus the test may edit."""
    path = tmp_path / "papers.jsonl"
    rows = [{"id": p.id, "title": p.title, "abstract": p.abstract} for p in bundled_corpus.papers]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _answer(retriever):
    answer = retriever.ask(QUESTION)
    return [(h.paper.id, h.sentence, h.score) for h in answer.hits]


def _cache_records(caplog, level=logging.WARNING):
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "bot.index.index_cache" and r.levelno >= level
    ]


def _cache_warnings(caplog):
    return _cache_records(caplog, logging.WARNING)


def test_a_cached_index_answers_exactly_like_a_fresh_one(tmp_path, bundled_corpus, caplog):
    corpus = load_corpus(_corpus_copy(tmp_path, bundled_corpus))
    cache = tmp_path / "cache"
    first = load_retriever(corpus, cache_dir=cache)
    assert cache_file(cache, corpus).exists()
    second = load_retriever(corpus, cache_dir=cache)
    assert _answer(second) == _answer(first) == _answer(Retriever(corpus))
    assert second.stats == first.stats
    assert _cache_warnings(caplog) == []


def _fields(catalogue):
    return {f.name: getattr(catalogue, f.name) for f in dataclasses.fields(catalogue)}


def test_what_a_first_question_needs_is_read_from_the_cache(tmp_path, bundled_corpus):
    """The catalogue, the spelling corrector and the titles' terms come back from the file as
    they were built (the bundled corpus has authors, venues and years)."""
    cache = tmp_path / "cache"
    built = load_retriever(bundled_corpus, cache_dir=cache)
    with np.load(cache_file(cache, bundled_corpus), allow_pickle=False) as stored:
        assert {"catalogue", "spelling/deletes", "title_term_numbers"} <= set(stored.files)
    read = load_retriever(bundled_corpus, cache_dir=cache)
    fresh = Catalogue.of(read.papers)
    assert _fields(read.catalogue()) == _fields(built.catalogue()) == _fields(fresh)
    assert read.catalogue().authors and read.catalogue().venues and read.catalogue().has_years
    typos = "waht is contrastve lerning with a predicton head?"
    assert read.spelling().correct(typos) == built.spelling().correct(typos) != typos
    for terms in ({"wind"}, {"transform", "disentangl"}, {"nothing-like-it"}):
        assert read.titled(terms) == built.titled(terms)
    assert read.titled({"wind"}) == {"faster-wind"}


def test_edited_authors_rebuild_only_the_catalogue(tmp_path, caplog):
    path = tmp_path / "papers.toml"
    original = (BUNDLED_CORPUS / "papers.toml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    cache = tmp_path / "cache"
    load_retriever(load_corpus(path), cache_dir=cache)
    path.write_text(original.replace('"Tong Yang"', '"Ada Quillfeather"'), encoding="utf-8")
    corpus = load_corpus(path)
    with caplog.at_level(logging.INFO):
        retriever = load_retriever(corpus, cache_dir=cache)
    assert "ada quillfeather" in retriever.catalogue().authors
    assert "tong yang" not in retriever.catalogue().authors
    (message,) = _cache_records(caplog, logging.INFO)
    assert "facts changed" in message and "rebuilding" not in message
    caplog.clear()
    with caplog.at_level(logging.INFO):
        again = load_retriever(corpus, cache_dir=cache)
    assert _cache_records(caplog, logging.INFO) == []  # stored again: read as it is
    assert _fields(again.catalogue()) == _fields(retriever.catalogue())


def test_a_venue_the_corpus_adds_rebuilds_the_stored_catalogue(tmp_path):
    path = tmp_path / "papers.toml"
    original = (BUNDLED_CORPUS / "papers.toml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    cache = tmp_path / "cache"
    before = load_retriever(load_corpus(path), cache_dir=cache).catalogue()
    assert ("ocean", "tides", "symposium") not in before.venue_names
    own = '[[venues]]\nname = "OTS"\nlong = "Ocean Tides Symposium"\n\n'
    path.write_text(own + original, encoding="utf-8")
    after = load_retriever(load_corpus(path), cache_dir=cache).catalogue()
    assert after.venue_names[("ocean", "tides", "symposium")] == "OTS"


def test_the_cache_is_what_is_read(tmp_path, bundled_corpus):
    corpus = load_corpus(_corpus_copy(tmp_path, bundled_corpus))
    cache = tmp_path / "cache"
    load_retriever(corpus, cache_dir=cache)
    path = cache_file(cache, corpus)
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    # Only the titles that cleaning changed are stored: mark the first one as changed too.
    changed = arrays["title_changed"].copy()
    titles = arrays["titles"].tobytes().decode().split("\x00") if changed.any() else []
    if changed[0]:
        titles[0] = "A title only the cache knows"
    else:
        changed[0] = True
        titles.insert(0, "A title only the cache knows")
    arrays["title_changed"] = changed
    arrays["titles"] = np.frombuffer("\x00".join(titles).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    assert load_retriever(corpus, cache_dir=cache).papers[0].title == "A title only the cache knows"


def _mapped(array):
    """Whether `array` is a view of a memory-mapped file."""
    while isinstance(array, np.ndarray):
        array = array.base
    return isinstance(array, memoryview) and isinstance(array.obj, mmap.mmap)


def test_the_cached_arrays_are_mapped_from_the_file_not_copied(tmp_path, bundled_corpus):
    corpus = load_corpus(_corpus_copy(tmp_path, bundled_corpus))
    cache = tmp_path / "cache"
    load_retriever(corpus, cache_dir=cache)
    arrays = map_arrays(cache_file(cache, corpus))
    docs = arrays["sentence/docs"]
    assert _mapped(docs) and not docs.flags.writeable
    assert docs.ctypes.data % 64 == 0  # written aligned, so used in place
    with np.load(cache_file(cache, corpus), allow_pickle=False) as stored:  # still numpy's npz
        np.testing.assert_array_equal(stored["sentence/docs"], docs)
    loaded = load_retriever(corpus, cache_dir=cache)
    assert _mapped(loaded._sentence_index.all_postings[0])
    # One vocabulary for both indexes.
    assert loaded._sentence_index.vocabulary is loaded._paper_index.vocabulary
    # A cleaned text that equals the corpus's is the corpus's own string, held once.
    assert all(
        p.abstract is p.record.abstract for p in loaded.papers if p.abstract == p.record.abstract
    )


def test_an_edited_corpus_makes_the_cache_stale(tmp_path, bundled_corpus, caplog):
    path = _corpus_copy(tmp_path, bundled_corpus)
    cache = tmp_path / "cache"
    load_retriever(load_corpus(path), cache_dir=cache)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    rows[3]["abstract"] = "GUM improves the taste of soup."
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with caplog.at_level(logging.INFO):
        edited = load_retriever(load_corpus(path), cache_dir=cache)
    assert edited.ask(QUESTION).hits[0].sentence == "GUM improves the taste of soup."
    assert _cache_warnings(caplog) == []  # an edit is normal: no warning
    (rebuilt,) = _cache_records(caplog, logging.INFO)
    assert "stale" in rebuilt and "rebuilding" in rebuilt
    caplog.clear()
    load_retriever(load_corpus(path), cache_dir=cache)
    assert _cache_warnings(caplog) == []  # rebuilt once, then reused


def test_changed_ranking_parameters_make_the_cache_stale(tmp_path, bundled_corpus, caplog):
    corpus = load_corpus(_corpus_copy(tmp_path, bundled_corpus))
    cache = tmp_path / "cache"
    load_retriever(corpus, cache_dir=cache)
    changed = RankingParams(sentence_k1=1.7)
    with caplog.at_level(logging.INFO):
        retriever = load_retriever(corpus, changed, cache_dir=cache)
    assert _answer(retriever) == _answer(Retriever(corpus, changed))
    assert _cache_warnings(caplog) == []
    assert "stale" in _cache_records(caplog, logging.INFO)[0]


def _damage_truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _damage_garbage(path):
    path.write_bytes(b"not a zip file at all" * 100)


def _damage_pickled(path):
    # An object array can only be stored by pickling: it must never be loaded.
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["key"] = np.array([{"evil": True}], dtype=object)
    np.savez(path, **arrays)


def _damage_arrays(path):
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["sentence/docs"] = arrays["sentence/docs"][:-5]
    np.savez(path, **arrays)


def _damage_missing(path):
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files if name != "paper/codes"}
    np.savez(path, **arrays)


def _damage_sentence_places(path):
    """Well-formed arrays, but a sentence that ends past its abstract."""
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    bounds = arrays["sentence_bounds"].copy()
    bounds[3, 1] += 100_000
    arrays["sentence_bounds"] = bounds
    np.savez(path, **arrays)


def _damage_spelling(path):
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["spelling/counts"] = arrays["spelling/counts"].astype(np.int32)
    np.savez(path, **arrays)


def _damage_catalogue(path):
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["catalogue"] = np.frombuffer(b'{"authors": {"dict": [[1', dtype=np.uint8)
    np.savez(path, **arrays)


def _damage_title_terms(path):
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    arrays["title_term_numbers"] = arrays["title_term_numbers"] + 10**8
    np.savez(path, **arrays)


def _damage_sentence_counts(path):
    with np.load(path, allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    counts = arrays["sentence_counts"].copy()
    counts[0], counts[1] = counts[0] + 1, counts[1] - 1  # same total, wrong papers
    arrays["sentence_counts"] = counts
    np.savez(path, **arrays)


@pytest.mark.parametrize(
    "damage",
    [
        _damage_truncate,
        _damage_garbage,
        _damage_pickled,
        _damage_arrays,
        _damage_missing,
        _damage_sentence_places,
        _damage_sentence_counts,
        _damage_spelling,
        _damage_catalogue,
        _damage_title_terms,
    ],
)
def test_a_damaged_cache_is_rebuilt_with_one_warning(tmp_path, bundled_corpus, caplog, damage):
    corpus = load_corpus(_corpus_copy(tmp_path, bundled_corpus))
    cache = tmp_path / "cache"
    expected = _answer(load_retriever(corpus, cache_dir=cache))
    damage(cache_file(cache, corpus))
    with caplog.at_level(logging.WARNING):
        retriever = load_retriever(corpus, cache_dir=cache)
    assert _answer(retriever) == expected
    warnings = _cache_warnings(caplog)
    assert len(warnings) == 1 and "rebuilding" in warnings[0]
    caplog.clear()
    assert _answer(load_retriever(corpus, cache_dir=cache)) == expected
    assert _cache_warnings(caplog) == []


def test_an_unwritable_cache_folder_costs_only_speed(tmp_path, bundled_corpus, caplog):
    corpus = load_corpus(_corpus_copy(tmp_path, bundled_corpus))
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    with caplog.at_level(logging.WARNING):
        retriever = load_retriever(corpus, cache_dir=blocked / "cache")
    assert _answer(retriever) == _answer(Retriever(corpus))
    assert "Cannot write the index cache" in _cache_warnings(caplog)[0]


def test_without_a_cache_folder_nothing_is_written(tmp_path, bundled_corpus):
    corpus = load_corpus(_corpus_copy(tmp_path, bundled_corpus))
    load_retriever(corpus, cache_dir=None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["papers.jsonl"]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"PAPERBOT_INDEX_CACHE": "off"}, None),
        ({"PAPERBOT_INDEX_CACHE": "/srv/cache"}, "/srv/cache"),
        ({"XDG_CACHE_HOME": "/home/x/.cache"}, "/home/x/.cache/paperbot"),
    ],
)
def test_the_cache_setting(environ, expected):
    folder = load_settings(environ, env_file=None).index_cache
    assert (None if folder is None else str(folder)) == expected


def test_cli_questions_reuse_the_cache(run_cli, tmp_path):
    cache = tmp_path / "cache"
    first = run_cli("ask", QUESTION, "--json", PAPERBOT_INDEX_CACHE=str(cache))
    files = list(cache.iterdir())
    second = run_cli("ask", QUESTION, "--json", PAPERBOT_INDEX_CACHE=str(cache))
    assert len(files) == 1 and files[0].suffix == ".npz"
    assert first.stdout == second.stdout and first.stderr == second.stderr == ""
    off = run_cli("ask", QUESTION, "--json", PAPERBOT_INDEX_CACHE="off")
    assert off.stdout == first.stdout
