"""Curation in Discord, with the real client against the stand-in: vote buttons recorded in a real
SQLite file, unanswered questions, /reload, the corpus watcher and /about."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from pathlib import Path

import pytest

from bot.corpus.papers import load_corpus
from bot.discord_app.admin import MANAGE_GUILD
from bot.feedback.store import FeedbackStore
from bot.index.live_corpus import LiveCorpus
from bot.index.retriever import Retriever
from bot.render import discord_reply
from tests.standin.harness import (
    ALICE,
    APPLICATION_ID,
    BOB,
    BOT_USER_ID,
    CALLBACK,
    CHANNEL_MESSAGES,
    TOKEN,
    bot_and_standin,
    bot_settings,
    bots_standin,
    interaction_reply,
    message_of,
    running_bot,
    settle,
    until_logged,
)
from tests.standin.server import (
    CHANNEL_MESSAGE,
    EPHEMERAL,
    Guild,
    StandIn,
    snowflake,
    user_payload,
)
from tests.test_live_corpus import BROKEN, BUNDLED, PENGUINS, ZEBRAS

FEATURE_LEARNING = "Toward Understanding the Feature Learning Process"
FOUND = "what is feature decoupling?"
NOT_FOUND = "recipe for chocolate cake"
SEND_MESSAGES = 1 << 11


def _rows(path: Path, sql: str) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql).fetchall()


def _buttons(message: dict) -> dict[str, dict]:
    """The message's buttons by label."""
    return {
        component["label"]: component
        for row in message.get("components") or []
        for component in row["components"]
    }


async def _ask(standin: StandIn, user: dict, question: str, **options) -> dict:
    """/ask in the first guild; the message the user ends up seeing (with its buttons)."""
    interaction = await standin.slash(
        user, "ask", guild=standin.guilds[0], question=question, **options
    )
    await interaction_reply(standin, interaction)
    return standin.originals[interaction["token"]]


async def _click(standin: StandIn, user: dict, message: dict, label: str) -> str:
    """Click the button `label` of `message`; the ephemeral reply's text."""
    since = standin.mark()
    custom_id = _buttons(message)[label]["custom_id"]
    click = await standin.click(user, message, custom_id, guild=standin.guilds[0])
    reply = await standin.wait_for_request(
        "POST", CALLBACK, since=since, where=lambda r: click["token"] in r.path
    )
    assert reply.json["type"] == CHANNEL_MESSAGE, reply.json
    assert reply.json["data"]["flags"] & EPHEMERAL
    return reply.json["data"]["content"]


# --- Vote buttons -------------------------------------------------------------------------------


async def test_an_answer_has_vote_buttons_and_a_click_records_the_vote(tmp_path, retriever):
    """A vote reaches the SQLite file with the question and the snippets shown, no user id; one
    person's second click, on either button, does not count again."""
    database = tmp_path / "state" / "paperbot.sqlite3"
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        message = await _ask(standin, ALICE, FOUND)
        buttons = _buttons(message)
        assert sorted(buttons) == ["Helpful", "More", "Not helpful"]
        assert buttons["Helpful"]["custom_id"].startswith("paperbot:vote:")
        assert buttons["Not helpful"]["custom_id"].startswith("paperbot:vote:")
        thanks = await _click(standin, BOB, message, "Helpful")
        alice = await _click(standin, ALICE, message, "Not helpful")
        again = await _click(standin, ALICE, message, "Helpful")
        await settle(bot)

    assert thanks.startswith("Thanks for your vote") and alice == thanks
    assert again == "You already voted on this answer; your first vote counts."
    # Recorded in worker threads after each "Thanks": in either order.
    votes = _rows(database, "SELECT id, question, helpful, user_id FROM votes ORDER BY helpful")
    assert [(q, helpful, user) for _, q, helpful, user in votes] == [
        (FOUND, 0, None),
        (FOUND, 1, None),
    ]
    shown = [(hit.rank, hit.paper.id) for hit in retriever.ask(FOUND).hits]
    for vote_id, *_ in votes:
        sql = f"SELECT rank, paper_id FROM vote_snippets WHERE vote_id = {vote_id} ORDER BY rank"
        assert _rows(database, sql) == shown
    assert _rows(database, "SELECT COUNT(*) FROM unanswered") == [(0,)]


async def test_mention_dm_and_context_menu_answers_have_vote_buttons_too(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever, store_user_ids=True) as (standin, bot):
        guild = standin.guilds[0]
        mention = await standin.mention_bot(ALICE, FOUND, guild=guild)
        mention_reply = await standin.wait_for_request("POST", CHANNEL_MESSAGES)
        since = standin.mark()
        await standin.send_message(BOB, "what is masked image modeling?", dm_channel_id="3" * 18)
        dm_reply = await standin.wait_for_request("POST", CHANNEL_MESSAGES, since=since)
        target = await standin.send_message(
            BOB, "how does BYOL work without negatives?", guild=guild
        )
        menu = await standin.message_command(ALICE, "Search papers", target, guild=guild)
        menu_reply = await interaction_reply(standin, menu)

        (answer,) = standin.replies_to(mention)
        thanks = await _click(standin, BOB, answer, "Not helpful")
        await settle(bot)
        database = bot.client.feedback.path

    for reply in (mention_reply, dm_reply, menu_reply):
        assert sorted(_buttons(message_of(reply))) == ["Helpful", "More", "Not helpful"]
    assert thanks.startswith("Thanks")
    assert _rows(database, "SELECT question, helpful, user_id FROM votes") == [
        (FOUND, 0, BOB["id"])  # PAPERBOT_STORE_USER_IDS=on
    ]


async def test_an_unanswered_question_has_no_buttons_and_is_recorded(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        message = await _ask(standin, ALICE, NOT_FOUND)
        mention = await standin.mention_bot(BOB, "who won the cup?")
        reply = await standin.wait_for_request("POST", CHANNEL_MESSAGES)
        await settle(bot)
        database = bot.client.feedback.path

    assert "Nothing in the papers answers that" in message["embeds"][0]["description"]
    assert not message.get("components") and not reply.json.get("components")
    assert str(reply.json["message_reference"]["message_id"]) == mention["id"]
    assert sorted(_rows(database, "SELECT question, user_id FROM unanswered")) == [
        (NOT_FOUND, None),
        ("who won the cup?", None),
    ]


async def test_with_recording_off_nothing_is_recorded_and_answers_have_no_vote_buttons(
    tmp_path, retriever
):
    database = tmp_path / "votes.sqlite3"
    async with bot_and_standin(tmp_path, retriever, record_questions=False, database=database) as (
        standin,
        bot,
    ):
        found = await _ask(standin, ALICE, FOUND)
        nothing = await _ask(standin, ALICE, NOT_FOUND)
        await settle(bot)
    assert found["embeds"] and FEATURE_LEARNING in found["embeds"][0]["description"]
    assert list(_buttons(found)) == ["More"] and not nothing.get("components")
    assert not database.exists()


async def test_a_click_on_an_answer_from_before_a_restart_is_told_voting_closed(
    tmp_path, retriever
):
    settings = bot_settings(tmp_path / "state")
    async with bots_standin() as s:
        async with running_bot(s, settings, retriever):
            message = await _ask(s, ALICE, FOUND)
        async with running_bot(s, settings, retriever) as bot:
            closed = await _click(s, ALICE, message, "Helpful")
            await settle(bot)
    assert closed.startswith("Voting on this answer has closed")
    assert not settings.database_path().exists(), "a vote was recorded"


async def test_votes_from_many_interactions_at_once_all_reach_the_database(tmp_path, retriever):
    """Concurrency: 40 people click on 3 answers at once, some twice (both buttons). Every first
    click is one row; no vote is lost, none is doubled."""
    voters = [user_payload(200_000_000_000_000_300 + n, f"voter{n}") for n in range(40)]
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        answers = [
            await _ask(standin, ALICE, question)
            for question in (FOUND, "masked image modeling", "what is BYOL?")
        ]
        guild = standin.guilds[0]
        clicks = []
        expected = []
        for number, voter in enumerate(voters):
            for index, answer in enumerate(answers):
                helpful = (number + index) % 3 != 0
                labels = ["Helpful" if helpful else "Not helpful"]
                if number % 5 == 0:
                    labels.append("Not helpful" if helpful else "Helpful")  # changes nothing
                for label in labels:
                    custom_id = _buttons(answer)[label]["custom_id"]
                    clicks.append(await standin.click(voter, answer, custom_id, guild=guild))
                expected.append((answer["embeds"][0]["title"], int(helpful)))

        tokens = {click["token"] for click in clicks}
        await standin.wait_for_requests(
            "POST",
            CALLBACK,
            len(clicks),
            where=lambda r: r.path.split("/")[3] in tokens,
            timeout=30,
        )
        await settle(bot)
        database = bot.client.feedback.path

    recorded = _rows(database, "SELECT question, helpful FROM votes")
    assert sorted(recorded) == sorted(expected)
    assert len(recorded) == 120
    (snippet_votes,) = _rows(database, "SELECT COUNT(DISTINCT vote_id) FROM vote_snippets")[0]
    assert snippet_votes == 120


async def test_a_locked_database_holds_up_no_answer_and_no_click(tmp_path, retriever, caplog):
    """Fault: another process holds the feedback database's write lock. Expected: answers and
    the acknowledgement of clicks come as usual; what could not be recorded is logged."""
    caplog.set_level(logging.WARNING)
    database = tmp_path / "feedback.sqlite3"
    FeedbackStore(database).record_unanswered("a question before the lock")
    store = FeedbackStore(database, busy_timeout=0.2)
    locker = sqlite3.connect(database, isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        settings = bot_settings(tmp_path / "state", database=database)
        async with (
            bots_standin() as standin,
            running_bot(standin, settings, retriever, feedback=store) as bot,
        ):
            nothing = await _ask(standin, ALICE, NOT_FOUND)
            found = await _ask(standin, ALICE, FOUND)
            thanks = await _click(standin, BOB, found, "Helpful")
            await settle(bot)
            locked_log = caplog.text
            locker.execute("ROLLBACK")
            await _ask(standin, BOB, "who won the cup?")  # recorded again once unlocked
            await settle(bot)
    finally:
        locker.close()

    assert "Nothing in the papers" in nothing["embeds"][0]["description"]
    assert FEATURE_LEARNING in found["embeds"][0]["description"]
    assert thanks.startswith("Thanks")
    assert "question or vote not recorded: database is locked" in locked_log
    assert _rows(database, "SELECT question FROM unanswered ORDER BY id") == [
        ("a question before the lock",),
        ("who won the cup?",),
    ]
    assert _rows(database, "SELECT COUNT(*) FROM votes") == [(0,)]


async def test_a_corrupt_database_is_logged_once_and_answering_goes_on(tmp_path, retriever, caplog):
    caplog.set_level(logging.WARNING)
    database = tmp_path / "state" / "paperbot.sqlite3"
    database.parent.mkdir()
    database.write_bytes(b"this is not a database, " * 200)
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        first = await _ask(standin, ALICE, NOT_FOUND)
        second = await _ask(standin, BOB, NOT_FOUND)
        found = await _ask(standin, BOB, FOUND)
        thanks = await _click(standin, ALICE, found, "Not helpful")
        await settle(bot)
    for message in (first, second):
        assert "Nothing in the papers" in message["embeds"][0]["description"]
    assert thanks.startswith("Thanks")
    failures = [r for r in caplog.records if "not recorded" in r.getMessage()]
    assert len(failures) == 1 and "file is not a database" in failures[0].getMessage()
    assert database.read_bytes().startswith(b"this is not a database")  # left for its owner


# --- /reload --------------------------------------------------------------------------------------


def _corpus(tmp_path: Path, text: str = BUNDLED + ZEBRAS) -> Path:
    path = tmp_path / "corpus" / "papers.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _first_paper(message: dict) -> str:
    return message["embeds"][0]["description"].split("\n")[0]


@pytest.fixture
def owned_guild():
    """A server that ALICE owns."""
    return Guild(snowflake(), snowflake(), owner_id=ALICE["id"])


async def _reload(standin: StandIn, user: dict, guild: Guild | None, permissions: str = "0") -> str:
    """/reload as `user` (in `guild` with `permissions`, or in a DM); the ephemeral reply."""
    interaction = await standin.slash(user, "reload", guild=guild, permissions=permissions)
    reply = await interaction_reply(standin, interaction)
    (callback,) = [r for r in standin.find("POST", CALLBACK) if interaction["token"] in r.path]
    assert callback.json["data"]["flags"] & EPHEMERAL  # the deferral, or the refusal itself
    return message_of(reply)["content"]


async def _about(standin: StandIn, guild: Guild) -> str:
    interaction = await standin.slash(BOB, "about", guild=guild)
    return message_of(await interaction_reply(standin, interaction))["embeds"][0]["description"]


async def test_reload_by_the_bots_owner_serves_the_edited_corpus(tmp_path, owned_guild):
    path = _corpus(tmp_path)
    manager = user_payload(200_000_000_000_000_010, "manager")
    async with StandIn(
        token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID, guilds=(owned_guild,)
    ) as standin:
        settings = bot_settings(tmp_path / "state")
        async with running_bot(standin, settings, LiveCorpus(path)) as bot:
            before = bot.client.live.status
            path.write_text(BUNDLED + ZEBRAS + PENGUINS, encoding="utf-8")
            by_owner = await _reload(standin, standin.owner, owned_guild)
            penguins = await _ask(standin, BOB, "how do penguins keep warm?")
            by_manager = await _reload(
                standin, manager, owned_guild, str(MANAGE_GUILD | SEND_MESSAGES)
            )
            after = bot.client.live.status

    assert by_owner == (
        f"Reloaded the corpus: 8 papers, {after.sentences} sentences. "
        "Questions are answered from it now."
    )
    assert by_manager == "Only the bot's owner can do that."  # managing a server is not enough
    assert "How Penguins Keep Warm" in _first_paper(penguins)
    assert (before.papers, after.papers) == (7, 8) and after.loaded_at >= before.loaded_at


async def test_reload_by_anyone_else_is_refused_politely_and_reloads_nothing(tmp_path, owned_guild):
    """Discord's default permissions hide /reload, but a server can change them: the bot
    checks again."""
    path = _corpus(tmp_path)
    async with StandIn(
        token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID, guilds=(owned_guild,)
    ) as standin:
        settings = bot_settings(tmp_path / "state")
        async with running_bot(standin, settings, LiveCorpus(path)) as bot:
            before = bot.client.live.status
            path.write_text(BUNDLED + ZEBRAS + PENGUINS, encoding="utf-8")
            in_server = await _reload(standin, BOB, owned_guild, str(SEND_MESSAGES))
            in_dm = await _reload(standin, BOB, None)
            after = bot.client.live.status
    for refused in (in_server, in_dm):
        assert refused == "Only the bot's owner can do that."
    assert after == before


async def test_a_broken_corpus_via_reload_is_reported_and_the_old_index_keeps_serving(
    tmp_path, owned_guild, caplog
):
    path = _corpus(tmp_path)
    async with StandIn(
        token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID, guilds=(owned_guild,)
    ) as standin:
        settings = bot_settings(tmp_path / "state", cooldown_seconds=0)  # two reloads
        async with running_bot(standin, settings, LiveCorpus(path)):
            path.write_text(BROKEN, encoding="utf-8")
            rejected = await _reload(standin, standin.owner, owned_guild)
            zebras = await _ask(standin, BOB, "why do zebras have stripes?")
            about = await _about(standin, owned_guild)
            path.write_text(BUNDLED + ZEBRAS + PENGUINS, encoding="utf-8")
            fixed = await _reload(standin, standin.owner, owned_guild)
            about_fixed = await _about(standin, owned_guild)

    reason = f"{discord_reply.escape(str(path))}, paper 8: missing 'abstract'"  # the path as text
    line = BROKEN.count("\n", 0, BROKEN.rindex("[[papers]]")) + 1  # its [[papers]] line
    assert rejected.startswith(
        f"The corpus was not reloaded: {reason} (paper 'no-abstract', line {line})\n"
    )
    assert "I keep answering from the corpus loaded <t:" in rejected
    assert "Why Zebras Have Stripes" in _first_paper(zebras)
    assert "was rejected, so I still answer from them" in about
    assert "paper 8: missing 'abstract'" in about
    assert "Corpus reload rejected" in caplog.text and "missing 'abstract'" in caplog.text
    assert fixed.startswith("Reloaded the corpus: 8 papers")
    assert "rejected" not in about_fixed


# --- The watcher ----------------------------------------------------------------------------------


async def test_a_corpus_edited_while_serving_broken_then_fixed(tmp_path, caplog):
    """Issue 6's corpus that turns malformed while the bot runs, through the watcher that
    `paperbot serve` starts: the bot answers; the file is broken (a paper without abstract); the
    bot still answers from the last good corpus and the log says why; the file is fixed with a
    new paper, and the new paper is answered."""
    caplog.set_level(logging.INFO)
    path = _corpus(tmp_path)
    async with bot_and_standin(tmp_path, LiveCorpus(path), watch_corpus=True) as (standin, bot):
        live = bot.client.live
        before = await _ask(standin, ALICE, "why do zebras have stripes?")
        await asyncio.wait_for(bot.client.watching.wait(), 10)
        path.write_text(BROKEN, encoding="utf-8")
        await until_logged(lambda: live.status.error is not None, 20)
        during = await _ask(standin, ALICE, "why do zebras have stripes?")
        path.write_text(BUNDLED + ZEBRAS + PENGUINS, encoding="utf-8")
        await until_logged(lambda: live.status.error is None and live.status.papers == 8, 20)
        after = await _ask(standin, ALICE, "how do penguins keep warm?")

    assert "Why Zebras Have Stripes" in _first_paper(before)
    assert "Why Zebras Have Stripes" in _first_paper(during)
    rejected = [
        r.getMessage() for r in caplog.records if "Corpus reload rejected" in r.getMessage()
    ]
    assert rejected and "paper 8: missing 'abstract'" in rejected[0] and str(path) in rejected[0]
    assert "How Penguins Keep Warm" in _first_paper(after)
    assert "Watching" in caplog.text


# --- /about --------------------------------------------------------------------------------------


async def test_about_shows_when_the_corpus_was_loaded_and_what_is_recorded(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        loaded = int(bot.client.live.status.loaded_at.timestamp())
        interaction = await standin.slash(ALICE, "about", guild=standin.guilds[0])
        about = message_of(await interaction_reply(standin, interaction))
    async with bot_and_standin(tmp_path / "off", retriever, record_questions=False) as (
        standin,
        _,
    ):
        interaction = await standin.slash(ALICE, "about", guild=standin.guilds[0])
        off = message_of(await interaction_reply(standin, interaction))
    description = about["embeds"][0]["description"]
    assert f"The papers were loaded <t:{loaded}:f>" in description
    assert "recorded (without who asked)" in description
    assert "PAPERBOT\\_RECORD\\_QUESTIONS=off" in description
    assert "Nothing you ask is recorded" in off["embeds"][0]["description"]


# --- Searches off the event loop ----------------------------------------------------------------


class HeldRetriever(Retriever):
    """The real retriever, whose searches wait at a gate that the test opens."""

    def __init__(self, corpus) -> None:
        super().__init__(corpus)
        self.searching = threading.Event()
        self.gate = threading.Event()

    def ask(self, question, top=3, papers=10, **options):
        self.searching.set()
        if not self.gate.wait(30):  # never hang the suite
            raise TimeoutError("the test never opened the gate")
        return super().ask(question, top=top, papers=papers, **options)


async def test_while_a_search_is_held_other_interactions_and_heartbeats_go_on(
    tmp_path, bundled_corpus
):
    """Issue 5: a search that takes long (held at a gate) runs off the event loop: meanwhile
    /about, /papers and an autocomplete are answered, and heartbeats are sent and their ACKs
    handled. Once the gate opens, the held question is answered once."""
    held = HeldRetriever(bundled_corpus)
    try:
        async with bots_standin(
            heartbeat_interval_ms=50,
        ) as standin:
            settings = bot_settings(tmp_path / "state")
            async with running_bot(standin, settings, held) as bot:
                guild, session = standin.guilds[0], standin.session
                question = await standin.slash(ALICE, "ask", guild=guild, question=FOUND)
                assert await asyncio.to_thread(held.searching.wait, 10)
                beats = len(session.heartbeats)

                about = await _about(standin, guild)
                papers = await standin.slash(BOB, "papers", guild=guild)
                listed = message_of(await interaction_reply(standin, papers))
                typing = await standin.autocomplete(BOB, "paper", "title", "masked", guild=guild)
                offered = await standin.wait_for_request(
                    "POST", CALLBACK, where=lambda r: typing["token"] in r.path
                )
                # Each HEARTBEAT_ACK handled on the event loop sets a new latency.
                latencies: set[float] = set()

                def acknowledged() -> bool:
                    latencies.add(bot.client.latency)
                    return len(session.heartbeats) >= beats + 3 and len(latencies) >= 3

                await standin.wait_until(acknowledged, 20)
                assert not standin.shown_for(question), "answered before the gate opened"
                held.gate.set()
                answered = await interaction_reply(standin, question)
                await settle(bot)
    finally:
        held.gate.set()

    assert "Zixin Wen" in about
    assert listed["embeds"][0]["title"] == "Papers in Zixin Wen's list"
    assert offered.json["data"]["choices"]
    assert FEATURE_LEARNING in _first_paper(message_of(answered))
    assert len(standin.shown_for(question)) == 1
    assert len([r for r in standin.find("PATCH", r".*") if question["token"] in r.path]) == 1
    assert len(standin.sessions) == 1, "the gateway connection did not hold"


async def test_a_question_in_flight_during_a_reload_finishes_on_the_old_index(
    tmp_path, owned_guild
):
    """A question is being searched (held) when an admin reloads a corpus without its paper:
    the reload completes meanwhile, the held question is answered from the index it started
    on, and the next questions from the new one."""
    path = _corpus(tmp_path)  # with the zebra paper
    held = HeldRetriever(load_corpus(path))
    try:
        async with bots_standin(
            guilds=(owned_guild,),
        ) as standin:
            settings = bot_settings(tmp_path / "state")
            async with running_bot(standin, settings, LiveCorpus(path, retriever=held)) as bot:
                question = await standin.slash(
                    BOB, "ask", guild=owned_guild, question="why do zebras have stripes?"
                )
                assert await asyncio.to_thread(held.searching.wait, 10)
                path.write_text(BUNDLED + PENGUINS, encoding="utf-8")  # the zebras are gone
                reloaded = await _reload(standin, standin.owner, owned_guild)
                held.gate.set()
                in_flight = message_of(await interaction_reply(standin, question))
                zebras = await _ask(standin, BOB, "why do zebras have stripes?")
                penguins = await _ask(standin, BOB, "how do penguins keep warm?")
                await settle(bot)
    finally:
        held.gate.set()

    assert reloaded.startswith("Reloaded the corpus: 7 papers")
    assert "Why Zebras Have Stripes" in _first_paper(in_flight)
    assert "Nothing in the papers answers that" in zebras["embeds"][0]["description"]
    assert "How Penguins Keep Warm" in _first_paper(penguins)
