"""Fixtures for the stand-in's own tests: a started stand-in, raw REST calls to it, and a bare
discord.py client connected to it (the real library, no paperbot code)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from tests.standin.harness import TOKEN, bots_standin, pointed_at
from tests.standin.server import StandIn


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    async with bots_standin() as s:
        yield s


class Rest:
    """Raw REST calls as the bot (its Authorization header), answered (status, JSON body)."""

    def __init__(self, standin: StandIn, session: aiohttp.ClientSession) -> None:
        self.standin = standin
        self.session = session

    async def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.session.request(
            method,
            self.standin.api_base + path,
            json=body,
            headers={"Authorization": f"Bot {TOKEN}"},
        ) as response:
            data = await response.json() if response.status != 204 else None
            return response.status, data


@pytest.fixture
async def rest(standin: StandIn) -> AsyncIterator[Rest]:
    async with aiohttp.ClientSession() as session:
        yield Rest(standin, session)


class Listener(discord.Client):
    """A bare client that hands every interaction to the test."""

    def __init__(self, intents: discord.Intents) -> None:
        super().__init__(
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=0.01,
        )
        self.interactions: asyncio.Queue[discord.Interaction] = asyncio.Queue()

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.interactions.put(interaction)


@contextlib.asynccontextmanager
async def connected(
    standin: StandIn, intents: discord.Intents | None = None
) -> AsyncIterator[Listener]:
    """A bare discord.py client logged in to `standin` and ready; closed afterwards."""
    client = Listener(intents or discord.Intents(guilds=True))
    with pointed_at(standin):
        task = asyncio.create_task(client.start(TOKEN))
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                task.result()
            assert ready.done(), "the client did not get ready"
            yield client
        finally:
            ready.cancel()
            await client.close()
            await asyncio.wait({task}, timeout=10)


@pytest.fixture
async def listener(standin: StandIn) -> AsyncIterator[Listener]:
    async with connected(standin) as client:
        yield client
