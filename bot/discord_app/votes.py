"""The "Helpful" / "Not helpful" buttons under an answer.

They are dynamic items: each button's custom id carries its answer's ballot key
(bot.discord_app.ballots) and the vote, and the client listens for the pattern rather than for
one message. So the buttons never time out and need no message edit to disable them; a click on
an answer that can no longer be voted on (over a day old, or from before a restart) is told so
instead of failing.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord_app import replies
from bot.discord_app.ballots import KEY_PATTERN
from bot.discord_app.client import client_of, taken
from bot.discord_app.messages import respond_quietly

_PREFIX = "paperbot:vote"


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"{_PREFIX}:(?P<key>{KEY_PATTERN}):(?P<helpful>[01])",
):
    def __init__(self, key: str, helpful: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label=replies.HELPFUL if helpful else replies.NOT_HELPFUL,
                emoji="👍" if helpful else "👎",
                style=discord.ButtonStyle.secondary,
                custom_id=f"{_PREFIX}:{key}:{int(helpful)}",
            )
        )
        self.key = key
        self.helpful = helpful

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> VoteButton:
        return cls(match["key"], match["helpful"] == "1")

    @taken
    async def callback(self, interaction: discord.Interaction) -> None:
        client = client_of(interaction)
        cast = client.ballots.cast(self.key, interaction.user.id)
        # The click is acknowledged first (Discord's 3 s window); recording may wait on the disk.
        await respond_quietly(interaction, replies.vote_reply(cast.outcome))
        if cast.ballot is not None:
            await client.record_vote(cast.ballot, self.helpful, interaction.user.id)
