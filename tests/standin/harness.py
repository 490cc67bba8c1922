"""Running the real bot, through the code path of `paperbot serve`, against the stand-in."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import yarl

from bot.discord_app.backoff import RetryPolicy
from bot.discord_app.client import PaperClient
from bot.discord_app.runner import create_client, serve
from bot.index.live_corpus import LiveCorpus
from bot.index.retriever import Retriever
from bot.settings import Secret, Settings
from tests.standin import rules
from tests.standin.payloads import Json, user_payload
from tests.standin.server import (
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    Recorded,
    StandIn,
)

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.fake-token-value-for-tests"
APPLICATION_ID = 123456789012345678  # what the token's first part encodes
BOT_USER_ID = 123456789012345678
ALICE = user_payload(200000000000000001, "alice")
BOB = user_payload(200000000000000002, "bob")
OTHER_BOT = user_payload(200000000000000003, "otherbot", bot=True)

CALLBACK = r"/interactions/\d+/[^/]+/callback"
ORIGINAL = rf"/webhooks/{APPLICATION_ID}/[^/]+/messages/@original"
FOLLOWUP = rf"/webhooks/{APPLICATION_ID}/[^/]+"
CHANNEL_MESSAGES = r"/channels/\d+/messages"


class _LogWaker(logging.Handler):
    """Wakes a waiting test on each log record, from any thread. Added after pytest's capturing
    handler, so a record is in `caplog.records` before the wake-up."""

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.get_running_loop()
        self.arrived = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.loop.call_soon_threadsafe(self.arrived.set)


async def until_logged(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait until `condition` about what was logged holds, looking again at each log record
    (nothing else tells when a line is written)."""
    waker = _LogWaker()
    root = logging.getLogger()
    root.addHandler(waker)
    try:
        async with asyncio.timeout(timeout):
            while True:
                waker.arrived.clear()  # before looking: a record from now on wakes the loop
                if condition():
                    return
                await waker.arrived.wait()
    finally:
        root.removeHandler(waker)


def bot_settings(state_dir: Path, **changes: Any) -> Settings:
    """The settings of a test bot. Its corpus watcher is off unless a test turns it on: the
    watcher has tests of its own, and stopping it costs each bot up to 0.3 s."""
    changes.setdefault("watch_corpus", False)
    return Settings(discord_token=Secret(TOKEN), state_dir=state_dir, **changes)


@contextlib.contextmanager
def pointed_at(standin: StandIn) -> Iterator[None]:
    """discord.py's REST base and gateway URL aimed at the stand-in, restored afterwards."""
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = standin.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(standin.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


def live_corpus(served: Retriever | LiveCorpus) -> LiveCorpus:
    """What the bot serves: `served` itself, or a LiveCorpus that starts with the retriever
    (reloads and the watcher read the corpus files it came from)."""
    if isinstance(served, LiveCorpus):
        return served
    sources = served.corpus.sources
    path = sources[0] if len(sources) == 1 else Path(sources[0]).parent
    return LiveCorpus(path, retriever=served)


@dataclass
class RunningBot:
    client: PaperClient
    task: asyncio.Task[None]


@contextlib.asynccontextmanager
async def running_bot(
    standin: StandIn,
    settings: Settings,
    served: Retriever | LiveCorpus,
    *,
    force_sync: bool = False,
    view_timeout: float = 180.0,
    extra_commands: tuple[Any, ...] = (),
    retry: RetryPolicy | None = None,
    **options: Any,
) -> AsyncIterator[RunningBot]:
    """The bot started as `paperbot serve` starts it, ready (READY and guilds seen), then closed.
    `retry` is its policy while the stand-in cannot be reached at start; `options` go to the
    client (such as its `feedback` store).

    On the way out, every message the bot sent is checked: no allowed mentions, within limits;
    and no request carried the token anywhere but in its Authorization header.
    """
    since = standin.mark()
    with pointed_at(standin):
        client = await create_client(
            settings,
            live_corpus(served),
            force_sync=force_sync,
            retry=retry,
            view_timeout=view_timeout,
            guild_ready_timeout=0.01,  # the stand-in sends every GUILD_CREATE right after READY
            **options,
        )
        for command in extra_commands:  # commands a test adds, such as an admin-only one
            client.tree.add_command(command)
        task = asyncio.create_task(serve(client, retry=retry))
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                task.result()  # raises what stopped the bot
                raise AssertionError("the bot stopped before it was ready")
            assert ready.done(), "the bot did not get ready"
            yield RunningBot(client, task)
        finally:
            ready.cancel()
            await client.close()
            await asyncio.wait_for(task, timeout=10)
    for record in standin.message_bodies(since):
        assert_safe_message(record)
    for record in standin.requests[since:]:
        assert_no_token(record)


def assert_no_token(record: Recorded) -> None:
    """The token only in the Authorization header, nowhere else in a request."""
    headers = {k: v for k, v in record.headers.items() if k.lower() != "authorization"}
    seen = json.dumps([record.path, record.query, record.json, headers], ensure_ascii=False)
    assert TOKEN not in seen and TOKEN.split(".")[2] not in seen, record.path


async def settle(bot: RunningBot, timeout: float = 30.0) -> None:
    """Wait until the bot has no reply in progress (retries included)."""
    unfinished = await bot.client.drain(timeout)
    assert not unfinished, f"{len(unfinished)} replies still in progress after {timeout} s"


def bots_standin(**options: Any) -> StandIn:
    """A stand-in of Discord for the bot of TOKEN (its application and user), with `options`."""
    return StandIn(token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID, **options)


@contextlib.asynccontextmanager
async def bot_and_standin(
    tmp_path: Path,
    served: Retriever | LiveCorpus,
    *,
    view_timeout: float = 180.0,
    **settings_changes: Any,
) -> AsyncIterator[tuple[StandIn, RunningBot]]:
    async with bots_standin() as standin:
        settings = bot_settings(tmp_path / "state", **settings_changes)
        async with running_bot(standin, settings, served, view_timeout=view_timeout) as bot:
            yield standin, bot


def message_of(record: Recorded) -> Json:
    """The message a request sends: a callback's data, or the body itself."""
    body = record.json or {}
    if record.path.endswith("/callback"):
        return body.get("data") or {}
    return body


def text_of(record: Recorded) -> str:
    """Everything a person would read in the message, as one string."""
    return json.dumps(message_of(record), ensure_ascii=False)


def assert_safe_message(record: Recorded) -> None:
    """No one pinged, and nothing Discord would refuse (the stand-in's rules, which it also
    enforces on its own routes; this catches a body an override answered instead)."""
    message = message_of(record)
    assert message.get("allowed_mentions") == {"parse": []}, (record.path, message)
    assert rules.form_errors(message) is None, (record.path, rules.form_errors(message))


async def interaction_reply(
    standin: StandIn, interaction: Json, since: int = 0, timeout: float = 10.0
) -> Recorded:
    """The message an interaction ended up with: its direct reply, or the deferred one's edit."""
    token = interaction["token"]
    callback = await standin.wait_for_request(
        "POST", CALLBACK, since=since, where=lambda r: token in r.path, timeout=timeout
    )
    if callback.json["type"] == CHANNEL_MESSAGE:
        return callback
    assert callback.json["type"] == DEFERRED_CHANNEL_MESSAGE, callback.json
    # The answer edits the "thinking" message, or, private after a public deferral, follows it.
    return await standin.wait_for_request(
        "*",
        f"(?:{ORIGINAL})|(?:{FOLLOWUP})",
        since=since,
        where=lambda r: token in r.path and r.method in ("PATCH", "POST"),
        timeout=timeout,
    )
