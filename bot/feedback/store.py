"""What people ask that the papers do not answer, and what they think of the answers.

A SQLite file records unanswered questions (no relevant hit) and "helpful" / "not helpful" votes
on answers, with the snippets the answer showed; `paperbot report` reads them back. The code
creates and migrates the schema itself (PRAGMA user_version).

Recording never gets in the way of answering: the `record_*` methods are best-effort and never
raise. A locked, full, unwritable or corrupt database is logged and the caller goes on; the
database file is left as it is for its owner to look at. Every call opens its own connection, so
a store can be shared by any number of threads (the Discord transport calls it through
`asyncio.to_thread`); SQLite's locking and a busy timeout serialize the writes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.errors import PaperbotError
from bot.text.normalise import LETTERS_AND_DIGITS, normalise

if TYPE_CHECKING:  # the CLI imports this module at start; the retrieval stack can wait
    from bot.index.answer import Answer
    from bot.settings import Settings

log = logging.getLogger(__name__)

# MIGRATIONS[n] takes a database from user_version n to n + 1; append, never edit.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE unanswered (
            id INTEGER PRIMARY KEY,
            asked_at TEXT NOT NULL,      -- UTC, ISO 8601: sorts as text
            question TEXT NOT NULL,      -- as asked
            normalized TEXT NOT NULL,    -- lower case, words only: what the report counts
            user_id TEXT                 -- only with PAPERBOT_STORE_USER_IDS
        )""",
        "CREATE INDEX unanswered_asked_at ON unanswered (asked_at)",
        """CREATE TABLE votes (
            id INTEGER PRIMARY KEY,
            voted_at TEXT NOT NULL,
            question TEXT NOT NULL,
            normalized TEXT NOT NULL,
            helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
            user_id TEXT
        )""",
        "CREATE INDEX votes_voted_at ON votes (voted_at)",
        """CREATE TABLE vote_snippets (
            vote_id INTEGER NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
            rank INTEGER NOT NULL,       -- 1 for the first snippet shown
            paper_id TEXT NOT NULL,
            snippet TEXT NOT NULL,
            PRIMARY KEY (vote_id, rank)
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


class FeedbackError(PaperbotError):
    """The feedback database cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class Shown:
    """One snippet an answer showed, as it was shown."""

    paper_id: str
    snippet: str


def shown_in(answer: Answer) -> tuple[Shown, ...]:
    """The snippets shown; for a list or one paper's fact, each paper shown with its title."""
    if not answer.hits:
        return tuple(Shown(paper.id, paper.title) for paper in answer.shown_papers)
    return tuple(Shown(hit.paper.id, hit.sentence) for hit in answer.hits)


@dataclass(frozen=True)
class AskedQuestion:
    question: str  # the latest wording of the question
    count: int
    last_asked: datetime


@dataclass(frozen=True)
class UnhelpfulAnswer:
    question: str  # the latest wording of the question
    count: int  # "not helpful" votes
    paper_ids: tuple[str, ...]  # papers the voted answers showed, most often shown first
    last_voted: datetime


@dataclass(frozen=True)
class FeedbackReport:
    since: datetime | None
    unanswered_count: int
    unanswered: tuple[AskedQuestion, ...]  # most often asked first
    helpful_votes: int
    unhelpful_votes: int
    unhelpful: tuple[UnhelpfulAnswer, ...]  # most often voted down first


def _question_key(question: str) -> str:
    """'What is BYOL?' and 'what is byol' count as one question."""
    return normalise(question, compatibility=True, words=LETTERS_AND_DIGITS)


class FeedbackStore:
    """Records unanswered questions and votes in one SQLite file; safe to share between threads."""

    def __init__(
        self,
        path: Path,
        *,
        enabled: bool = True,
        store_user_ids: bool = False,
        busy_timeout: float = 5.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.path = Path(path)
        self.enabled = enabled
        self.store_user_ids = store_user_ids
        self._busy_timeout = busy_timeout
        self._clock = clock
        self._schema_lock = threading.Lock()
        self._schema_ready = False
        self._last_failure: str | None = None
        self._failure_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(
            settings.database_path(),
            enabled=settings.record_questions,
            store_user_ids=settings.store_user_ids,
        )

    # Recording: best-effort, never raises --------------------------------------------------

    def record_unanswered(self, question: str, user_id: int | str | None = None) -> bool:
        """Record a question the papers did not answer; False if it was not recorded."""
        return self._record(self._insert_unanswered, question, user_id)

    def record_answer(self, answer: Answer, user_id: int | str | None = None) -> bool:
        """Record `answer`'s question if nothing answered it; False if nothing was recorded."""
        return False if answer.found else self.record_unanswered(answer.question, user_id)

    def record_vote(
        self,
        question: str,
        helpful: bool,
        shown: Sequence[Shown],
        user_id: int | str | None = None,
    ) -> bool:
        """Record a vote on the answer to `question` that showed `shown`; False if not recorded."""
        return self._record(self._insert_vote, question, bool(helpful), tuple(shown), user_id)

    def _record(self, insert: Callable[..., None], *args: object) -> bool:
        if not self.enabled:
            return False
        try:
            with self._connection() as connection:
                connection.execute("BEGIN IMMEDIATE")
                insert(connection, *args)
                connection.execute("COMMIT")
        except (sqlite3.Error, OSError, FeedbackError) as exc:
            self._schema_ready = False  # look again next time: the file may have been replaced
            self._log_failure(f"{self.path}: question or vote not recorded: {_reason(exc)}")
            return False
        except Exception:  # never let a recording bug cost the user their answer
            log.exception("%s: question or vote not recorded", self.path)
            return False
        with self._failure_lock:
            self._last_failure = None
        return True

    def _insert_unanswered(
        self, connection: sqlite3.Connection, question: str, user_id: int | str | None
    ) -> None:
        connection.execute(
            "INSERT INTO unanswered (asked_at, question, normalized, user_id) VALUES (?, ?, ?, ?)",
            (self._now(), question, _question_key(question), self._user(user_id)),
        )

    def _insert_vote(
        self,
        connection: sqlite3.Connection,
        question: str,
        helpful: bool,
        shown: tuple[Shown, ...],
        user_id: int | str | None,
    ) -> None:
        cursor = connection.execute(
            "INSERT INTO votes (voted_at, question, normalized, helpful, user_id)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                self._now(),
                question,
                _question_key(question),
                int(helpful),
                self._user(user_id),
            ),
        )
        connection.executemany(
            "INSERT INTO vote_snippets (vote_id, rank, paper_id, snippet) VALUES (?, ?, ?, ?)",
            [
                (cursor.lastrowid, rank, item.paper_id, item.snippet)
                for rank, item in enumerate(shown, start=1)
            ],
        )

    def _user(self, user_id: int | str | None) -> str | None:
        return str(user_id) if self.store_user_ids and user_id is not None else None

    def _now(self) -> str:
        return _timestamp(self._clock())

    def _log_failure(self, message: str) -> None:
        # The same failure on every question would flood the log: say it once until it changes.
        # Records come from several threads at once: the check and the change are one step, taken
        # before the (slow) logging.
        with self._failure_lock:
            new, self._last_failure = message != self._last_failure, message
        log.log(logging.WARNING if new else logging.DEBUG, message)

    # Reading: for `paperbot report`, raises FeedbackError ---------------------------------

    def report(self, since: timedelta | None = None, limit: int = 20) -> FeedbackReport:
        """The most frequent unanswered questions and unhelpful answers, newer than `since`."""
        start = self._clock() - since if since is not None else None
        if not self.path.exists():
            return FeedbackReport(start, 0, (), 0, 0, ())
        cutoff = _timestamp(start) if start is not None else ""
        try:
            with self._connection() as connection:
                return self._report(connection, start, cutoff, limit)
        except (sqlite3.Error, OSError) as exc:
            raise FeedbackError(f"{self.path}: cannot read feedback: {_reason(exc)}") from None

    def _report(
        self, connection: sqlite3.Connection, start: datetime | None, cutoff: str, limit: int
    ) -> FeedbackReport:
        # SQLite fills bare columns next to a single MAX() from the row holding the maximum:
        # so `question` and its time are those of the latest record of each question.
        unanswered = connection.execute(
            "SELECT question, COUNT(*), asked_at, MAX(id) FROM unanswered WHERE asked_at >= ?"
            " GROUP BY normalized ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT ?",
            (cutoff, limit),
        ).fetchall()
        (unanswered_count,) = connection.execute(
            "SELECT COUNT(*) FROM unanswered WHERE asked_at >= ?", (cutoff,)
        ).fetchone()
        helpful, unhelpful = connection.execute(
            "SELECT COALESCE(SUM(helpful), 0), COALESCE(SUM(1 - helpful), 0) FROM votes"
            " WHERE voted_at >= ?",
            (cutoff,),
        ).fetchone()
        voted_down = connection.execute(
            "SELECT normalized, question, COUNT(*), voted_at, MAX(id) FROM votes"
            " WHERE helpful = 0 AND voted_at >= ?"
            " GROUP BY normalized ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT ?",
            (cutoff, limit),
        ).fetchall()
        answers = []
        for normalized, question, count, last, _ in voted_down:
            papers = connection.execute(
                "SELECT s.paper_id FROM vote_snippets s JOIN votes v ON v.id = s.vote_id"
                " WHERE v.helpful = 0 AND v.normalized = ? AND v.voted_at >= ?"
                " GROUP BY s.paper_id ORDER BY COUNT(*) DESC, MIN(s.rank)",
                (normalized, cutoff),
            ).fetchall()
            answers.append(
                UnhelpfulAnswer(question, count, tuple(p for (p,) in papers), _parse(last))
            )
        return FeedbackReport(
            since=start,
            unanswered_count=unanswered_count,
            unanswered=tuple(AskedQuestion(q, n, _parse(last)) for q, n, last, _ in unanswered),
            helpful_votes=helpful,
            unhelpful_votes=unhelpful,
            unhelpful=tuple(answers),
        )

    # The database ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            # People's questions are nobody else's business: owner-only, like the -wal and -shm
            # files SQLite then creates with the same mode. An empty file is an empty database.
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        # isolation_level=None: transactions are begun and committed here, explicitly.
        connection = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            # WAL lets `paperbot report` read while the bot writes; NORMAL syncs at checkpoints,
            # which in WAL mode cannot corrupt the file and is much faster than a sync per vote.
            connection.execute("PRAGMA synchronous = NORMAL")
            self._ensure_schema(connection)
            yield connection
        except BaseException:
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")
            raise
        finally:
            connection.close()

    def _ensure_schema(self, connection: sqlite3.Connection) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            migrate(connection, self.path)
            self._schema_ready = True


def migrate(connection: sqlite3.Connection, where: Path | str = "database") -> int:
    """Bring the schema to SCHEMA_VERSION; returns the version the database had."""
    version: int
    (version,) = connection.execute("PRAGMA user_version").fetchone()
    if version > SCHEMA_VERSION:
        raise FeedbackError(
            f"{where}: written by a newer paperbot (schema {version}, this one knows "
            f"{SCHEMA_VERSION}); leaving it alone"
        )
    if version == SCHEMA_VERSION:
        return version
    if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        connection.execute("PRAGMA journal_mode = WAL")  # persistent; outside any transaction
    connection.execute("BEGIN IMMEDIATE")  # one migrating process at a time
    try:
        # Another process may have migrated while this one waited for the lock.
        (current,) = connection.execute("PRAGMA user_version").fetchone()
        for steps in MIGRATIONS[current:]:
            for statement in steps:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return version


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
