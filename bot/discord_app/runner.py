"""Starting the bot: build the client, log in, serve until closed or told to stop by a signal.

Discord out of reach at start (no network yet at boot, DNS, 5xx, timeouts) is tried again with
backoff (bot.discord_app.backoff), one log line per try; a rejected token or a bad setting ends
at once (StartupError, exit 2); giving up after the policy's time, or a connection Discord closed
for good (a gateway close code that is not resumable, such as 4014 after an intent was switched
off), ends with DiscordUnavailable (exit 75: the service manager starts it again).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import discord

from bot.discord_app.backoff import RetryPolicy, retry_delays
from bot.discord_app.bot import PaperBot
from bot.discord_app.client import PaperClient
from bot.discord_app.identity import identify, point_at
from bot.errors import PaperbotError
from bot.index.live_corpus import LiveCorpus
from bot.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

_AUTHENTICATION_FAILED = 4004  # gateway close code for a bad token
# On SIGTERM/SIGINT, replies in progress get this long to finish before they are abandoned; the
# process is gone well within 5 s (systemd waits 90 s before it kills).
DRAIN_SECONDS = 3.0
# How long a search thread may keep the GIL once the event loop wants it back (Python's default
# is 5 ms). The loop gives the GIL up at every socket call, and takes it back only after that
# wait: in a burst of hundreds of requests, deferrals came 0.2 to 1.2 s late and heartbeats up to
# 0.7 s late with 5 ms; with 0.2 ms, 2 ms and 13 ms (benchmarks/bench_load.py, rank_bm25 engine).
SWITCH_INTERVAL = 0.0002
# While Discord cannot be reached at start: waits from about 1 s doubling up to a minute, giving
# up (exit 75, for the service manager to start it again) after 10 minutes.
STARTUP_RETRY = RetryPolicy()


_TOKEN_REJECTED = (
    "Discord rejected DISCORD_TOKEN (401 Unauthorized): copy the bot token again "
    "from the Developer Portal (Bot, Reset Token) into .env"
)


class StartupError(PaperbotError):
    """The bot cannot start or stay connected; the message is one line for the user."""


class DiscordUnavailable(Exception):
    """Discord stayed out of reach for the whole retry policy; trying later may work."""


# What a passing fault looks like: no route, refused, DNS, timeouts, Discord's 5xx, a rate
# limit longer than the client waits.
_TRANSIENT = (
    aiohttp.ClientError,
    OSError,
    TimeoutError,
    discord.DiscordServerError,
    discord.GatewayNotFound,
    discord.RateLimited,
)


async def create_client(
    settings: Settings,
    live: LiveCorpus,
    *,
    force_sync: bool = False,
    retry: RetryPolicy | None = None,
    **options: Any,
) -> PaperClient:
    """The client `paperbot serve` runs; `options` go to `PaperClient` and
    `discord.AutoShardedClient`.

    Answer threads read every message in them, which takes the Message Content intent. discord.py
    fixes the intents when the client is built, so the application's flags are asked of Discord
    first (tried again per `retry` while it cannot be reached); without the intent, one warning,
    and in answer threads only messages that mention the bot are answered.
    """
    token = settings.discord_token
    reads_messages = False
    if settings.answer_threads and token is not None:
        try:
            found = await _retrying(lambda: identify(token.reveal()), retry or RetryPolicy())
        except discord.LoginFailure:
            raise StartupError(_TOKEN_REJECTED) from None
        reads_messages = found.has_intent("Message Content")
        if not reads_messages:
            log.warning(
                "PAPERBOT_ANSWER_THREADS is on, but the Message Content intent is not enabled "
                "for this application (Developer Portal, Bot page): in answer threads, only "
                "messages that mention the bot are answered"
            )
    return PaperBot(live, settings, force_sync=force_sync, reads_messages=reads_messages, **options)


async def serve(client: PaperClient, *, retry: RetryPolicy | None = None) -> None:
    """Log in and answer until the client is closed or SIGTERM/SIGINT arrives; `retry` says how
    long to keep trying while Discord cannot be reached at start."""
    token = client.settings.discord_token
    if token is None:
        raise StartupError("DISCORD_TOKEN is not set: put the bot token in .env (see README)")
    loop = asyncio.get_running_loop()
    handled = _stop_on_signals(loop, client)
    try:
        async with client:
            await _start_until_closed(client, token.reveal(), retry or RetryPolicy())
    except discord.LoginFailure:
        raise StartupError(_TOKEN_REJECTED) from None
    except discord.PrivilegedIntentsRequired:
        # The Message Content intent was switched off since the login: a new start asks only
        # for what the application has (create_client asks first), so this is no bad setting.
        raise DiscordUnavailable(
            "Discord refused an intent the application no longer has switched on (Developer "
            "Portal, Bot, Privileged Gateway Intents); starting again without it"
        ) from None
    except discord.GatewayNotFound:
        # GET /gateway/bot (how many shards, after the login) failed: discord.py does not try
        # it again, a fresh start will.
        raise DiscordUnavailable(
            "Discord did not say where to connect (GET /gateway/bot)"
        ) from None
    except discord.ConnectionClosed as exc:
        if exc.code == _AUTHENTICATION_FAILED:
            raise StartupError("Discord rejected DISCORD_TOKEN at the gateway") from None
        # Not resumable (discord.py resumes what is): a fresh start may well succeed.
        raise DiscordUnavailable(f"Discord closed the connection (code {exc.code})") from None
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)
    log.info("Stopped")


async def _log_in(client: PaperClient, token: str, policy: RetryPolicy) -> None:
    """`client.login`, tried again after a passing fault until the policy gives up."""
    await _retrying(lambda: client.login(token), policy, between=lambda: _fresh_session(client))


async def _retrying(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    between: Callable[[], Awaitable[None]] | None = None,
) -> T:
    """`attempt()`'s result, tried again after a passing fault (`between` runs before each new
    try) until the policy gives up; a rejected token (LoginFailure) ends at once."""
    loop = asyncio.get_running_loop()
    delays = retry_delays(policy)
    first_failure: float | None = None
    while True:
        try:
            return await asyncio.wait_for(attempt(), policy.attempt_timeout)
        except discord.LoginFailure:
            raise
        except _TRANSIENT as exc:
            now = loop.time()
            first_failure = now if first_failure is None else first_failure
            reason = _reason(exc)
            if now - first_failure >= policy.give_up_after:
                raise DiscordUnavailable(
                    f"cannot reach Discord ({reason}); gave up after "
                    f"{policy.give_up_after:g} s of trying"
                ) from None
            delay = next(delays)
            log.warning("Cannot reach Discord (%s); trying again in %.1f s", reason, delay)
            if between is not None:
                await between()
            await asyncio.sleep(delay)


def _reason(error: BaseException) -> str:
    """One line about a passing fault (what failed, never the request's headers)."""
    if isinstance(error, TimeoutError):
        return "no answer in time"
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"


async def _fresh_session(client: PaperClient) -> None:
    """Close the HTTP session a failed login opened; the next login opens its own (discord.py
    makes a new connection pool only when it has none)."""
    await client.http.close()
    client.http.connector = discord.utils.MISSING


async def _log_in_and_connect(client: PaperClient, token: str, policy: RetryPolicy) -> None:
    """`client.start`, with the login tried again while Discord is out of reach (the gateway
    connection has discord.py's own reconnecting)."""
    await _log_in(client, token, policy)
    await client.connect(reconnect=True)


async def _start_until_closed(client: PaperClient, token: str, policy: RetryPolicy) -> None:
    """`client.start`, which also ends once the client is closed.

    discord.py notices a close only when its connection loop wakes up; waiting to reconnect to
    an unreachable Discord it may sleep for minutes first, and so may the login's backoff. A
    SIGTERM must not wait for that.
    """
    starting = asyncio.create_task(_log_in_and_connect(client, token, policy))
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
    point_at(settings.discord_api_base, settings.discord_gateway_url)
    level = logging.getLevelName(settings.log_level)
    discord.utils.setup_logging(level=level)
    if level > logging.DEBUG:
        # Its one INFO line, "logging in using static token", would stand before the single
        # line that a rejected token ends with.
        logging.getLogger("discord.client").setLevel(logging.WARNING)

    async def main() -> None:
        client = await create_client(settings, live, force_sync=force_sync, retry=STARTUP_RETRY)
        await serve(client, retry=STARTUP_RETRY)

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
