"""The "More" button under an answer: the next passages of the same question.

Like the vote buttons it is a dynamic item, so it works on any answer the bot ever sent, also after
a restart, and without memory: its custom id carries everything needed to search again (how many
passages were shown, how many to add, the papers a follow-up was kept to, and the question). A
custom id holds at most 100 characters, so an answer whose question does not fit gets no button
(its footer still points to the commands).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import discord

from bot.discord_app import replies
from bot.discord_app.client import client_of, taken
from bot.discord_app.cooldown import OnCooldown
from bot.discord_app.messages import defer, respond, respond_quietly
from bot.index.answer import Answer
from bot.render import discord_reply

_PREFIX = "paperbot:more"
CUSTOM_ID_LIMIT = 100  # Discord's limit
MAX_PASSAGES = 15  # "More" stops offering more passages after this many
_ID_UNSAFE = re.compile(r"[,:\s]")


def more_custom_id(question: str, about: Sequence[str], shown: int, top: int) -> str | None:
    """The button's custom id, or None when there is nothing more to offer or it does not fit."""
    if shown <= 0 or shown >= MAX_PASSAGES or not 1 <= top <= 5 or not question.strip():
        return None
    if any(not paper_id or _ID_UNSAFE.search(paper_id) for paper_id in about):
        return None
    custom_id = f"{_PREFIX}:{shown}:{top}:{','.join(about)}:{question}"
    return custom_id if len(custom_id) <= CUSTOM_ID_LIMIT else None


def answer_more_id(answer: Answer, top: int) -> str | None:
    """The custom id of `answer`'s "More" button (its question asked again, `top` more)."""
    if len(answer.hits) < top:
        return None  # every passage that fits is shown already
    if answer.kind != "passages" or answer.more_of is not None:
        return None  # chat's own answers, and a typed "more": saying "more" again goes on
    about = [paper.id for paper in answer.following]
    last_rank = answer.hits[-1].rank
    return more_custom_id(" ".join(answer.question.split()), about, last_rank, top)


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=(
        rf"{_PREFIX}:(?P<shown>[0-9]{{1,2}}):(?P<top>[1-5]):(?P<about>[^:]*):(?P<question>.+)"
    ),
):
    def __init__(self, custom_id: str, question: str, about: tuple[str, ...], shown: int, top: int):
        super().__init__(
            discord.ui.Button(
                label=discord_reply.MORE_LABEL,
                emoji="➕",
                style=discord.ButtonStyle.secondary,
                custom_id=custom_id,
            )
        )
        self.question, self.about, self.shown, self.top = question, about, shown, top

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> MoreButton:
        about = tuple(paper_id for paper_id in match["about"].split(",") if paper_id)
        return cls(match.group(0), match["question"], about, int(match["shown"]), int(match["top"]))

    @taken
    async def callback(self, interaction: discord.Interaction) -> None:
        client = client_of(interaction)
        try:
            client.cooldown.check(interaction.user.id)
        except OnCooldown as exc:
            await respond_quietly(interaction, replies.cooldown_reply(exc))
            return
        await defer(interaction, ephemeral=True)
        answer = await client.more(self.question, self.about, self.shown, self.top)
        next_id = answer_more_id(answer, self.top)
        view = more_view(next_id) if next_id else None
        await respond(
            interaction, discord_reply.more_reply(answer, commands=client.command_ids), view=view
        )


def more_button(custom_id: str) -> MoreButton:
    match = re.fullmatch(MoreButton.__discord_ui_compiled_template__, custom_id)
    assert match is not None, custom_id
    about = tuple(paper_id for paper_id in match["about"].split(",") if paper_id)
    return MoreButton(custom_id, match["question"], about, int(match["shown"]), int(match["top"]))


def more_view(custom_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(more_button(custom_id))
    return view
