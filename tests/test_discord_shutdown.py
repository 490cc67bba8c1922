"""The shutdown drain, with the real client against the stand-in: what arrives while the bot
stops is told privately to ask again, and every view's clicks are waited for like commands."""

from __future__ import annotations

import asyncio
import json
import logging

from bot.corpus.papers import load_corpus
from bot.discord_app import replies
from bot.discord_app.runner import shutdown
from bot.index.retriever import Retriever
from tests.standin.harness import (
    ALICE,
    BOB,
    CALLBACK,
    ORIGINAL,
    RunningBot,
    bot_and_standin,
    interaction_reply,
    settle,
)
from tests.standin.payloads import Guild, Json
from tests.standin.server import CHANNEL_MESSAGE, EPHEMERAL, Recorded, StandIn


def _gradient_papers(tmp_path, count: int = 12) -> Retriever:
    """Enough papers for /papers to have pages, all about gradient descent (answers are found)."""
    corpus = tmp_path / "papers.jsonl"
    rows = [
        {
            "id": f"paper-{n}",
            "title": f"Study number {n} of gradient descent",
            "abstract": f"We study gradient descent in setting {n}. It converges.",
            "authors": ["A. Author"],
            "year": 2000 + n,
        }
        for n in range(1, count + 1)
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    return Retriever(load_corpus(corpus))


def _custom_id(message: dict, label: str) -> str:
    for row in message["components"]:
        for component in row["components"]:
            if component.get("label") == label:
                return component["custom_id"]
    raise AssertionError(f"no {label!r} button in {message['components']}")


class Gate:
    """A responder that holds requests until opened, and tells when one is held."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.holding = asyncio.Event()

    async def __call__(self, record: Recorded) -> None:
        self.holding.set()
        await self.open.wait()


async def _callback_of(standin: StandIn, interaction: dict, since: int) -> Recorded:
    return await standin.wait_for_request(
        "POST", CALLBACK, since=since, where=lambda r: interaction["token"] in r.path
    )


async def _a_list_and_an_answer(standin: StandIn, bot: RunningBot) -> tuple[Guild, Json, Json]:
    """Alice's /papers and /ask, both answered: the interactions whose messages tests click."""
    guild = standin.guilds[0]
    listing = await standin.slash(ALICE, "papers", guild=guild)
    await interaction_reply(standin, listing)
    asked = await standin.slash(ALICE, "ask", guild=guild, question="gradient descent")
    await interaction_reply(standin, asked)
    await settle(bot)
    return guild, listing, asked


async def test_a_command_and_clicks_during_the_drain_are_told_privately_to_ask_again(tmp_path):
    async with bot_and_standin(tmp_path, _gradient_papers(tmp_path)) as (standin, bot):
        guild, listing, asked = await _a_list_and_an_answer(standin, bot)
        pages, answer = standin.originals[listing["token"]], standin.originals[asked["token"]]

        gate = Gate()  # a reply in progress keeps the drain open
        standin.override("PATCH", ORIGINAL, gate, times=1)
        await standin.slash(BOB, "ask", guild=guild, question="gradient descent")
        await asyncio.wait_for(gate.holding.wait(), 10)
        stopping = asyncio.create_task(shutdown(bot.client, drain_seconds=30))
        try:
            while not bot.client.stopping:
                await asyncio.sleep(0)  # the shutdown task's first step sets it
            since = standin.mark()
            late = [
                await standin.slash(ALICE, "ask", guild=guild, question="gradient descent"),
                await standin.click(ALICE, pages, _custom_id(pages, "Next"), guild=guild),
                await standin.click(BOB, answer, _custom_id(answer, "Helpful"), guild=guild),
            ]
            told = [await _callback_of(standin, interaction, since) for interaction in late]
        finally:
            gate.open.set()
        await asyncio.wait_for(stopping, 30)
    for callback in told:
        assert callback.json["type"] == CHANNEL_MESSAGE
        assert callback.json["data"]["flags"] & EPHEMERAL
        assert callback.json["data"]["content"] == replies.RESTARTING
        assert callback.status == 200


async def test_a_papers_page_click_in_progress_is_waited_for_by_the_drain(tmp_path):
    async with bot_and_standin(tmp_path, _gradient_papers(tmp_path)) as (standin, bot):
        guild = standin.guilds[0]
        listing = await standin.slash(ALICE, "papers", guild=guild)
        await interaction_reply(standin, listing)
        pages = standin.originals[listing["token"]]
        await settle(bot)
        gate = Gate()
        standin.override("POST", CALLBACK, gate, times=1)
        since = standin.mark()
        click = await standin.click(ALICE, pages, _custom_id(pages, "Next"), guild=guild)
        await asyncio.wait_for(gate.holding.wait(), 10)
        in_progress = await bot.client.drain(0.05)
        gate.open.set()
        turned = await _callback_of(standin, click, since)
        await settle(bot)
    assert len(in_progress) == 1, "the page turn was not tracked by the drain"
    assert "Page 2 of 2" in turned.json["data"]["embeds"][0]["footer"]["text"]


async def test_each_command_and_click_is_taken_exactly_once(tmp_path, caplog):
    """discord.py runs a view's and its button's checks both: they only decide, and the work is
    counted as in progress once per interaction (a second count would be a second drain entry)."""
    caplog.set_level(logging.DEBUG, logger="bot.discord_app.client")
    async with bot_and_standin(tmp_path, _gradient_papers(tmp_path)) as (standin, bot):
        guild, listing, asked = await _a_list_and_an_answer(standin, bot)
        pages, answer = standin.originals[listing["token"]], standin.originals[asked["token"]]
        since = standin.mark()
        clicks = [
            await standin.click(ALICE, pages, _custom_id(pages, "Next"), guild=guild),
            await standin.click(BOB, pages, _custom_id(pages, "Next"), guild=guild),
            await standin.click(BOB, answer, _custom_id(answer, "Helpful"), guild=guild),
        ]
        told = [await _callback_of(standin, click, since) for click in clicks]
        await settle(bot)
    taken = [r.getMessage() for r in caplog.records if r.getMessage().endswith(" taken")]
    for interaction in (listing, asked, *clicks):
        assert taken.count(f"Interaction {interaction['id']} taken") == 1, interaction["id"]
    assert "Page 2 of 2" in told[0].json["data"]["embeds"][0]["footer"]["text"]
    assert told[1].json["data"]["content"] == replies.NOT_YOUR_PAGES
