"""Follow-ups in Discord with the real client against the stand-in: replies to answers, DMs,
answer threads, the "More" button (also after a restart) and command mentions."""

from __future__ import annotations

import logging
import sqlite3

from bot.discord_app.more import MAX_PASSAGES, more_custom_id
from tests.standin import rules
from tests.standin.harness import (
    ALICE,
    APPLICATION_ID,
    BOB,
    BOT_USER_ID,
    CHANNEL_MESSAGES,
    bot_and_standin,
    bot_settings,
    bots_standin,
    interaction_reply,
    message_of,
    running_bot,
    settle,
)
from tests.standin.server import EPHEMERAL, StandIn

PRUNING = "What Matters In The Structured Pruning of Generative Language Models?"
PRUNING_AUTHORS = "Michael Santacroce, Zixin Wen, Yelong Shen, Yuanzhi Li"
MIM = "Transformers Provably Learn Feature-Position Correlations in Masked Image Modeling"
MIM_AUTHORS = "Yu Huang, Zixin Wen, Yuejie Chi, Yingbin Liang"


async def _answer_to(standin: StandIn, message: dict) -> dict:
    """The bot's reply to `message`, once it is sent."""
    reply = await standin.wait_for_request(
        "POST",
        CHANNEL_MESSAGES,
        where=lambda r: (
            str((r.json or {}).get("message_reference", {}).get("message_id")) == message["id"]
        ),
    )
    (sent,) = standin.replies_to(message)
    assert message_of(reply).get("embeds") or message_of(reply).get("content")
    return sent


def _description(message: dict) -> str:
    return message["embeds"][0]["description"] if message.get("embeds") else ""


def _buttons(message: dict) -> dict[str, dict]:
    return {
        component["label"]: component
        for row in message.get("components") or []
        for component in row["components"]
    }


async def test_a_reply_to_an_answer_follows_up_on_it_and_each_person_has_their_own_context(
    tmp_path, retriever
):
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        gum = await standin.mention_bot(ALICE, "what is GUM?")
        gum_answer = await _answer_to(standin, gum)
        mim = await standin.mention_bot(ALICE, "what is masked image modeling?")
        mim_answer = await _answer_to(standin, mim)
        # Bob replies to Alice's first answer, Alice to her second: each about the one replied to.
        bob_reply = await standin.send_message(
            BOB, "who wrote it?", guild=standin.guilds[0], reply_to=gum_answer
        )
        bob_answer = await _answer_to(standin, bob_reply)
        alice_reply = await standin.send_message(
            ALICE, "who wrote it?", guild=standin.guilds[0], reply_to=mim_answer
        )
        alice_answer = await _answer_to(standin, alice_reply)
        # Bob's DM and a plain mention of his stand alone: Alice's answers are not his context.
        dm = await standin.send_message(BOB, "who wrote it?", dm_channel_id="4" * 18)
        dm_answer = await _answer_to(standin, dm)
        plain = await standin.mention_bot(BOB, "who wrote it?")
        plain_answer = await _answer_to(standin, plain)
        # A reply to a follow-up's answer follows up again.
        again = await standin.send_message(
            BOB, "where is the code?", guild=standin.guilds[0], reply_to=bob_answer
        )
        again_answer = await _answer_to(standin, again)
        await settle(bot)
        database = bot.client.feedback.path

    assert "Following up on" not in _description(gum_answer)
    assert _description(bob_answer).startswith(f"Following up on: **{PRUNING}** — ")
    assert PRUNING_AUTHORS in _description(bob_answer)
    assert _description(alice_answer).startswith(f"Following up on: **{MIM}** — ")
    assert MIM_AUTHORS in _description(alice_answer)
    for alone in (dm_answer, plain_answer):
        assert "Following up on" not in _description(alone)
    assert _description(again_answer).startswith(f"Following up on: **{PRUNING}**")
    # Only the questions that stood alone and found nothing are recorded as unanswered; the
    # follow-ups named their paper.
    with sqlite3.connect(database) as db:
        unanswered = db.execute("SELECT question FROM unanswered").fetchall()
    assert unanswered == [("who wrote it?",), ("who wrote it?",)]


async def test_a_dm_is_one_conversation_per_person(tmp_path, retriever):
    bob_dm, alice_dm = "5" * 18, "6" * 18
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        first = await standin.send_message(BOB, "what is GUM?", dm_channel_id=bob_dm)
        await _answer_to(standin, first)
        follow = await standin.send_message(
            BOB, "what do they say about neurons?", dm_channel_id=bob_dm
        )
        follow_answer = await _answer_to(standin, follow)
        other = await standin.send_message(ALICE, "who wrote it?", dm_channel_id=alice_dm)
        other_answer = await _answer_to(standin, other)
        switch = await standin.send_message(
            BOB, "how about the masked image modeling one?", dm_channel_id=bob_dm
        )
        switch_answer = await _answer_to(standin, switch)
        await settle(bot)

    assert _description(follow_answer).startswith(f"Following up on: **{PRUNING}**")
    assert "[1] **" in _description(follow_answer) and "neurons" in _description(follow_answer)
    assert "Following up on" not in _description(other_answer)
    assert "Following up on" not in _description(switch_answer)
    assert MIM in _description(switch_answer).split("\n")[0]


async def test_a_reply_with_its_ping_to_an_ask_answer_follows_up_on_it(tmp_path, retriever):
    """Since discord-api-docs#5395 was fixed (January 2023), a reply that pings an
    interaction's response mentions the bot, so its text arrives without the intent."""
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        interaction = await standin.slash(
            ALICE, "ask", guild=standin.guilds[0], question="what is GUM?"
        )
        await interaction_reply(standin, interaction)
        answer = standin.originals[interaction["token"]]
        reply = await standin.send_message(
            ALICE, "who wrote it?", guild=standin.guilds[0], reply_to=answer
        )
        followed = await _answer_to(standin, reply)
        await settle(bot)

    assert _description(followed).startswith(f"Following up on: **{PRUNING}**")


async def test_answer_threads_follow_up_on_every_message_in_them(tmp_path, retriever, caplog):
    async with bots_standin(
        privileged_intents=rules.MESSAGE_CONTENT,
    ) as standin:
        settings = bot_settings(tmp_path / "state", answer_threads=True)
        async with running_bot(standin, settings, retriever) as bot:
            assert standin.session.intents & rules.MESSAGE_CONTENT
            question = await standin.mention_bot(ALICE, "what is GUM?")
            answer = await _answer_to(standin, question)
            opened = await standin.wait_for_request(
                "POST", rf"/channels/\d+/messages/{answer['id']}/threads"
            )
            thread_id = answer["id"]
            # Alice asks about another paper in the thread: her own conversation there.
            alice = await standin.send_message(
                ALICE,
                "what is masked image modeling?",
                guild=standin.guilds[0],
                thread_id=thread_id,
            )
            alice_answer = await _answer_to(standin, alice)
            # Bob writes in the thread without mentioning the bot: a follow-up on the answer that
            # opened it, never on Alice's question.
            bob = await standin.send_message(
                BOB, "who are the authors?", guild=standin.guilds[0], thread_id=thread_id
            )
            bob_answer = await _answer_to(standin, bob)
            await settle(bot)

    assert opened.json["name"] == "what is GUM?"
    assert MIM in _description(alice_answer).split("\n")[0]
    assert bob_answer["channel_id"] == thread_id
    assert _description(bob_answer).startswith(f"Following up on: **{PRUNING}**")
    assert PRUNING_AUTHORS in _description(bob_answer)
    assert "Message Content intent" not in caplog.text


async def test_answer_threads_without_the_intent_warn_once_and_answer_mentions_only(
    tmp_path, retriever, caplog
):
    caplog.set_level(logging.WARNING, logger="bot")
    async with bots_standin() as s:
        settings = bot_settings(tmp_path / "state", answer_threads=True)
        async with running_bot(s, settings, retriever) as bot:
            # Discord would refuse the connection (4014) had the bot asked for the intent.
            assert not s.session.intents & rules.MESSAGE_CONTENT
            question = await s.mention_bot(ALICE, "what is GUM?")
            answer = await _answer_to(s, question)
            await s.wait_for_request("POST", rf"/channels/\d+/messages/{answer['id']}/threads")
            unread = await s.send_message(
                BOB, "who are the authors?", guild=s.guilds[0], thread_id=answer["id"]
            )
            mention = await s.send_message(
                BOB,
                f"<@{BOT_USER_ID}> who are the authors?",
                guild=s.guilds[0],
                thread_id=answer["id"],
                mentions=[s.bot_user],
            )
            mention_answer = await _answer_to(s, mention)
            await settle(bot)
        assert s.replies_to(unread) == []

    warnings = [r for r in caplog.records if "Message Content intent" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert _description(mention_answer).startswith(f"Following up on: **{PRUNING}**")


async def test_more_shows_the_next_passages_also_after_a_restart(tmp_path, retriever):
    question = "what is feature decoupling?"
    settings = bot_settings(tmp_path / "state")
    async with bots_standin() as s:
        async with running_bot(s, settings, retriever):
            interaction = await s.slash(ALICE, "ask", guild=s.guilds[0], question=question)
            await interaction_reply(s, interaction)
            answer = s.originals[interaction["token"]]
        more = _buttons(answer)["More"]
        async with running_bot(s, settings, retriever) as bot:  # a new client, nothing in memory
            since = s.mark()
            click = await s.click(BOB, answer, more["custom_id"], guild=s.guilds[0])
            callback = await s.wait_for_request(
                "POST", r"/interactions/\d+/[^/]+/callback", since=since
            )
            shown = message_of(await interaction_reply(s, click, since))
            papers_id = s.command("papers")["id"]
            await settle(bot)

    assert callback.json["data"]["flags"] & EPHEMERAL
    text = _description(shown).replace("**", "").replace("\\", "")
    page = retriever.ask(question, top=6).hits
    assert len(page) == 6
    for hit in page[3:]:  # passages 4 to 6, the page after the first answer's three
        assert hit.sentence[:40] in text
    for hit in page[:3]:
        assert hit.sentence[:40] not in text
    # The next page has a button of its own, further on.
    assert _buttons(shown)["More"]["custom_id"] != more["custom_id"]
    # The restarted bot did not sync again: it read the commands' ids back for its mentions.
    assert len(s.find("PUT", rf"/applications/{APPLICATION_ID}/commands")) == 1
    assert f"</papers:{papers_id}>" in _description(shown)


def test_the_more_button_carries_its_question_only_when_it_fits():
    assert more_custom_id("what is GUM?", (), 3, 3) == "paperbot:more:3:3::what is GUM?"
    assert (
        more_custom_id("who: wrote it?", ("a", "b"), 3, 2) == "paperbot:more:3:2:a,b:who: wrote it?"
    )
    assert more_custom_id("q" * 90, (), 3, 3) is None  # over Discord's 100 characters
    assert more_custom_id("q", ("has:colon",), 3, 3) is None
    assert more_custom_id("q", (), MAX_PASSAGES, 3) is None  # enough passages shown
    assert more_custom_id("q", (), 0, 3) is None


async def test_chat_in_a_dm_greets_thanks_and_goes_on_with_more(tmp_path, retriever):
    dm = "7" * 18
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        hello = await _answer_to(standin, await standin.send_message(BOB, "hi", dm_channel_id=dm))
        first = await standin.send_message(BOB, "what is GUM?", dm_channel_id=dm)
        first_answer = await _answer_to(standin, first)
        thanks = await standin.send_message(BOB, "thanks!", dm_channel_id=dm)
        thanks_answer = await _answer_to(standin, thanks)
        more = await standin.send_message(BOB, "more", dm_channel_id=dm)
        more_answer = await _answer_to(standin, more)
        await settle(bot)

    assert "Zixin Wen's 6 papers" in hello["content"] and not hello.get("embeds")
    assert not _buttons(hello)  # nothing to vote on or to go on with
    assert "welcome" in thanks_answer["content"]
    assert _description(more_answer).startswith("More for: what is GUM?")
    first_quotes = {line for line in _description(first_answer).splitlines() if line[:2] == "> "}
    more_quotes = {line for line in _description(more_answer).splitlines() if line[:2] == "> "}
    assert more_quotes and not first_quotes & more_quotes
