"""The bot `paperbot serve` runs: the client with its slash commands, context menu and
buttons registered, answering mentions and DMs."""

from __future__ import annotations

import asyncio
import logging
import secrets
from typing import Any

import discord

from bot.answering.conversation import Turn
from bot.discord_app import replies
from bot.discord_app.buttons import answer_view
from bot.discord_app.client import _DISCORD_FAILURES, PaperClient
from bot.discord_app.commands import COMMANDS
from bot.discord_app.cooldown import OnCooldown, Posting
from bot.discord_app.messages import message_fields
from bot.discord_app.more import MoreButton
from bot.discord_app.votes import VoteButton
from bot.render import discord_reply
from bot.render.presentation import truncate

log = logging.getLogger(__name__)

THREAD_NAME_LIMIT = 100  # Discord's limit for a thread's name
_ANSWERED_TYPES = (discord.MessageType.default, discord.MessageType.reply)
# A mention's reply that Discord refused with a 5xx that discord.py does not retry itself (503) is
# sent again after these pauses (seconds). The same nonce goes with every try (discord.py asks
# Discord to enforce it), so Discord creates the message at most once.
REPLY_RETRY_DELAYS = (1.0, 2.0)
_RETRIED_BY_DISCORD_PY = frozenset({500, 502, 504, 524})


class PaperBot(PaperClient):
    """`PaperClient` with the commands and buttons registered, answering mentions and DMs."""

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, **options)
        for command in COMMANDS:
            self.tree.add_command(command)
        self.add_dynamic_items(VoteButton, MoreButton)

    async def on_message(self, message: discord.Message) -> None:
        question = self._question_in(message)
        if question is None or self.blocked(
            message.author.id, message.guild.id if message.guild else None
        ):
            return
        posting, over = self.posting.admit(message.author.id, message.channel.id)
        if posting is Posting.SILENT or not self.take_reply():
            return
        if over is not None:
            await self._tell_over_limit(message, over)
            return
        answer = view = None
        name = self.user.display_name if self.user else "paperbot"
        reference = message.reference
        key, turns = self.context(
            message.author.id,
            message.channel.id,
            in_dm=message.guild is None,
            replied_to=reference.message_id if reference else None,
        )
        try:
            if not question:
                # A bare mention keeps the mention in its text; an empty text was withheld by
                # Discord (the Message Content intent; a mention of the bot's role).
                unread = not message.content.strip()
                reply = (
                    replies.unread_reply_hint(name)
                    if unread
                    else replies.mention_hint(name, commands=self.command_ids)
                )
            else:
                answer = await self.converse(question, turns)
                reply = discord_reply.answer_reply(answer, commands=self.command_ids)
                view = answer_view(self, answer)
        except Exception as exc:
            log.exception("Error answering message %s", message.id)
            reply = replies.error_reply(exc)
        fields = message_fields(reply)
        sent = await self._reply(message, fields if view is None else {**fields, "view": view})
        if answer is not None:
            turn = self.remember(key, answer, sent)
            if sent is not None and self._opens_thread(message):
                await self._open_thread(sent, question, turn)
            await self.record_answer(answer, message.author.id)

    async def _tell_over_limit(self, message: discord.Message, over: OnCooldown) -> None:
        """Say once that the person asks too quickly: in a DM, where only they read it (their
        DMs closed: in the channel, as a reply)."""
        fields = message_fields(replies.cooldown_reply(over))
        if message.guild is not None:
            try:
                await message.author.send(**fields)
                return
            except _DISCORD_FAILURES as exc:
                log.info(
                    "Could not tell user %s privately to slow down: %s", message.author.id, exc
                )
        await self._reply(message, fields)

    def _opens_thread(self, message: discord.Message) -> bool:
        """An answer to a mention in a server's text channel opens a thread, if set so."""
        return (
            self.settings.answer_threads
            and isinstance(message.channel, discord.TextChannel)
            and message.type is discord.MessageType.default
        )

    async def _open_thread(self, answer: discord.Message, question: str, turn: Turn) -> None:
        """A thread on `answer`, where every message follows up on it; not tried (a warning
        names what is missing) without Create Public Threads and Send Messages in Threads."""
        missing = _missing_thread_permissions(answer)
        if missing:
            log.warning(
                "Not opening an answer thread in channel %s: the bot lacks %s there (server "
                "settings, or invite it again with `paperbot invite`)",
                answer.channel.id,
                " and ".join(missing),
            )
            return
        try:
            thread = await answer.create_thread(
                name=truncate(question, THREAD_NAME_LIMIT) or "Follow-ups"
            )
        except _DISCORD_FAILURES as exc:
            log.warning("Could not open a thread on answer %s: %s", answer.id, exc)
            return
        self.answer_threads.add(thread.id, turn)

    async def _reply(
        self, message: discord.Message, fields: dict[str, Any]
    ) -> discord.Message | None:
        """Reply once, retrying what Discord failed with a 5xx; a failure past that is logged.
        The reply sent, or None."""
        nonce = secrets.randbits(63)
        # A question deleted while the bot searched: Discord sends the answer without the
        # reference instead of refusing it (its default refuses a reply to a gone message).
        reference = message.to_reference(fail_if_not_exists=False)
        for pause in (*REPLY_RETRY_DELAYS, None):
            try:
                sent = await message.channel.send(**fields, reference=reference, nonce=nonce)
                if sent.reference is None:
                    log.info("Message %s was deleted; answered without quoting it", message.id)
                return sent
            except discord.DiscordServerError as exc:
                if pause is None or exc.status in _RETRIED_BY_DISCORD_PY:
                    log.error("Could not reply to message %s: %s", message.id, exc)
                    return None
                log.warning("Discord failed a reply (%s); trying again in %g s", exc, pause)
                await asyncio.sleep(pause)
            except _DISCORD_FAILURES as exc:
                log.error("Could not reply to message %s: %s", message.id, exc)
                return None
        return None

    def _question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot ("" for a bare mention), or None to ignore it."""
        me = self.user
        if me is None or message.author.bot or message.author.id == me.id:
            return None
        if message.type not in _ANSWERED_TYPES:
            return None
        own_roles = self._own_roles_in(message)
        mentioned = any(user.id == me.id for user in message.mentions) or bool(own_roles)
        # In an answer thread every message is a follow-up, when Discord lets the bot read it.
        in_answer_thread = self.reads_messages and self.answer_threads.turns(message.channel.id)
        if message.guild is not None and not mentioned and not in_answer_thread:
            return None
        return replies.strip_mentions(message.content, me.id, own_roles)

    def _own_roles_in(self, message: discord.Message) -> list[int]:
        """The bot's own role (managed by Discord, tagged with the bot's id) when `message`
        mentions it: picking it in the mention list is mentioning the bot."""
        own = message.guild.self_role if message.guild is not None else None
        # From the message's `mention_roles`, not its text, which Discord may withhold.
        mentioned = {role.id for role in message.role_mentions}
        return [own.id] if own is not None and own.id in mentioned else []


_THREAD_PERMISSIONS = {
    "create_public_threads": "Create Public Threads",
    "send_messages_in_threads": "Send Messages in Threads",
}


def _missing_thread_permissions(answer: discord.Message) -> list[str]:
    """The permissions an answer thread needs that the bot lacks in `answer`'s channel."""
    guild = answer.guild
    channel = answer.channel
    if guild is None or not isinstance(channel, discord.TextChannel):
        return []
    granted = channel.permissions_for(guild.me)
    return [name for flag, name in _THREAD_PERMISSIONS.items() if not getattr(granted, flag)]
