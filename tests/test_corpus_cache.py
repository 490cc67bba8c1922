"""The parsed papers of a JSON Lines corpus, kept in the cache: read back exactly as parsed,
parsed again after any edit, and a damaged file costs only the parse."""

import functools
import json
import logging

from bot.corpus.papers import load_corpus
from bot.index.corpus_cache import load_corpus_cached
from bot.index.index_cache import content_key, facts_key
from bot.index.live_corpus import LiveCorpus
from bot.index.retriever import RankingParams

ROWS = [
    {
        "id": "p1",
        "title": "Sparse retrieval at scale",
        "abstract": "We index sentences. Then we rank them.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "year": 2021,
        "venue": "ACL",
        "doi": "10.1145/3442188.3445922",
        "url": "https://example.org/p1",
    },
    {"_id": 7, "title": "Dense vectors", "text": "Vectors help. Sometimes.", "arxiv": "2101.00001"},
    {"id": "p3", "title": "No authors here", "abstract": "Ünïcode text — kept as written."},
]


def _write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n\n" for r in rows), "utf-8")


def _fields(corpus):
    return [vars(paper) for paper in corpus.papers], corpus.sources, corpus.owner


def test_a_cached_corpus_is_read_back_exactly_as_parsed(tmp_path):
    path, cache = tmp_path / "papers.jsonl", tmp_path / "cache"
    _write(path, ROWS)
    parsed = load_corpus(path)
    first = load_corpus_cached(path, cache)
    assert list(cache.glob("corpus-*.npz"))  # stored
    again = load_corpus_cached(path, cache)
    assert _fields(first) == _fields(again) == _fields(parsed)
    assert again.papers[0].authors == ("Ada Lovelace", "Alan Turing")
    assert again.papers[1].venue is None and again.papers[1].id == "7"
    assert again.papers[2].origin == f"{path}:5"


def test_an_edited_corpus_is_parsed_again_and_replaces_its_cache(tmp_path, caplog):
    path, cache = tmp_path / "papers.jsonl", tmp_path / "cache"
    _write(path, ROWS)
    load_corpus_cached(path, cache)
    _write(path, [{**ROWS[0], "title": "Sparse retrieval at a larger scale"}, *ROWS[1:]])
    with caplog.at_level(logging.INFO):
        edited = load_corpus_cached(path, cache)
    assert [r.levelname for r in caplog.records if "Corpus cache" in r.getMessage()] == ["INFO"]
    assert edited.papers[0].title == "Sparse retrieval at a larger scale"
    assert _fields(load_corpus_cached(path, cache)) == _fields(load_corpus(path))
    assert len(list(cache.glob("corpus-*.npz"))) == 1


def test_a_damaged_cache_file_is_ignored_with_a_warning(tmp_path, caplog):
    path, cache = tmp_path / "papers.jsonl", tmp_path / "cache"
    _write(path, ROWS)
    load_corpus_cached(path, cache)
    (stored,) = cache.glob("corpus-*.npz")
    stored.write_bytes(stored.read_bytes()[:200])
    with caplog.at_level(logging.WARNING):
        corpus = load_corpus_cached(path, cache)
    assert _fields(corpus) == _fields(load_corpus(path))
    assert any("unusable" in r.getMessage() for r in caplog.records)


def test_a_toml_corpus_is_not_cached(tmp_path, bundled_corpus):
    cache = tmp_path / "cache"
    corpus = load_corpus_cached(bundled_corpus.sources[0], cache)
    assert _fields(corpus) == _fields(bundled_corpus)
    assert not cache.exists() or not list(cache.glob("corpus-*.npz"))


def test_a_cached_corpus_gives_the_index_cache_the_keys_parsing_gives(tmp_path):
    path, cache = tmp_path / "papers.jsonl", tmp_path / "cache"
    _write(path, ROWS)
    parsed = load_corpus(path)
    load_corpus_cached(path, cache)
    cached = load_corpus_cached(path, cache)
    assert parsed.digests is None and cached.digests is not None
    params = RankingParams()
    assert content_key(cached, params) == content_key(parsed, params)
    assert facts_key(cached) == facts_key(parsed)
    edited = [{**ROWS[0], "year": 2022}, *ROWS[1:]]
    _write(path, edited)
    assert facts_key(load_corpus_cached(path, cache)) == facts_key(load_corpus(path))
    assert facts_key(load_corpus(path)) != facts_key(parsed)


def test_a_live_corpus_read_through_the_cache_serves_an_edit_on_reload(tmp_path):
    path, cache = tmp_path / "papers.jsonl", tmp_path / "cache"
    _write(path, ROWS)
    load = functools.partial(load_corpus_cached, cache_dir=cache)
    live = LiveCorpus(path, load=load)
    assert live.retriever.paper("p1").title == "Sparse retrieval at scale"
    _write(path, [{**ROWS[0], "title": "Sparse retrieval, revisited"}, *ROWS[1:]])
    assert live.reload().error is None
    assert live.retriever.paper("p1").title == "Sparse retrieval, revisited"
