"""The corpus the bot answers from, reloaded while the bot runs.

`LiveCorpus` holds the current `Retriever`. `reload()` reads and indexes the corpus again and then
swaps the new index in with a single assignment: a question that already took the old index
finishes on it, the next question gets the new one, and nothing waits for the rebuild. A corpus
that fails validation is rejected: the reason is logged and returned, and the old index keeps
serving. `watch()` reloads within a few seconds of an edit of the corpus files.

Nothing here knows about Discord: the transport calls `reload()` for `/reload` (through
`asyncio.to_thread`, as it builds an index) and runs `watch()` as a background task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bot.corpus.papers import CORPUS_SUFFIXES, Corpus, CorpusError, load_corpus
from bot.index.retriever import Retriever

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CorpusStatus:
    """What is being served, and how the latest reload went."""

    loaded_at: datetime  # when the corpus being served was read
    papers: int
    sentences: int
    error: str | None = None  # why the latest reload was rejected; None once one succeeds
    failed_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class _Served:
    retriever: Retriever
    status: CorpusStatus


class LiveCorpus:
    """The current index over the corpus at `path`; safe to use from any thread.

    The first load happens here and raises CorpusError, so a bad corpus stops the bot at start;
    `retriever`, an index already built from the corpus at `path`, is served first instead.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        build: Callable[[Corpus], Retriever] = Retriever,
        load: Callable[[Path], Corpus] = load_corpus,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        retriever: Retriever | None = None,
    ) -> None:
        self.path = Path(path)
        self._build = build
        self._load = load  # the papers at `path` (load_corpus, or a cache of what it gives)
        self._clock = clock
        self._reload_lock = threading.Lock()
        loaded_at = clock()
        if retriever is None:
            retriever = build(load(self.path))
        self._served = self._serve(retriever, loaded_at)

    @property
    def retriever(self) -> Retriever:
        """The index to answer with. Take it once per question: a reload may replace it."""
        return self._served.retriever

    @property
    def status(self) -> CorpusStatus:
        return self._served.status

    def reload(self) -> CorpusStatus:
        """Read and index the corpus again; on success serve it, else keep the old index.

        Blocks while the index is built: call it from a worker thread in an event loop.
        Reloads run one at a time, so the last one to start serves the newest files.
        """
        with self._reload_lock:
            started = self._clock()
            began = time.perf_counter()
            try:
                retriever = self._build(self._load(self.path))
            except CorpusError as exc:
                old = self._served
                status = replace(old.status, error=str(exc), failed_at=started)
                self._served = _Served(old.retriever, status)
                log.warning("Corpus reload rejected; still serving the previous corpus: %s", exc)
                return status
            self._served = self._serve(retriever, started)
            log.info(
                "Corpus reloaded: %d papers, %d sentences, in %.1f s",
                self.status.papers,
                self.status.sentences,
                time.perf_counter() - began,
            )
            return self.status

    async def watch(
        self,
        *,
        stop_event: asyncio.Event | None = None,
        on_reload: Callable[[CorpusStatus], object] | None = None,
        debounce_ms: int = 1600,
        quiet_ms: int = 300,
        force_polling: bool | None = None,
        started: asyncio.Event | None = None,
    ) -> None:
        """Reload whenever the corpus files change, until `stop_event` is set or cancelled.

        Changes are gathered until the files have been quiet for `quiet_ms` (at most
        `debounce_ms`), so an editor's save or an import is one reload. `on_reload` gets each
        reload's status, e.g. to tell the admins about a rejected corpus. `started` is set once
        the files are watched: a change from then on is seen.
        """
        from watchfiles import awatch  # the file watcher loads only for a bot that watches

        folder, wanted = _watched(self.path)
        log.info("Watching %s for corpus changes", self.path)
        changes = awatch(
            folder,
            watch_filter=wanted,
            debounce=debounce_ms,
            step=quiet_ms,
            stop_event=stop_event,
            recursive=False,
            force_polling=force_polling,
        )
        async with contextlib.aclosing(changes):
            step = asyncio.ensure_future(anext(changes))
            # The watch is set up in that step's first run, before it waits for a change (the
            # watcher collects changes from then on); one turn of the loop runs it.
            await asyncio.sleep(0)
            if started is not None:
                started.set()
            while True:
                try:
                    await step
                except StopAsyncIteration:
                    return
                await self._reload_watched(on_reload)
                step = asyncio.ensure_future(anext(changes))

    async def _reload_watched(self, on_reload: Callable[[CorpusStatus], object] | None) -> None:
        try:
            status = await asyncio.to_thread(self.reload)
        except Exception:  # a bug in indexing must not end the watching; the old index serves
            log.exception("Corpus reload failed; still serving the previous corpus")
            return
        if on_reload is not None:
            try:
                on_reload(status)
            except Exception:  # a failing notification must not stop the reloads
                log.exception("on_reload failed after a corpus reload")

    def _serve(self, retriever: Retriever, loaded_at: datetime) -> _Served:
        stats = retriever.stats
        return _Served(retriever, CorpusStatus(loaded_at, stats.papers, stats.sentences))


def _watched(path: Path) -> tuple[Path, Callable[[object, str], bool]]:
    """The folder to watch and a filter for the corpus files in it.

    A single corpus file is watched through its folder: editors save by writing a new file and
    renaming it over the old one, which a watch on the file itself would lose.
    """
    if path.is_dir():
        folder = path.resolve()

        def wanted(_change: object, changed: str) -> bool:
            changed_path = Path(changed)
            return changed_path.parent == folder and changed_path.suffix in CORPUS_SUFFIXES

    else:
        folder = path.resolve().parent
        target = path.resolve()

        def wanted(_change: object, changed: str) -> bool:
            return Path(changed) == target

    return folder, wanted
