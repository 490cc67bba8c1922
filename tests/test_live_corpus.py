"""Reloading the corpus while questions are being answered, by hand and on file changes."""

import asyncio
import threading
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main as cli
from bot.corpus.papers import BUNDLED_CORPUS, CorpusError, load_corpus
from bot.index.index_cache import cache_file, content_key, load_retriever
from bot.index.live_corpus import LiveCorpus, _watched
from bot.index.retriever import RankingParams, Retriever
from bot.settings import Settings

# BM25 needs a few papers to tell a relevant one apart: the bundled ones are the background.
BUNDLED = (BUNDLED_CORPUS / "papers.toml").read_text(encoding="utf-8")
ZEBRAS = """
[[papers]]
id = "zebras"
title = '''Why Zebras Have Stripes'''
abstract = '''
Zebra stripes deter biting flies. Horse flies fail to land on striped coats.'''
"""
PENGUINS = """
[[papers]]
id = "penguins"
title = '''How Penguins Keep Warm'''
abstract = '''
Emperor penguins huddle in large groups to survive the Antarctic winter.'''
"""
PENGUINS_BY_AUTHOR = (
    PENGUINS.replace("title = ", 'authors = ["Mirela Osterhagen"]\ntitle = ')
    + """
[[papers]]
id = "penguin-colonies"
title = '''Penguin Colonies Through the Winter'''
abstract = '''Penguins huddle closer as the winter deepens.'''
"""
)
BROKEN = BUNDLED + ZEBRAS + '\n[[papers]]\nid = "no-abstract"\ntitle = "Oops"\n'


def _ids(answer):
    return [hit.paper.id for hit in answer.hits]


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "papers.toml"
    path.write_text(BUNDLED + ZEBRAS, encoding="utf-8")
    return path


def test_an_edit_is_served_after_a_reload(corpus_file):
    live = LiveCorpus(corpus_file)
    first = live.status
    assert _ids(live.retriever.ask("how do penguins keep warm")) == []
    corpus_file.write_text(BUNDLED + ZEBRAS + PENGUINS, encoding="utf-8")
    status = live.reload()
    assert status.ok and status.papers == 8
    assert status.loaded_at >= first.loaded_at
    assert _ids(live.retriever.ask("how do penguins keep warm"))[0] == "penguins"


def test_a_broken_edit_is_rejected_and_the_old_index_keeps_answering(corpus_file, caplog):
    live = LiveCorpus(corpus_file)
    loaded_at = live.status.loaded_at
    corpus_file.write_text(BROKEN, encoding="utf-8")
    status = live.reload()
    assert not status.ok
    assert "paper 8: missing 'abstract'" in status.error and str(corpus_file) in status.error
    assert "Corpus reload rejected" in caplog.text and "missing 'abstract'" in caplog.text
    assert status.loaded_at == loaded_at and status.papers == 7
    assert live.status == status
    assert _ids(live.retriever.ask("why do zebras have stripes"))[0] == "zebras"
    corpus_file.write_text(BUNDLED + ZEBRAS + PENGUINS, encoding="utf-8")
    assert live.reload().ok and live.status.error is None


def test_a_bad_corpus_at_start_raises(tmp_path):
    bad = tmp_path / "papers.toml"
    bad.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(CorpusError, match="missing 'abstract'"):
        LiveCorpus(bad)


def test_a_question_in_flight_finishes_on_the_index_it_started_with(corpus_file):
    live = LiveCorpus(corpus_file)
    took_index, reloaded = threading.Event(), threading.Event()
    answers = []

    def ask_slowly():
        retriever = live.retriever  # what a question handler does first
        took_index.set()
        reloaded.wait(5)
        answers.append(retriever.ask("why do zebras have stripes"))

    question = threading.Thread(target=ask_slowly)
    question.start()
    took_index.wait(5)
    corpus_file.write_text(BUNDLED + PENGUINS, encoding="utf-8")  # the zebra paper is gone
    assert live.reload().ok
    reloaded.set()
    question.join(5)
    assert _ids(answers[0])[0] == "zebras"
    assert _ids(live.retriever.ask("why do zebras have stripes")) == []


def test_questions_are_answered_on_the_old_index_while_the_new_one_builds(corpus_file):
    building, finish = threading.Event(), threading.Event()

    def slow_build(corpus):
        if len(corpus) > 7:  # the reload, not the first load
            building.set()
            finish.wait(5)
        return Retriever(corpus)

    live = LiveCorpus(corpus_file, build=slow_build)
    corpus_file.write_text(BUNDLED + ZEBRAS + PENGUINS, encoding="utf-8")
    reload = threading.Thread(target=live.reload)
    reload.start()
    assert building.wait(5)
    assert _ids(live.retriever.ask("why do zebras have stripes"))[0] == "zebras"  # not blocked
    assert live.status.papers == 7
    finish.set()
    reload.join(5)
    assert live.status.papers == 8


async def _reload_where(reloads, condition, seconds=10.0):
    """The first status the watcher reports (its `on_reload` puts each on the queue `reloads`)
    that meets `condition`."""
    async with asyncio.timeout(seconds):
        while not condition(status := await reloads.get()):
            pass
    return status


def _top_id(live, question):
    return _ids(live.retriever.ask(question))[0]


def test_the_watcher_reloads_after_edits_and_reports_rejections(corpus_file):
    live = LiveCorpus(corpus_file)
    seen = []

    async def scenario():
        stop = asyncio.Event()
        started = asyncio.Event()
        reloads = asyncio.Queue()

        def report(status):
            seen.append(status)
            reloads.put_nowait(status)

        watcher = asyncio.create_task(
            live.watch(
                stop_event=stop,
                on_reload=report,
                debounce_ms=800,
                quiet_ms=100,
                started=started,
            )
        )
        await asyncio.wait_for(started.wait(), 10)
        corpus_file.write_text(BUNDLED + ZEBRAS + PENGUINS, encoding="utf-8")
        await _reload_where(reloads, lambda status: status.papers == 8, seconds=5)
        corpus_file.write_text(BROKEN, encoding="utf-8")
        await _reload_where(reloads, lambda status: status.error is not None)
        stop.set()
        await asyncio.wait_for(watcher, 10)

    asyncio.run(scenario())
    assert _top_id(live, "how do penguins keep warm") == "penguins"  # still the old index
    assert seen[0].ok and not seen[-1].ok
    assert any("missing 'abstract'" in (status.error or "") for status in seen)


def test_the_watcher_sees_files_replaced_by_rename_in_a_corpus_folder(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.toml").write_text(BUNDLED + ZEBRAS, encoding="utf-8")
    live = LiveCorpus(folder)

    async def scenario():
        stop = asyncio.Event()
        started = asyncio.Event()
        reloads = asyncio.Queue()
        watcher = asyncio.create_task(
            live.watch(
                stop_event=stop,
                on_reload=reloads.put_nowait,
                debounce_ms=800,
                quiet_ms=100,
                started=started,
            )
        )
        await asyncio.wait_for(started.wait(), 10)
        saved = folder / ".b.toml.tmp"  # how editors and `paperbot import` save
        saved.write_text(PENGUINS, encoding="utf-8")
        saved.rename(folder / "b.toml")
        await _reload_where(reloads, lambda status: status.papers == 8)
        stop.set()
        await asyncio.wait_for(watcher, 10)

    asyncio.run(scenario())
    assert live.status.papers == 8


@pytest.mark.parametrize(
    ("changed", "wanted"),
    [
        ("papers.toml", True),
        ("more.jsonl", True),
        ("notes.txt", False),
        (".papers.toml.abc123.tmp", False),
        ("sub/papers.toml", False),
    ],
)
def test_only_corpus_files_of_the_folder_trigger_a_reload(tmp_path, changed, wanted):
    folder, accepts = _watched(tmp_path)
    assert folder == tmp_path.resolve()
    assert accepts(None, str(tmp_path.resolve() / changed)) is wanted


def test_a_single_corpus_file_is_watched_through_its_folder(tmp_path):
    target = tmp_path / "papers.toml"
    target.write_text(BUNDLED + ZEBRAS, encoding="utf-8")
    folder, accepts = _watched(target)
    assert folder == tmp_path.resolve()
    assert accepts(None, str(target.resolve()))
    assert not accepts(None, str(Path(folder) / "other.toml"))


def test_the_watcher_keeps_going_after_a_reload_crashes(corpus_file, caplog):
    builds = []
    crashed = threading.Event()

    def flaky_build(corpus):
        builds.append(len(corpus))
        if len(builds) == 2:
            crashed.set()
            raise RuntimeError("indexing bug")
        return Retriever(corpus)

    live = LiveCorpus(corpus_file, build=flaky_build)

    async def scenario():
        stop = asyncio.Event()
        started = asyncio.Event()
        reloads = asyncio.Queue()
        watcher = asyncio.create_task(
            live.watch(
                stop_event=stop,
                on_reload=reloads.put_nowait,
                debounce_ms=800,
                quiet_ms=100,
                started=started,
            )
        )
        await asyncio.wait_for(started.wait(), 10)
        corpus_file.write_text(BUNDLED + ZEBRAS + PENGUINS, encoding="utf-8")
        assert await asyncio.to_thread(crashed.wait, 10)  # the crashed reload
        corpus_file.write_text(BUNDLED + PENGUINS, encoding="utf-8")  # the next edit is seen
        await _reload_where(reloads, lambda status: status.papers == 7)
        stop.set()
        await asyncio.wait_for(watcher, 10)

    asyncio.run(scenario())
    assert _top_id(live, "penguins") == "penguins"
    assert "indexing bug" in caplog.text


def test_the_bot_loads_and_reloads_through_the_index_cache(tmp_path, corpus_file):
    """`paperbot serve`'s LiveCorpus builds with the index cache: a restart after a reload reads
    the reloaded corpus's index from disk instead of building it."""
    settings = Settings(index_cache=tmp_path / "cache", corpus_path=corpus_file)
    live = cli._live_corpus(settings)
    corpus_file.write_text(BUNDLED + ZEBRAS + PENGUINS, encoding="utf-8")
    assert live.reload().ok
    corpus = load_corpus(corpus_file)
    with np.load(cache_file(tmp_path / "cache", corpus), allow_pickle=False) as stored:
        key = stored["key"].tobytes().decode()
    assert key == content_key(corpus, RankingParams())
    assert _ids(live.retriever.ask("how do penguins keep warm"))[0] == "penguins"


def test_an_index_already_built_is_served_first_and_reloads_read_the_files(corpus_file):
    built = Retriever(load_corpus(corpus_file))
    live = LiveCorpus(corpus_file, retriever=built)
    assert live.retriever is built and live.status.papers == 7
    corpus_file.write_text(BUNDLED + ZEBRAS + PENGUINS, encoding="utf-8")
    assert live.reload().papers == 8 and live.retriever is not built


def test_a_reload_builds_all_a_question_needs_before_it_serves_the_new_corpus(
    corpus_file, tmp_path
):
    """The new corpus's catalogue and spelling corrector are built (with the index, off the
    serving path) before the swap: until then questions get the old corpus, after it the new
    one answers facts and typos at once."""
    served_during_builds = []
    live = None

    def build(corpus):
        retriever = load_retriever(corpus, cache_dir=tmp_path / "cache")
        if live is not None:
            served_during_builds.append(live.retriever)
        return retriever

    live = LiveCorpus(corpus_file, build=build)
    old = live.retriever
    corpus_file.write_text(BUNDLED + ZEBRAS + PENGUINS_BY_AUTHOR, encoding="utf-8")
    assert live.reload().ok
    assert served_during_builds == [old] and live.retriever is not old
    assert "mirela osterhagen" in live.retriever.catalogue().authors
    assert "mirela osterhagen" not in old.catalogue().authors
    assert live.retriever.spelling().correct("pengiuns huddle") == "penguins huddle"
