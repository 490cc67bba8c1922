"""Faults injected by the Discord stand-in, against the real bot.

Each test names the fault, the outcome expected, and counts what the users see: every question is
answered exactly once, or, when Discord keeps failing past the retry budget, the failure is
logged and the next question is answered.
"""

from __future__ import annotations

import asyncio
import logging
import types
from collections.abc import Awaitable, Callable

import discord
import discord.webhook.async_
import pytest

from bot.discord_app import bot as bot_module
from tests.standin.harness import (
    ALICE,
    APPLICATION_ID,
    BOB,
    CALLBACK,
    CHANNEL_MESSAGES,
    FOLLOWUP,
    ORIGINAL,
    TOKEN,
    bot_and_standin,
    bot_settings,
    bots_standin,
    running_bot,
    settle,
    until_logged,
)
from tests.standin.server import (
    ALREADY_ACKNOWLEDGED,
    GatewaySession,
    StandIn,
    delayed,
    rate_limited,
    reply_with,
)

FEATURE_LEARNING = "Toward Understanding the Feature Learning Process"
SYNC = rf"/applications/{APPLICATION_ID}/commands"


@pytest.fixture(autouse=True)
def _debug_logs_without_the_token(caplog):
    """Every fault test logs at DEBUG, and nothing it logs shows the token."""
    caplog.set_level(logging.DEBUG)
    yield
    assert TOKEN not in caplog.text and TOKEN.split(".")[2] not in caplog.text


async def ask(standin: StandIn, user: dict, question: str = "what is feature decoupling?"):
    """/ask in the first guild; returns the interaction once the user sees an answer."""
    interaction = await standin.slash(user, "ask", guild=standin.guilds[0], question=question)
    await standin.wait_until(lambda: standin.shown_for(interaction), 15)
    return interaction


async def mention(standin: StandIn, user: dict, text: str = "what is BYOL?", **kwargs) -> dict:
    return await standin.mention_bot(user, text, **kwargs)


def answers_in(messages: list[dict]) -> int:
    """How many of `messages` carry an answer (an embed), as opposed to an error line."""
    return sum(bool(m.get("embeds")) for m in messages)


def error_lines(caplog, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR and text in r.getMessage()]


# --- The gateway ------------------------------------------------------------------------------

Fault = Callable[[GatewaySession], Awaitable[None]]


async def _drop(session: GatewaySession) -> None:
    session.drop()


def _close(code: int) -> Fault:
    return lambda session: session.close(code)


def _invalidate(resumable: bool) -> Fault:
    return lambda session: session.invalidate(resumable)


async def _reconnect(session: GatewaySession) -> None:
    await session.send(7)


# fault -> the client's opcodes on its new connections: RESUME (6), IDENTIFY (2)
GATEWAY_FAULTS = {
    "socket cut without a close frame": (_drop, [6]),
    "close 1000": (_close(1000), [6]),
    "close 4000 (unknown error)": (_close(4000), [6]),
    "close 4009 (session timed out)": (_close(4009), [6, 2]),  # the RESUME is refused
    "op 7 RECONNECT": (_reconnect, [6]),
    "op 9 INVALID_SESSION, resumable": (_invalidate(True), [6]),
    "op 9 INVALID_SESSION, not resumable": (_invalidate(False), [2]),
}


@pytest.fixture
def _no_identify_pause(monkeypatch):
    """discord.py waits 5 s before identifying again (Discord's identify rate limit); the
    stand-in has no such limit, so the tests skip the wait."""

    async def before_identify(self, shard_id, *, initial=False):
        return None

    monkeypatch.setattr(discord.Client, "before_identify_hook", before_identify)


@pytest.mark.parametrize("name", GATEWAY_FAULTS)
async def test_after_a_gateway_fault_the_bot_reconnects_and_answers_once(
    tmp_path, retriever, name, _no_identify_pause
):
    """Fault: the gateway connection ends as named. Expected: the bot resumes (or identifies
    again when the session cannot be resumed), a message sent while it was away is answered
    once when the session resumes, and the next /ask and mention are each answered once, with
    no second command sync."""
    fault, expected_ops = GATEWAY_FAULTS[name]
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        first = standin.session
        await fault(first)
        resumes = expected_ops == [6]
        # Sent in the old session: delivered on the old connection or replayed on RESUME.
        away = (
            await mention(standin, BOB, "what is masked image modeling?", via=first)
            if resumes
            else None
        )

        # One new connection per opcode expected (a refused RESUME, then an IDENTIFY).
        await standin.wait_for_connection(
            standin.sessions.index(first) + 1 + len(expected_ops), timeout=15
        )
        ops = [f["op"] for s in standin.sessions[1:] for f in s.received if f["op"] in (2, 6)]
        interaction = await ask(standin, ALICE)
        after = await mention(standin, BOB)
        await standin.wait_until(lambda: standin.replies_to(after), 15)
        if away is not None:
            await standin.wait_until(lambda: standin.replies_to(away), 15)
        await settle(bot)

        assert ops == expected_ops
        assert answers_in(standin.shown_for(interaction)) == 1
        assert len(standin.replies_to(after)) == 1
        if away is not None:
            assert len(standin.replies_to(away)) == 1
        assert len(standin.find("PUT", SYNC)) == 1, "commands synced again on a reconnect"


# --- REST: rate limits and server errors on each route --------------------------------------------

LOST = "lost"  # Discord carried the request out, but the client saw a 500


def _fault(standin: StandIn, kind: str | int):
    if kind == "429 route":
        return rate_limited(0.05)
    if kind == "429 global":
        return rate_limited(0.05, is_global=True)
    if kind == LOST:
        return standin.lost_response(500)
    return reply_with(kind, {"message": f"{kind}: Discord is having trouble", "code": 0})


REST_FAULTS = ["429 route", "429 global", 500, 502, 503, LOST]


@pytest.fixture
def quick_backoff(monkeypatch):
    """discord.py's pauses before retrying a 5xx (1, 3, 5 … s), and paperbot's own for a reply,
    a hundred times shorter, where Discord's 3 s window is not at stake."""

    class QuickAsyncio(types.ModuleType):
        def __getattr__(self, name):
            return getattr(asyncio, name)

        @staticmethod
        def sleep(delay, *args, **kwargs):
            return asyncio.sleep(delay / 100 if delay >= 1 else delay, *args, **kwargs)

    quick = QuickAsyncio("asyncio")
    monkeypatch.setattr(discord.http, "asyncio", quick)
    monkeypatch.setattr(discord.webhook.async_, "asyncio", quick)
    monkeypatch.setattr(bot_module, "REPLY_RETRY_DELAYS", (0.01, 0.02))


@pytest.mark.parametrize("kind", REST_FAULTS)
async def test_a_fault_on_the_interaction_callback_still_answers_once(tmp_path, retriever, kind):
    """Fault: the first /ask callback (the deferral) fails as named. Expected: it is retried
    within Discord's 3 s window, and the question is answered exactly once; after a lost
    response, the retry's "already acknowledged" counts as deferred."""
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        standin.override("POST", CALLBACK, _fault(standin, kind), times=1)
        interaction = await ask(standin, ALICE)
        await settle(bot)
        callbacks = standin.find("POST", CALLBACK)
    assert len(callbacks) == 2  # the fault, then the retry
    if kind == LOST:
        assert callbacks[1].status == 400  # already acknowledged
    assert interaction["token"] in standin.acknowledged  # within the window
    assert answers_in(standin.shown_for(interaction)) == 1
    assert len(standin.find("PATCH", ORIGINAL)) == 1


@pytest.mark.parametrize("kind", REST_FAULTS)
async def test_a_fault_on_the_deferred_answer_still_answers_once(
    tmp_path, retriever, kind, quick_backoff
):
    """Fault: the edit that fills in the deferred answer fails as named. Expected: it is sent
    again and the user sees exactly one answer (an edit, so a retry cannot double it)."""
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        standin.override("PATCH", ORIGINAL, _fault(standin, kind), times=1)
        interaction = await ask(standin, ALICE)
        await settle(bot)
    assert len(standin.find("PATCH", ORIGINAL)) == 2
    assert answers_in(standin.shown_for(interaction)) == 1
    assert standin.followups == {}


@pytest.mark.parametrize("kind", REST_FAULTS)
async def test_a_fault_on_a_channel_message_still_replies_once(
    tmp_path, retriever, kind, quick_backoff
):
    """Fault: the reply to a mention fails as named. Expected: it is sent again (a 503 by
    paperbot itself, the rest by discord.py) with the same nonce, and exactly one reply exists,
    also when Discord had created the first one before the failure."""
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        standin.override("POST", CHANNEL_MESSAGES, _fault(standin, kind), times=1)
        message = await mention(standin, ALICE)
        await standin.wait_for_requests("POST", CHANNEL_MESSAGES, 2, timeout=15)
        await settle(bot)
        first, second = standin.find("POST", CHANNEL_MESSAGES)
    assert first.json["nonce"] == second.json["nonce"]
    assert len(standin.replies_to(message)) == 1
    assert answers_in(standin.replies_to(message)) == 1


async def test_follow_ups_failing_do_not_matter_as_answers_edit_the_original(tmp_path, retriever):
    """Fault: every follow-up (webhook message) fails with 503. Expected: nothing is lost, since
    answers, and apologies after a deferral, edit the original response instead."""
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        standin.override("POST", FOLLOWUP, reply_with(503, {"message": "down", "code": 0}))
        interactions = [await ask(standin, user) for user in (ALICE, BOB)]
        await settle(bot)
    assert [answers_in(standin.shown_for(i)) for i in interactions] == [1, 1]
    assert standin.find("POST", FOLLOWUP) == []


# --- REST: Discord failing past the retry budget ------------------------------------------------


async def test_a_callback_rate_limited_past_the_retries_is_logged_and_the_next_is_answered(
    tmp_path, retriever, caplog
):
    """Fault: the /ask deferral gets a 429 on each of discord.py's 5 tries. Expected: one error
    line, no traceback; the user gets the apology instead of an answer; the next question is
    answered once."""
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        standin.override("POST", CALLBACK, rate_limited(0.01), times=5)
        failed = await standin.slash(ALICE, "ask", guild=standin.guilds[0], question="BYOL")
        await until_logged(lambda: error_lines(caplog, "Could not answer /ask"))
        await settle(bot)
        answered = await ask(standin, BOB)
        await settle(bot)
    (apology,) = standin.shown_for(failed)
    assert apology["content"].startswith("Sorry, something went wrong")
    assert answers_in(standin.shown_for(answered)) == 1
    (line,) = error_lines(caplog, "Could not answer /ask")
    assert "429" in line.getMessage() and line.exc_info is None


@pytest.mark.parametrize("kind", ["429 route", 503])
async def test_a_deferred_answer_failing_past_the_retries_is_logged_and_the_next_is_answered(
    tmp_path, retriever, caplog, kind, quick_backoff
):
    """Fault: every edit of the deferred answer fails as named (discord.py tries 5 times), and
    so does deleting the thinking message before the private apology. Expected: one error line
    for the answer, one warning for the apology (never sent publicly instead), no traceback;
    the next question is answered once."""
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        standin.override("PATCH", ORIGINAL, _fault(standin, kind), times=5)
        standin.override("DELETE", ORIGINAL, _fault(standin, kind), times=5)
        failed = await standin.slash(ALICE, "ask", guild=standin.guilds[0], question="BYOL")
        await standin.wait_for_requests("DELETE", ORIGINAL, 5, timeout=15)
        await settle(bot)
        answered = await ask(standin, BOB)
        await settle(bot)
    assert standin.shown_for(failed) == []
    assert answers_in(standin.shown_for(answered)) == 1
    (line,) = error_lines(caplog, "Could not answer /ask")
    assert str(kind).split()[0] in line.getMessage() and line.exc_info is None
    assert any("Could not send an error reply" in r.getMessage() for r in caplog.records)


async def test_a_mention_reply_failing_past_the_retries_is_logged_and_the_next_is_answered(
    tmp_path, retriever, caplog, monkeypatch
):
    """Fault: the reply to a mention gets a 503 on every try (paperbot tries 3 times), then one
    with a 429 asking to wait two minutes (more than paperbot waits). Expected: an error line
    each, no traceback, and the next mention is answered once."""
    monkeypatch.setattr(bot_module, "REPLY_RETRY_DELAYS", (0.01, 0.01))
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        standin.override("POST", CHANNEL_MESSAGES, reply_with(503, {"message": "down"}), times=3)
        unavailable = await mention(standin, ALICE)
        await until_logged(lambda: error_lines(caplog, "Could not reply to message"))
        standin.override("POST", CHANNEL_MESSAGES, rate_limited(120.0), times=1)
        limited = await mention(standin, ALICE)
        await until_logged(lambda: len(error_lines(caplog, "Could not reply to message")) == 2)
        answered = await mention(standin, BOB)
        await standin.wait_until(lambda: standin.replies_to(answered), 15)
        await settle(bot)
    assert standin.replies_to(unavailable) == [] and standin.replies_to(limited) == []
    assert len(standin.replies_to(answered)) == 1
    lines = error_lines(caplog, "Could not reply to message")
    assert all(line.exc_info is None for line in lines)
    assert "503" in lines[0].getMessage() and "120" in lines[1].getMessage()


async def test_an_expired_interaction_is_logged_in_one_line_without_an_apology(
    tmp_path, retriever, caplog
):
    """Fault: Discord answers the deferral with 404 Unknown interaction (it expired). Expected:
    one error line, no apology attempted (nothing can reach the user), the next is answered."""
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        expired = {"message": "Unknown interaction", "code": 10062}
        standin.override("POST", CALLBACK, reply_with(404, expired), times=1)
        await standin.slash(ALICE, "ask", guild=standin.guilds[0], question="BYOL")
        await until_logged(lambda: error_lines(caplog, "Could not answer /ask"))
        await settle(bot)
        answered = await ask(standin, BOB)
        await settle(bot)
    assert len(standin.find("POST", CALLBACK)) == 2  # the expired one, and the next question's
    assert answers_in(standin.shown_for(answered)) == 1


# --- A slow Discord ----------------------------------------------------------------------------


async def test_a_slow_discord_still_gets_every_answer_inside_the_window(tmp_path, retriever):
    """Fault: every REST response takes 2 s. Expected: each interaction's first response still
    reaches Discord inside its 3 s window (the bot defers before it searches), and every
    question, list and mention is answered exactly once."""
    async with bot_and_standin(tmp_path, retriever) as (standin, bot):
        standin.override("*", r".*", delayed(2.0))
        guild = standin.guilds[0]
        interactions = [
            await standin.slash(ALICE, "ask", guild=guild, question="what is feature decoupling?"),
            await standin.slash(BOB, "ask", guild=guild, question="masked image modeling"),
            await standin.slash(ALICE, "papers", guild=guild),
            await standin.slash(BOB, "about", guild=guild),
        ]
        message = await mention(standin, ALICE)
        await standin.wait_until(lambda: all(standin.shown_for(i) for i in interactions), 15)
        await standin.wait_until(lambda: standin.replies_to(message), 15)
        await settle(bot)
    for interaction in interactions:
        assert interaction["token"] in standin.acknowledged, "missed the 3 s window"
        assert len(standin.shown_for(interaction)) == 1
    assert len(standin.replies_to(message)) == 1
    assert not [r for r in standin.find("POST", CALLBACK) if r.status != 200]
    assert ALREADY_ACKNOWLEDGED not in [
        (r.json or {}).get("code") for r in standin.find("POST", CALLBACK)
    ]


# --- Command sync to unknown servers --------------------------------------------------------------


async def test_a_sync_to_unknown_servers_logs_one_line_each_and_the_bot_serves(
    tmp_path, retriever, caplog
):
    """Fault: DISCORD_GUILD_IDS names a server the bot is not in (Discord answers 403 Missing
    Access) and one that does not exist (404 Unknown Guild). Expected: one error line each that
    says what to check, no traceback; the third server gets its commands and the bot answers
    there; the sync is not remembered, so the next start tries again."""
    forbidden, unknown = 111111111111111111, 222222222222222222
    async with bots_standin() as s:
        guild_route = rf"/applications/{APPLICATION_ID}/guilds/{{}}/commands"
        s.override("PUT", guild_route.format(forbidden), reply_with(403, _error("Missing Access")))
        s.override("PUT", guild_route.format(unknown), reply_with(404, _error("Unknown Guild")))
        ids = (forbidden, unknown, int(s.guilds[0].id))
        settings = bot_settings(tmp_path / "state", guild_ids=ids)
        async with running_bot(s, settings, retriever) as bot:
            interaction = await ask(s, ALICE)
            await settle(bot)
        async with running_bot(s, settings, retriever):
            pass
        syncs = [r.path for r in s.find("PUT", rf"/applications/{APPLICATION_ID}/.*")]
    assert answers_in(s.shown_for(interaction)) == 1
    lines = error_lines(caplog, "Could not sync the slash commands")
    assert [line.exc_info for line in lines] == [None] * 4  # two servers, two starts
    assert f"to server {forbidden}: Discord answered 403 (Missing Access)" in lines[0].getMessage()
    assert "invited with the applications.commands scope" in lines[0].getMessage()
    assert f"to server {unknown}: Discord answered 404 (Unknown Guild)" in lines[1].getMessage()
    assert "no server has that id: check DISCORD_GUILD_IDS" in lines[1].getMessage()
    assert len(syncs) == 6  # three servers, tried again on the second start


def _error(message: str) -> dict:
    codes = {"Missing Access": 50001, "Unknown Guild": 10004}
    return {"message": message, "code": codes[message]}
