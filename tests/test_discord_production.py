"""What Discord does in production that a kind stand-in would hide, with the real client against
the strict stand-in: a sync refused for the day, searches that must defer, a search thread that is
busy, questions deleted meanwhile, a busy channel, blocked people, missing permissions, a
restart, and a gateway that refuses an intent switched off."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from pathlib import Path

import pytest

from bot.corpus.papers import load_corpus
from bot.discord_app.runner import DiscordUnavailable
from bot.index.retriever import Retriever
from tests.standin import rules
from tests.standin.harness import (
    ALICE,
    APPLICATION_ID,
    BOB,
    CALLBACK,
    CHANNEL_MESSAGES,
    ORIGINAL,
    bot_and_standin,
    bot_settings,
    bots_standin,
    interaction_reply,
    running_bot,
    settle,
)
from tests.standin.server import (
    AUTOCOMPLETE_RESULT,
    DEFERRED_CHANNEL_MESSAGE,
    SHARDING_REQUIRED,
    reply_with,
    user_payload,
)

CAROL = user_payload(200000000000000004, "carol")


def _corpus(tmp_path: Path, count: int) -> Retriever:
    """`count` papers by a few authors at a few venues, written for the test."""
    rows = [
        {
            "id": f"paper-{n}",
            "title": f"Study number {n} of gradient descent",
            "abstract": f"We study gradient descent in setting {n}. It converges.",
            "authors": [f"Author {n % 7}", "B. Author"],
            "venue": f"Venue {n % 3}",
            "year": 2000 + n % 20,
        }
        for n in range(1, count + 1)
    ]
    path = tmp_path / "papers.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    return Retriever(load_corpus(path))


async def _busy_search_thread(client, gate: threading.Event):
    """Keep the bot's one search thread busy until `gate` is set."""
    started = threading.Event()

    def work(_: Retriever) -> None:
        started.set()
        gate.wait(20)

    task = asyncio.create_task(client.search(work))
    await asyncio.to_thread(started.wait, 10)
    return task


# --- Staying online ---------------------------------------------------------------------------


async def test_a_sync_past_the_daily_command_quota_is_logged_and_the_bot_comes_online(
    tmp_path, retriever, caplog
):
    caplog.set_level(logging.INFO, logger="bot")
    async with bots_standin() as s:
        s.command_creates[None] = [s.now()] * rules.DAILY_COMMAND_CREATES  # used up today
        async with running_bot(s, bot_settings(tmp_path / "state"), retriever) as bot:
            assert bot.client.is_ready()
            (put,) = s.find("PUT", rf"/applications/{APPLICATION_ID}/commands")
            assert put.status == 429
    assert "Could not sync the slash commands globally" in caplog.text
    assert "rate limited" in caplog.text


async def test_a_session_refused_an_intent_switched_off_meanwhile_ends_restartably(tmp_path):
    """4014 after the Message Content intent was switched off: a new start asks without it."""
    async with bots_standin(
        privileged_intents=rules.MESSAGE_CONTENT,
    ) as s:
        settings = bot_settings(tmp_path / "state", answer_threads=True)
        with pytest.raises(DiscordUnavailable, match="no longer has switched on"):
            async with running_bot(s, settings, Retriever(load_corpus(_corpus_path(tmp_path)))):
                assert s.session.intents & rules.MESSAGE_CONTENT
                s.privileged_intents = 0
                await s.session.close(4009)  # not resumable: the client identifies again
                await s.wait_until(lambda: s.sessions[-1].closed_with == 4014, timeout=30)


# --- Shards --------------------------------------------------------------------------------------


async def test_the_bot_opens_as_many_shards_as_discord_asks_for(tmp_path, retriever):
    """Past 2,500 servers Discord closes a lone connection with 4011 (next test): the bot asks
    how many shards it needs (GET /gateway/bot), opens each, and answers through them."""
    async with (
        bots_standin(shards_required=2) as s,
        running_bot(s, bot_settings(tmp_path / "state"), retriever) as bot,
    ):
        await s.wait_for_connection(2)
        asked = await s.slash(ALICE, "about", guild=s.guilds[0])
        reply = await interaction_reply(s, asked)
        await settle(bot)
    assert sorted(session.shard for session in s.sessions) == [[0, 2], [1, 2]]
    assert not [session for session in s.sessions if session.closed_with == SHARDING_REQUIRED]
    assert bot.client.shard_count == 2
    assert reply.status == 200 and s.find("GET", "/gateway/bot")


async def test_a_client_with_too_few_shards_gets_4011_and_ends_restartably(tmp_path, retriever):
    async with bots_standin(shards_required=2) as s:
        settings = bot_settings(tmp_path / "state")
        with pytest.raises(DiscordUnavailable, match="code 4011"):
            async with running_bot(s, settings, retriever, shard_count=1):
                pass
    assert [session.closed_with for session in s.sessions] == [SHARDING_REQUIRED]


async def test_a_failed_shard_count_after_the_login_ends_restartably(tmp_path, retriever):
    async with bots_standin() as s:
        s.override("GET", "/gateway/bot", reply_with(503, {"message": "down"}))
        with pytest.raises(DiscordUnavailable, match="GET /gateway/bot"):
            async with running_bot(s, bot_settings(tmp_path / "state"), retriever):
                pass
    assert not s.sessions


async def test_the_configured_gateway_is_used_though_gateway_bot_names_another(tmp_path, retriever):
    """DISCORD_GATEWAY_URL (a proxy in front of Discord) wins over the address that
    GET /gateway/bot names, which discord.py would otherwise connect to."""
    elsewhere = socket.socket()  # a port of 127.0.0.1 where nothing listens
    elsewhere.bind(("127.0.0.1", 0))
    with elsewhere:
        async with bots_standin(shards_required=2) as s:
            named = {
                "url": f"ws://127.0.0.1:{elsewhere.getsockname()[1]}",
                "shards": 2,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 14400000,
                    "max_concurrency": 1,
                },
            }
            s.override("GET", "/gateway/bot", reply_with(200, named))
            settings = bot_settings(tmp_path / "state", discord_gateway_url=s.gateway_url)
            async with running_bot(s, settings, retriever) as bot:
                await s.wait_for_connection(2)
    assert bot.client.shard_count == 2
    assert sorted(session.shard for session in s.sessions) == [[0, 2], [1, 2]]


def _corpus_path(tmp_path: Path) -> Path:
    _corpus(tmp_path, 3)
    return tmp_path / "papers.jsonl"


# --- Within Discord's 3 seconds ---------------------------------------------------------------


async def test_paper_and_cite_defer_before_they_search(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        guild = standin.guilds[0]
        paper = await standin.slash(ALICE, "paper", guild=guild, title="zzzz qqqq")
        cite = await standin.slash(ALICE, "cite", guild=guild, paper="contrastive learnin")
        replies = [await interaction_reply(standin, i) for i in (paper, cite)]
    for interaction in (paper, cite):
        (callback,) = [r for r in standin.find("POST", CALLBACK) if interaction["token"] in r.path]
        assert callback.json["type"] == DEFERRED_CHANNEL_MESSAGE
    assert all(r.json.get("content") for r in replies)


async def test_autocomplete_and_filters_answer_while_the_search_thread_is_busy(
    tmp_path,
):
    served = _corpus(tmp_path, 3000)
    async with bot_and_standin(tmp_path, served) as (standin, bot):
        assert bot.client.catalogue().venues  # built with the index, before the bot served
        gate = threading.Event()
        busy = await _busy_search_thread(bot.client, gate)
        try:
            guild = standin.guilds[0]
            typing = await standin.autocomplete(ALICE, "papers", "venue", "Venue", guild=guild)
            offered = await standin.wait_for_request(
                "POST", CALLBACK, where=lambda r: typing["token"] in r.path, timeout=5
            )
            filtered = await standin.slash(ALICE, "papers", guild=guild, author="Author 3")
            deferral = await standin.wait_for_request(
                "POST", CALLBACK, where=lambda r: filtered["token"] in r.path, timeout=5
            )
        finally:
            gate.set()
        await busy
        listed = await interaction_reply(standin, filtered)
        await settle(bot)
    assert offered.json["type"] == AUTOCOMPLETE_RESULT
    assert [c["name"] for c in offered.json["data"]["choices"]][:3] == [
        "Venue 0",
        "Venue 1",
        "Venue 2",
    ]
    assert deferral.json["type"] == DEFERRED_CHANNEL_MESSAGE
    assert "Author 3" in json.dumps(listed.json)


# --- Safe in a busy server ----------------------------------------------------------------------


async def test_a_question_deleted_while_the_bot_searched_is_answered_without_quoting_it(
    tmp_path, retriever, caplog
):
    caplog.set_level(logging.INFO, logger="bot")
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        gate = threading.Event()
        busy = await _busy_search_thread(bot.client, gate)
        asked = await standin.mention_bot(ALICE, "what is BYOL?")
        await standin.delete_message(asked)
        gate.set()
        await busy
        answer = await standin.wait_for_request("POST", CHANNEL_MESSAGES)
        await settle(bot)
    assert answer.status == 200
    created = [m for m in standin.messages.values() if "BYOL" in json.dumps(m.get("embeds"))]
    assert created and "message_reference" not in created[0]
    assert f"Message {asked['id']} was deleted; answered without quoting it" in caplog.text


async def test_bare_mentions_over_the_limit_are_told_once_privately_then_ignored(
    tmp_path, retriever
):
    async with bot_and_standin(tmp_path, retriever, cooldown_questions=3) as (standin, bot):
        for _ in range(20):
            await standin.mention_bot(BOB, "")
        await standin.wait_for_requests("POST", CHANNEL_MESSAGES, 4)
        await settle(bot)
    guild_channel = standin.guilds[0].channel_id
    in_channel = [m for m in standin.messages.values() if m["channel_id"] == guild_channel]
    (dm,) = standin.dm_channels.values()
    private = [m for m in standin.messages.values() if m["channel_id"] == dm["id"]]
    assert len(in_channel) == 3, "the limit is 3 messages per person in the window"
    assert len(private) == 1 and private[0]["content"].startswith("You're asking quickly")


async def test_a_busy_channel_gets_at_most_its_limit_of_replies(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever, channel_posts=2) as (standin, bot):
        for person in (ALICE, BOB, CAROL):
            await standin.mention_bot(person, "what is BYOL?")
        await standin.wait_for_requests("POST", CHANNEL_MESSAGES, 3)
        await settle(bot)
    guild_channel = standin.guilds[0].channel_id
    answers = [
        m for m in standin.messages.values() if m["channel_id"] == guild_channel and m["embeds"]
    ]
    notices = [m for m in standin.messages.values() if m["channel_id"] != guild_channel]
    assert len(answers) == 2 and len(notices) == 1


async def test_blocked_people_and_servers_get_nothing_but_a_private_refusal(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever, blocked_users=(int(BOB["id"]),)) as (
        standin,
        bot,
    ):
        guild = standin.guilds[0]
        ignored = await standin.mention_bot(BOB, "what is BYOL?")
        about = await standin.slash(BOB, "about", guild=guild)
        refused = await interaction_reply(standin, about)
        answered = await standin.mention_bot(ALICE, "what is BYOL?")
        await standin.wait_for_request("POST", CHANNEL_MESSAGES)
        await settle(bot)
    assert standin.replies_to(ignored) == [] and len(standin.replies_to(answered)) == 1
    assert refused.json["data"]["content"] == "The bot's owner has turned it off for you here."
    assert refused.json["data"]["flags"] & 64

    async with bots_standin() as standin:
        settings = bot_settings(tmp_path / "state2", blocked_guilds=(int(standin.guilds[0].id),))
        async with running_bot(standin, settings, retriever) as bot:
            asked = await standin.mention_bot(ALICE, "what is BYOL?")
            dm = await standin.send_message(
                ALICE, "what is BYOL?", dm_channel_id="300000000000000009"
            )
            await standin.wait_for_request("POST", CHANNEL_MESSAGES)
            await settle(bot)
    assert standin.replies_to(asked) == [] and len(standin.replies_to(dm)) == 1


async def test_no_answer_thread_without_its_permissions_and_the_warning_names_them(
    tmp_path, retriever, caplog
):
    caplog.set_level(logging.WARNING, logger="bot")
    async with bots_standin(
        privileged_intents=rules.MESSAGE_CONTENT,
    ) as standin:
        guild = standin.guilds[0]
        deny = {"id": guild.id, "type": 0, "allow": "0", "deny": str(rules.CREATE_PUBLIC_THREADS)}
        await standin.set_overwrites(guild.channel_id, [deny])
        settings = bot_settings(tmp_path / "state", answer_threads=True)
        async with running_bot(standin, settings, retriever) as bot:
            asked = await standin.mention_bot(ALICE, "what is BYOL?")
            await standin.wait_for_request("POST", CHANNEL_MESSAGES)
            await settle(bot)
    assert len(standin.replies_to(asked)) == 1
    assert standin.find("POST", r"/channels/\d+/messages/\d+/threads") == []
    assert "Create Public Threads" in caplog.text and "Send Messages in Threads" not in caplog.text


async def test_papers_page_buttons_are_greyed_out_when_the_bot_stops(tmp_path):
    served = _corpus(tmp_path, 40)
    async with bot_and_standin(tmp_path, served) as (standin, _):
        listed = await standin.slash(ALICE, "papers", guild=standin.guilds[0])
        await interaction_reply(standin, listed)
        since = standin.mark()
    (edit,) = [r for r in standin.find("PATCH", ORIGINAL, since) if listed["token"] in r.path]
    buttons = [c for row in edit.json["components"] for c in row["components"]]
    assert buttons and all(button["disabled"] for button in buttons)
