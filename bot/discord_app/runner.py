"""Starting the bot: build the client, log in, serve until closed or told to stop by a signal."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Any

import aiohttp
import discord

from bot.discord_app.client import PaperClient
from bot.errors import PaperbotError
from bot.search.live_corpus import LiveCorpus
from bot.settings import Settings

log = logging.getLogger(__name__)

_AUTHENTICATION_FAILED = 4004  # gateway close code for a bad token
# On SIGTERM/SIGINT, replies in progress get this long to finish before they are abandoned; the
# process is gone well within 5 s (systemd waits 90 s before it kills).
DRAIN_SECONDS = 3.0
# How long a search thread may keep the GIL once the event loop wants it back (Python's default
# is 5 ms). The loop gives the GIL up at every socket call, and takes it back only after that
# wait: in a burst of hundreds of requests, deferrals came 0.2 to 1.2 s late and heartbeats up to
# 0.7 s late with 5 ms; with 0.2 ms, 2 ms and 13 ms (benchmarks/bench_load.py, rank_bm25 engine).
SWITCH_INTERVAL = 0.0002


class StartupError(PaperbotError):
    """The bot cannot start or stay connected; the message is one line for the user."""


def create_client(
    settings: Settings, live: LiveCorpus, *, force_sync: bool = False, **options: Any
) -> PaperClient:
    """The client `paperbot serve` runs; `options` go to `PaperClient` and `discord.Client`."""
    return PaperClient(live, settings, force_sync=force_sync, **options)


async def serve(client: PaperClient) -> None:
    """Log in and answer until the client is closed or SIGTERM/SIGINT arrives."""
    token = client.settings.discord_token
    if token is None:
        raise StartupError("DISCORD_TOKEN is not set: put the bot token in .env (see README)")
    loop = asyncio.get_running_loop()
    handled = _stop_on_signals(loop, client)
    try:
        async with client:
            await _start_until_closed(client, token.reveal())
    except discord.LoginFailure:
        raise StartupError(
            "Discord rejected DISCORD_TOKEN (401 Unauthorized): copy the bot token again "
            "from the Developer Portal (Bot, Reset Token) into .env"
        ) from None
    except discord.ConnectionClosed as exc:
        if exc.code == _AUTHENTICATION_FAILED:
            raise StartupError("Discord rejected DISCORD_TOKEN at the gateway") from None
        raise StartupError(f"Discord closed the connection (code {exc.code})") from None
    except (aiohttp.ClientError, OSError, discord.GatewayNotFound) as exc:
        raise StartupError(f"cannot reach Discord: {exc}") from None
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
    log.info("Stopped")


async def _start_until_closed(client: PaperClient, token: str) -> None:
    """`client.start`, which also ends once the client is closed.

    discord.py notices a close only when its connection loop wakes up; waiting to reconnect to
    an unreachable Discord it may sleep for minutes first. A SIGTERM must not wait for that.
    """
    starting = asyncio.create_task(client.start(token))
    closed = asyncio.create_task(client.wait_until_closed())
    try:
        await asyncio.wait({starting, closed}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            # Closed: give the loop a moment to notice, then stop waiting for it.
            await asyncio.wait({starting}, timeout=1.0)
            if not starting.done():
                starting.cancel()
                await asyncio.wait({starting})
                return
        starting.result()  # what stopped it, if it failed
    finally:
        closed.cancel()
        starting.cancel()


def run(settings: Settings, live: LiveCorpus, *, force_sync: bool = False) -> None:
    """`paperbot serve`: discord.py's standard logging at the configured level, then `serve`."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    level = logging.getLevelName(settings.log_level)
    discord.utils.setup_logging(level=level)
    if level > logging.DEBUG:
        # Its one INFO line, "logging in using static token", would stand before the single
        # line that a rejected token ends with.
        logging.getLogger("discord.client").setLevel(logging.WARNING)

    async def main() -> None:
        await serve(create_client(settings, live, force_sync=force_sync))

    asyncio.run(main())


async def shutdown(client: PaperClient, *, drain_seconds: float = DRAIN_SECONDS) -> None:
    """Take no new questions, let the replies in progress finish (or abandon them), disconnect."""
    client.stopping = True
    unfinished = await client.drain(drain_seconds)
    if unfinished:
        log.warning(
            "Abandoning %d reply(s) still in progress after %g s", len(unfinished), drain_seconds
        )
        for task in unfinished:
            task.cancel()
        await asyncio.wait(unfinished, timeout=1.0)
    await client.close()


def _stop_on_signals(loop: asyncio.AbstractEventLoop, client: PaperClient) -> list[int]:
    stopping: list[asyncio.Task[None]] = []

    def stop(name: str) -> None:
        if not stopping:
            log.info("%s received: disconnecting", name)
            stopping.append(loop.create_task(shutdown(client)))

    handled: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop, signum.name)
        except (NotImplementedError, RuntimeError, ValueError):
            continue  # Windows, or not the main thread: Ctrl-C still ends the process
        handled.append(signum)
    return handled
