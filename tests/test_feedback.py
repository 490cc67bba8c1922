"""The feedback store, on real SQLite files: schema, recording, reporting, and failing softly."""

import asyncio
import json
import logging
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.feedback.store import (
    SCHEMA_VERSION,
    FeedbackError,
    FeedbackStore,
    Shown,
    shown_in,
)
from bot.settings import Settings


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(tmp_path, clock):
    return FeedbackStore(tmp_path / "state" / "paperbot.sqlite3", clock=clock)


def _rows(path, sql):
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


def test_the_schema_is_created_at_the_current_version(store):
    assert store.record_unanswered("what is dpo?")
    assert _rows(store.path, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    tables = {name for (name,) in _rows(store.path, "SELECT name FROM sqlite_master")}
    assert {"unanswered", "votes", "vote_snippets"} <= tables
    assert _rows(store.path, "PRAGMA journal_mode") == [("wal",)]


def test_the_database_is_readable_by_its_owner_only(store):
    store.record_unanswered("a private question")
    assert store.path.stat().st_mode & 0o777 == 0o600


def test_a_second_store_on_the_same_file_keeps_the_data(store, clock):
    store.record_unanswered("what is dpo?")
    again = FeedbackStore(store.path, clock=clock)
    assert again.record_unanswered("What is DPO")
    assert again.report().unanswered[0].count == 2


def test_a_database_from_a_newer_paperbot_is_left_alone(store, caplog):
    store.path.parent.mkdir(parents=True)
    with sqlite3.connect(store.path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with caplog.at_level(logging.WARNING):
        assert store.record_unanswered("anything") is False
    assert "written by a newer paperbot" in caplog.text
    with pytest.raises(FeedbackError, match="written by a newer paperbot"):
        store.report()


def test_report_counts_unanswered_questions_most_frequent_first(store, clock):
    for question in ["what is DPO?", "What is dpo", "recipe for cake", "what is dpo??"]:
        store.record_unanswered(question)
        clock.advance(minutes=1)
    report = store.report()
    assert report.unanswered_count == 4
    assert [(q.question, q.count) for q in report.unanswered] == [
        ("what is dpo??", 3),  # the latest wording
        ("recipe for cake", 1),
    ]
    assert report.unanswered[0].last_asked == clock.now - timedelta(minutes=1)


def test_questions_count_as_one_regardless_of_case_punctuation_and_forms(store):
    for question in [
        "  What is BYOL?! ",
        "what is byol",
        "Qu'est-ce que l'Été ?",
        "qu est ce que l été",
    ]:
        store.record_unanswered(question)
    assert sorted(q.count for q in store.report().unanswered) == [2, 2]


def test_report_since_leaves_out_older_records(store, clock):
    store.record_unanswered("an old question")
    store.record_vote("an old vote", False, [Shown("p", "s")])
    clock.advance(days=10)
    store.record_unanswered("a new question")
    report = store.report(since=timedelta(days=7))
    assert [q.question for q in report.unanswered] == ["a new question"]
    assert report.unanswered_count == 1 and report.unhelpful_votes == 0 and not report.unhelpful
    assert report.since == clock.now - timedelta(days=7)
    assert store.report().unanswered_count == 2


def test_votes_keep_the_snippets_shown_and_report_the_unhelpful_ones(store):
    shown = [Shown("paper-a", "First snippet."), Shown("paper-b", "Second snippet.")]
    assert store.record_vote("what is byol?", False, shown)
    assert store.record_vote("What is BYOL", False, [Shown("paper-b", "Other.")])
    assert store.record_vote("what is byol", True, shown)
    assert store.record_vote("what is gum?", False, [])
    rows = _rows(store.path, "SELECT vote_id, rank, paper_id, snippet FROM vote_snippets")
    assert rows[:2] == [(1, 1, "paper-a", "First snippet."), (1, 2, "paper-b", "Second snippet.")]
    report = store.report()
    assert (report.helpful_votes, report.unhelpful_votes) == (1, 3)
    assert [(a.question, a.count, a.paper_ids) for a in report.unhelpful] == [
        ("What is BYOL", 2, ("paper-b", "paper-a")),  # paper-b was shown in both
        ("what is gum?", 1, ()),
    ]


def test_user_ids_are_stored_only_when_the_owner_opts_in(tmp_path, clock):
    path = tmp_path / "db.sqlite3"
    FeedbackStore(path, clock=clock).record_unanswered("q1", user_id=123456789012345678)
    FeedbackStore(path, clock=clock).record_vote("q2", True, [], user_id=123456789012345678)
    opted_in = FeedbackStore(path, store_user_ids=True, clock=clock)
    opted_in.record_unanswered("q3", user_id=123456789012345678)
    assert _rows(path, "SELECT user_id FROM unanswered") == [(None,), ("123456789012345678",)]
    assert _rows(path, "SELECT user_id FROM votes") == [(None,)]


def test_recording_off_writes_nothing(tmp_path):
    store = FeedbackStore(tmp_path / "db.sqlite3", enabled=False)
    assert store.record_unanswered("q") is False
    assert store.record_vote("q", True, []) is False
    assert not store.path.exists()


def test_store_follows_the_settings(tmp_path):
    settings = Settings(state_dir=tmp_path / "state", record_questions=False, store_user_ids=True)
    store = FeedbackStore.from_settings(settings)
    assert store.path == tmp_path / "state" / "paperbot.sqlite3"
    assert (store.enabled, store.store_user_ids) == (False, True)


def test_record_answer_records_only_questions_nothing_answered(store, retriever):
    assert store.record_answer(retriever.ask("recipe for chocolate cake")) is True
    answered = retriever.ask("what is BYOL?")
    assert store.record_answer(answered) is False
    assert [q.question for q in store.report().unanswered] == ["recipe for chocolate cake"]
    assert shown_in(answered)[0].paper_id == answered.hits[0].paper.id


def test_concurrent_writes_from_many_threads_lose_nothing(store):
    threads, writes = 20, 50
    barrier = threading.Barrier(threads)
    failures = []

    def work(number):
        barrier.wait()  # all threads write at once
        for write in range(writes):
            if write % 2:
                ok = store.record_unanswered(f"question {number}")
            else:
                ok = store.record_vote(f"vote {number}", write % 4 == 0, [Shown("p", "s")])
            if not ok:
                failures.append((number, write))

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert failures == []
    assert _rows(store.path, "SELECT COUNT(*) FROM unanswered") == [(threads * writes // 2,)]
    assert _rows(store.path, "SELECT COUNT(*) FROM votes") == [(threads * writes // 2,)]
    assert _rows(store.path, "SELECT COUNT(*) FROM vote_snippets") == [(threads * writes // 2,)]
    report = store.report(limit=100)
    assert {q.count for q in report.unanswered} == {writes // 2}


def test_recording_from_asyncio_to_thread_works(store):
    async def many():
        calls = [asyncio.to_thread(store.record_unanswered, f"q{n}") for n in range(30)]
        return await asyncio.gather(*calls)

    assert all(asyncio.run(many()))
    assert store.report().unanswered_count == 30


def test_a_locked_database_is_logged_not_raised(tmp_path, caplog):
    store = FeedbackStore(tmp_path / "db.sqlite3", busy_timeout=0.1)
    assert store.record_unanswered("before the lock")
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with caplog.at_level(logging.WARNING):
            assert store.record_unanswered("while locked") is False
            assert store.record_vote("while locked", True, []) is False
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "database is locked" in caplog.text
    assert caplog.text.count("database is locked") == 1  # said once, not on every question
    assert store.record_unanswered("after the lock")
    assert store.report().unanswered_count == 2


def test_a_failure_met_by_two_threads_at_once_is_logged_once(tmp_path):
    """While the first thread is still logging the failure, a second meets it too: it is said
    once, whatever the order the threads run in (the check and the change are one step)."""
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"this is not a database, just some bytes " * 100)
    store = FeedbackStore(path)
    second = threading.Thread(target=store.record_unanswered, args=("second",))

    class SecondRecordsMeanwhile(logging.Handler):
        def __init__(self):
            super().__init__(logging.DEBUG)
            self.warnings = []

        def emit(self, record):
            if record.levelno >= logging.WARNING:
                self.warnings.append(record.getMessage())
                if not second.is_alive() and second.ident is None:
                    second.start()
                    # A second warning would wait for this handler's lock: not forever.
                    second.join(timeout=5)

    handler = SecondRecordsMeanwhile()
    logger = logging.getLogger("bot.feedback.store")
    logger.addHandler(handler)
    try:
        assert store.record_unanswered("first") is False
        second.join()
    finally:
        logger.removeHandler(handler)
    assert len(handler.warnings) == 1 and "file is not a database" in handler.warnings[0]


def test_a_corrupt_database_is_logged_not_raised_and_left_for_the_owner(tmp_path, caplog):
    path = tmp_path / "db.sqlite3"
    garbage = b"this is not a database, just some bytes " * 100
    path.write_bytes(garbage)
    store = FeedbackStore(path)
    with caplog.at_level(logging.WARNING):
        assert store.record_unanswered("q") is False
    assert "file is not a database" in caplog.text
    assert path.read_bytes() == garbage
    with pytest.raises(FeedbackError, match="cannot read feedback: file is not a database"):
        store.report()


def test_a_database_path_that_cannot_be_created_is_logged_not_raised(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    store = FeedbackStore(blocker / "db.sqlite3")
    with caplog.at_level(logging.WARNING):
        assert store.record_unanswered("q") is False
    assert "not recorded" in caplog.text


def test_report_on_a_missing_database_is_empty_and_creates_nothing(tmp_path):
    store = FeedbackStore(tmp_path / "never" / "db.sqlite3")
    report = store.report()
    assert report.unanswered == () and report.unanswered_count == 0
    assert not (tmp_path / "never").exists()


def test_paperbot_report_prints_the_lists(run_cli, tmp_path):
    path = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(path)
    for question in ["What is DPO?", "what is dpo", "who won the cup?"]:
        store.record_unanswered(question)
    store.record_vote("what is byol?", False, [Shown("prediction-head-non-contrastive", "s")])
    result = run_cli("report", "--since", "7", PAPERBOT_DB=str(path))
    assert result.returncode == 0, result.stderr
    assert "Unanswered questions (3 asked), most frequent first:" in result.stdout
    assert "     2  what is dpo\n" in result.stdout  # the latest wording
    assert "Answers voted not helpful (1 of 1 vote), most frequent first:" in result.stdout
    assert "showed: prediction-head-non-contrastive" in result.stdout
    record = json.loads(run_cli("report", "--json", PAPERBOT_DB=str(path)).stdout)
    assert record["unanswered"][0] == {
        "question": "what is dpo",
        "count": 2,
        "last_asked": record["unanswered"][0]["last_asked"],
    }
    assert record["unhelpful"][0]["paper_ids"] == ["prediction-head-non-contrastive"]


def test_paperbot_report_says_when_recording_is_off(run_cli, tmp_path):
    result = run_cli(
        "report", PAPERBOT_DB=str(tmp_path / "none.sqlite3"), PAPERBOT_RECORD_QUESTIONS="off"
    )
    assert result.returncode == 0
    assert "Recording is off" in result.stdout and "Nothing has been recorded yet" in result.stdout


def test_paperbot_report_before_anything_was_recorded_says_what_is_recorded(run_cli, tmp_path):
    path = tmp_path / "feedback.sqlite3"
    result = run_cli("report", PAPERBOT_DB=str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"Nothing has been recorded yet in {path}."
    assert lines[1].startswith("Only questions asked in Discord are recorded")
    assert "(paperbot chat) or with paperbot ask never are." in lines[1]
    assert not path.exists()  # reading a report creates no database
    # Console and CLI questions indeed leave it empty.
    run_cli("ask", "recipe for chocolate cake", PAPERBOT_DB=str(path))
    run_cli("chat", stdin="recipe for chocolate cake\n", PAPERBOT_DB=str(path))
    since = run_cli("report", "--since", "1", PAPERBOT_DB=str(path))
    assert since.stdout.startswith(f"Nothing was recorded in {path} since ")


def test_paperbot_report_on_a_corrupt_database_exits_2_with_one_line(run_cli, tmp_path):
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    result = run_cli("report", PAPERBOT_DB=str(path))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "file is not a database" in result.stderr
