"""The running bot as its commands, buttons and mention answers use it: the corpus it serves,
the one search thread, conversations, limits, the replies in flight, and the command tree.

Handlers are typed `discord.Interaction[PaperClient]`; this module imports none of them (they
import it), and bot.discord_app.bot puts the commands, buttons and mention answers together."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, Protocol, TypeVar

import discord
from discord import app_commands

from bot.answering.conversation import Turn, answer_in_conversation, more_passages, turn_of
from bot.answering.conversation_memory import Conversations
from bot.discord_app import replies
from bot.discord_app.admin import NotAllowed
from bot.discord_app.ballots import Ballot, Ballots
from bot.discord_app.cooldown import Cooldown, OnCooldown, PostingLimit
from bot.discord_app.messages import UNKNOWN_INTERACTION, error_code, respond_quietly
from bot.discord_app.sync import sync_commands
from bot.feedback.store import FeedbackStore
from bot.index.answer import Answer
from bot.index.catalogue import Catalogue
from bot.index.live_corpus import CorpusStatus, LiveCorpus
from bot.index.retriever import Retriever
from bot.render import discord_reply
from bot.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
P = ParamSpec("P")
TAKEN = "takes_its_interaction"  # marks a callback wrapped by `taken` (a test checks every one)

# Mentions and DMs carry their text without the privileged Message Content intent.
INTENTS = discord.Intents(guilds=True, guild_messages=True, dm_messages=True)
ANSWER_THREAD_DAYS = 7.0  # an answer thread is followed this long after its last message
# A 429 asking to wait longer than this fails the request instead of holding every reply back.
MAX_RATE_LIMIT_WAIT = 60.0
_DISCORD_FAILURES = (discord.HTTPException, discord.RateLimited)
# How long closing waits for the corpus watcher to stop: it looks every 0.3 s, unless a reload is
# running (that one finishes in its thread). Short, for SIGTERM's 5 s.
WATCHER_STOP_SECONDS = 1.0
PAGE_BUTTONS_SECONDS = 1.0  # how long closing waits for the /papers buttons to be greyed out


class PageButtons(Protocol):
    """An open /papers list (views.PapersView): greyed out when the bot closes."""

    async def close(self) -> None: ...


class PaperTree(app_commands.CommandTree["PaperClient"]):
    """The command tree, with one error handler for every command."""

    async def interaction_check(self, interaction: discord.Interaction[PaperClient], /) -> bool:
        # The tree's own hook runs once per command or autocomplete: taken here (the buttons'
        # callbacks are wrapped by `taken` instead).
        return await interaction.client.take(interaction)

    async def on_error(
        self, interaction: discord.Interaction[PaperClient], error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if isinstance(original, app_commands.CommandOnCooldown):
            original = OnCooldown(original.retry_after)  # an owner command's cooldown
        command = interaction.command.name if interaction.command else "?"
        if isinstance(original, _DISCORD_FAILURES):
            # Discord refused or lost a request after discord.py's own retries: one line is
            # enough, a traceback would only show discord.py's internals.
            log.error(
                "Could not answer /%s (interaction %s): %s", command, interaction.id, original
            )
            if error_code(original) == UNKNOWN_INTERACTION:
                return  # the interaction expired: nothing can reach the user any more
        elif isinstance(original, NotAllowed):
            log.info("Refused /%s: %s", command, original)
        elif not isinstance(original, OnCooldown):
            log.error("Error in command %r", command, exc_info=original)
        await respond_quietly(interaction, replies.error_reply(original))


class PaperClient(discord.AutoShardedClient):
    """Answers questions about the corpus `live` serves. `options` go to
    `discord.AutoShardedClient`: Discord closes a connection with 4011 once the bot is in 2,500
    servers unless it is split into shards; discord.py opens as many as Discord asks for (one
    below that), so a bot that grows needs no change.

    `feedback` records unanswered questions and votes (default: the store the settings name);
    `reads_messages` asks for the Message Content intent (discord.py fixes the intents here).
    """

    def __init__(
        self,
        live: LiveCorpus,
        settings: Settings,
        *,
        feedback: FeedbackStore | None = None,
        force_sync: bool = False,
        view_timeout: float = 180.0,
        reads_messages: bool = False,
        **options: Any,
    ) -> None:
        # paperbot never joins voice: no warning at every start about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        options.setdefault("max_ratelimit_timeout", MAX_RATE_LIMIT_WAIT)
        intents = discord.Intents(INTENTS.value)
        # Answer threads read every message in them: that takes the Message Content intent,
        # which Discord refuses (4014) unless the application has it (runner.create_client asks).
        intents.message_content = reads_messages
        super().__init__(
            intents=intents, allowed_mentions=discord.AllowedMentions.none(), **options
        )
        self.live = live
        self.settings = settings
        self.feedback = feedback if feedback is not None else FeedbackStore.from_settings(settings)
        self.ballots = Ballots()  # the answers open to votes
        self.force_sync = force_sync
        self.view_timeout = view_timeout
        self.cooldown = Cooldown(settings.cooldown_questions, settings.cooldown_seconds)
        # What the bot posts in channels: per person (with their questions) and per channel.
        self.posting = PostingLimit(
            self.cooldown, Cooldown(settings.channel_posts, settings.cooldown_seconds)
        )
        self.tree = PaperTree(
            self,
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=True
            ),
        )
        # Conversations, in memory only: each person's turns per place (a DM, an answer thread),
        # the turn of each answer sent (a reply to it follows up on it), and the answer threads.
        self.conversations = Conversations()
        self.answers = Conversations()
        self.answer_threads = Conversations(max_age=ANSWER_THREAD_DAYS * 86400)
        self.command_ids: dict[str, int] = {}  # slash command name -> id, once synced
        self.stopping = False  # set on SIGTERM/SIGINT: new questions are no longer taken
        # One search at a time, off the event loop. A search is mostly Python holding the GIL:
        # with several search threads the loop waited its turn behind all of them (stalls of
        # over a second in a burst, deferrals missing Discord's 3 s window); with one, the loop
        # gets the GIL back within a switch interval. More threads would not search faster.
        self._searches = ThreadPoolExecutor(max_workers=1, thread_name_prefix="paperbot-search")
        self._closed = asyncio.Event()
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._stop_watching = asyncio.Event()
        self.watching = asyncio.Event()  # set once the corpus watcher watches (sees edits)
        self._watcher: asyncio.Task[None] | None = None
        self.page_views: set[PageButtons] = set()  # /papers lists whose buttons still work

    def take_reply(self) -> bool:
        """False while shutting down (no new work is taken); else the running task counts as a
        reply in progress until it ends (see `drain`)."""
        if self.stopping:
            return False
        self._track_current_task()
        return True

    def _track_current_task(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    def refusal(self, interaction: discord.Interaction) -> discord_reply.Reply | None:
        """Why `interaction` is not handled now, or None: the person or server is blocked by
        the owner, or the bot is shutting down. Decides only (no reply, nothing tracked)."""
        if self.blocked(interaction.user.id, interaction.guild_id):
            return discord_reply.Reply(replies.BLOCKED, ephemeral=True)
        if self.stopping:
            return discord_reply.Reply(replies.RESTARTING, ephemeral=True)
        return None

    async def take(self, interaction: discord.Interaction) -> bool:
        """Whether to handle `interaction` now; its work, from here on, counted as a reply in
        progress (the shutdown drain waits for it). Called once per interaction: by the tree's
        `interaction_check` for commands and autocomplete, by `taken` for button clicks. A
        refusal is said privately (Discord would otherwise say "the application did not
        respond"), tracked too so that the drain lets it out; autocomplete is refused silently."""
        log.debug("Interaction %s taken", interaction.id)
        self._track_current_task()
        refusal = self.refusal(interaction)
        if refusal is None:
            return True
        if interaction.type is not discord.InteractionType.autocomplete:
            await respond_quietly(interaction, refusal)
        return False

    async def drain(self, timeout: float) -> set[asyncio.Task[Any]]:
        """Wait up to `timeout` seconds for the replies in progress, also those that start
        meanwhile (a "restarting" answer); the unfinished ones."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            pending = {task for task in self._in_flight if task is not asyncio.current_task()}
            remaining = deadline - loop.time()
            if not pending or remaining <= 0:
                return pending
            await asyncio.wait(pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)

    async def launch_shards(self) -> None:
        # discord.py counts the shards with GET /gateway/bot and then connects to the address
        # that answer names, never to DiscordWebSocket.DEFAULT_GATEWAY; counted here, it connects
        # to the default, which DISCORD_GATEWAY_URL sets (runner.point_at).
        if self.shard_count is None and self.settings.discord_gateway_url is not None:
            self.shard_count, _, _ = await self.http.get_bot_gateway()
        await super().launch_shards()

    async def setup_hook(self) -> None:
        # Runs once per start, after login and before the gateway: never again on a reconnect.
        outcome = await sync_commands(
            self.tree,
            application_id=self.application_id,
            guild_ids=self.settings.guild_ids,
            state_dir=self.settings.state_dir,
            force=self.force_sync,
        )
        self.command_ids = outcome.ids
        if self.settings.watch_corpus and self._watcher is None:
            self._watcher = asyncio.create_task(self._watch_corpus(), name="paperbot-watch-corpus")

    async def _watch_corpus(self) -> None:
        """Reload the corpus on edits of its files until the client closes."""
        try:
            await self.live.watch(stop_event=self._stop_watching, started=self.watching)
        except Exception as exc:  # e.g. the system's limit of watched folders reached
            log.warning("Not watching %s for changes: %s; /reload still works", self.live.path, exc)

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info(
            "Logged in as %s (id %s) in %d servers; %d papers loaded",
            self.user,
            self.user.id,
            len(self.guilds),
            self.live.status.papers,
        )

    @property
    def reads_messages(self) -> bool:
        """Whether Discord delivers the text of messages that do not mention the bot."""
        return self.intents.message_content

    async def search(self, work: Callable[[Retriever], T]) -> T:
        """`work` done on the corpus served now, in the one search thread (off the event loop)."""
        retriever = self.live.retriever
        return await asyncio.get_running_loop().run_in_executor(
            self._searches, functools.partial(work, retriever)
        )

    async def converse(
        self, question: str, turns: Sequence[Turn], top: int | None = None
    ) -> Answer:
        """`question` answered with its conversation's `turns`, off the event loop."""
        top = top or self.settings.top_k
        return await self.search(
            lambda retriever: answer_in_conversation(retriever, question, turns, top=top)
        )

    async def more(self, question: str, about: Sequence[str], shown: int, top: int) -> Answer:
        """The passages of `question` after the first `shown`, off the event loop."""
        return await self.search(
            lambda retriever: more_passages(retriever, question, about=about, shown=shown, top=top)
        )

    def catalogue(self) -> Catalogue:
        """The served corpus's authors and venues: built with its index before it served, so
        autocomplete reads it at once on the event loop, never waiting on the search thread."""
        return self.live.retriever.catalogue()

    def remember(self, key: Hashable, answer: Answer, message: discord.Message | None) -> Turn:
        """`answer` as the latest turn of conversation `key` and, once sent, of its message."""
        turn = turn_of(answer)
        self.conversations.add(key, turn)
        if message is not None:
            self.answers.add(message.id, turn)
        return turn

    def context(
        self, user_id: int, place_id: int, *, in_dm: bool, replied_to: int | None = None
    ) -> tuple[Hashable, tuple[Turn, ...]]:
        """The conversation a question from `user_id` in `place_id` belongs to, and its turns.

        A reply to one of the bot's answers follows up on that answer; in a DM or an answer
        thread, on the person's own questions there before (in a thread, first on the answer
        that opened it); elsewhere a question stands alone. One person's turns never go into
        another's context.
        """
        key = (user_id, place_id)
        if replied_to is not None and (replied := self.answers.turns(replied_to)):
            return key, replied
        if in_dm:
            return key, self.conversations.turns(key)
        if opening := self.answer_threads.turns(place_id):
            return key, self.conversations.turns(key) or opening
        return key, ()

    async def reload_corpus(self) -> CorpusStatus:
        """Read and index the corpus again in a worker thread; the old index serves meanwhile."""
        return await asyncio.to_thread(self.live.reload)

    async def record_answer(self, answer: Answer, user_id: int) -> None:
        """Record `answer`'s question if nothing answered it (after the answer was sent); a
        follow-up that named its paper did answer."""
        if self.feedback.enabled and not answer.found and not answer.following:
            await self._record(self.feedback.record_answer, answer, user_id)

    async def record_vote(self, ballot: Ballot, helpful: bool, user_id: int) -> None:
        record = self.feedback.record_vote
        await self._record(record, ballot.question, helpful, ballot.shown, user_id)

    async def _record(self, record: Callable[..., bool], *args: Any) -> None:
        # Off the event loop: a locked database waits in a thread, never in the loop. The store
        # logs its own failures; this catches what could go wrong around it.
        try:
            await asyncio.to_thread(record, *args)
        except Exception:
            log.exception("Could not record a question or vote")

    async def close(self) -> None:
        await self._stop_watcher()
        await self._disable_page_buttons()
        await super().close()
        # Searches still queued are dropped; the one running ends on its own (it is short).
        self._searches.shutdown(wait=False, cancel_futures=True)
        self._closed.set()

    async def _disable_page_buttons(self) -> None:
        """Grey out the page buttons of every /papers list still open: their pages live only in
        this process, so after a restart a click could only fail."""
        views, self.page_views = self.page_views, set()
        if not views or self.is_closed():
            return
        closing = [asyncio.create_task(view.close()) for view in views]
        await asyncio.wait(closing, timeout=PAGE_BUTTONS_SECONDS)

    async def _stop_watcher(self) -> None:
        self._stop_watching.set()
        watcher, self._watcher = self._watcher, None
        if watcher is None or watcher.done():
            return
        await asyncio.wait({watcher}, timeout=WATCHER_STOP_SECONDS)
        if not watcher.done():
            watcher.cancel()

    async def wait_until_closed(self) -> None:
        await self._closed.wait()

    def blocked(self, user_id: int, guild_id: int | None) -> bool:
        """Whether the owner blocked this person, or this server (PAPERBOT_BLOCKED_*)."""
        settings = self.settings
        return user_id in settings.blocked_users or (
            guild_id is not None and guild_id in settings.blocked_guilds
        )


def taken(
    handler: Callable[P, Coroutine[Any, Any, None]],
) -> Callable[P, Coroutine[Any, Any, None]]:
    """A button's callback run only once the client took its interaction (`PaperClient.take`):
    counted as a reply in progress, refused while shutting down or for a blocked person.
    discord.py runs a view's and its item's `interaction_check` both; those only decide."""

    @functools.wraps(handler)
    async def take_then_handle(*args: P.args, **kwargs: P.kwargs) -> None:
        interaction = next(
            a for a in (*args, *kwargs.values()) if isinstance(a, discord.Interaction)
        )
        if await client_of(interaction).take(interaction):
            await handler(*args, **kwargs)

    setattr(take_then_handle, TAKEN, True)
    return take_then_handle


def client_of(interaction: discord.Interaction) -> PaperClient:
    """The bot that received `interaction`, for discord.py's view and item methods (their
    signatures cannot name the client's type, as a command's `Interaction[PaperClient]` does)."""
    client = interaction.client
    assert isinstance(client, PaperClient), type(client)
    return client
