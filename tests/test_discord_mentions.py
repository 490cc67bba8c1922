"""Mentions as Discord delivers them, with the real client against the stand-in: the bot's own
role picked in the mention list, and replies whose text Discord does not pass on."""

from __future__ import annotations

from tests.standin.harness import (
    ALICE,
    CHANNEL_MESSAGES,
    bot_and_standin,
    interaction_reply,
    settle,
)
from tests.standin.server import Recorded, StandIn


async def _reply_to(standin: StandIn, message: dict) -> Recorded:
    """The bot's reply to `message`, once it was sent."""

    def replies_to_it(record: Recorded) -> bool:
        reference = (record.json or {}).get("message_reference") or {}
        return str(reference.get("message_id")) == message["id"]

    return await standin.wait_for_request("POST", CHANNEL_MESSAGES, where=replies_to_it)


async def test_a_mention_of_the_bots_own_role_is_answered_like_a_mention(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        asked = await standin.mention_bot_role(ALICE, "what is BYOL?")
        reply = await _reply_to(standin, asked)
        guild = standin.guilds[0]
        other_role = await standin.send_message(
            ALICE, f"<@&{guild.id}> what is BYOL?", guild=guild, mention_roles=[guild.id]
        )
        await settle(bot)
    (answer,) = standin.replies_to(asked)
    assert str(reply.json["message_reference"]["message_id"]) == asked["id"]
    assert answer["embeds"], "the role mention was not answered with the papers"
    assert "BYOL" in answer["embeds"][0]["title"] and "<@&" not in answer["embeds"][0]["title"]
    assert standin.replies_to(other_role) == [], "another role is no mention of the bot"


async def test_a_reply_to_a_slash_command_answer_is_answered_only_with_its_ping_on(
    tmp_path, retriever
):
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        guild = standin.guilds[0]
        interaction = await standin.slash(ALICE, "about", guild=guild)
        await interaction_reply(standin, interaction)
        answer = standin.originals[interaction["token"]]
        silent = await standin.reply_to(ALICE, answer, "and what is BYOL?", ping=False)
        pinged = await standin.reply_to(ALICE, answer, "and what is BYOL?")
        await _reply_to(standin, pinged)
        await settle(bot)
    (answered,) = standin.replies_to(pinged)
    assert "BYOL" in answered["embeds"][0]["title"]
    assert standin.replies_to(silent) == [], "a reply without its ping mentions nobody"


async def test_a_role_mention_whose_text_discord_withholds_says_how_to_ask(tmp_path, retriever):
    """The bot's role is read from the message's `mention_roles`, not from its text."""
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        standin.role_mentions_deliver_content = False
        asked = await standin.mention_bot_role(ALICE, "what is BYOL?")
        await _reply_to(standin, asked)
        await settle(bot)
    (hint,) = standin.replies_to(asked)
    assert "did not pass your message's text" in hint["content"]
    assert "mention me in your message" in hint["content"] and "/ask" in hint["content"]


async def test_a_reply_to_a_mention_answer_is_answered(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        first = await standin.mention_bot(ALICE, "what is BYOL?")
        await _reply_to(standin, first)
        (answer,) = standin.replies_to(first)
        reply = await standin.reply_to(ALICE, answer, "what is a prediction head?")
        await _reply_to(standin, reply)
        await settle(bot)
    (second,) = standin.replies_to(reply)
    assert reply["content"] == "what is a prediction head?"
    assert second["embeds"] and "prediction head" in second["embeds"][0]["title"]
