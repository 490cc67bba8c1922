"""What the commands, buttons and views need from the running bot, as a Protocol.

They reach the client through `services(interaction)` and depend on this module only; the
client (bot.discord_app.client) imports them to register them. So no module imports the client
back, and the dependency runs one way: client -> commands, views, votes -> services.
"""

from __future__ import annotations

from typing import Protocol, cast

import discord

from bot.discord_app.ballots import Ballot, Ballots
from bot.discord_app.cooldown import Cooldown
from bot.feedback.store import FeedbackStore
from bot.search.answer import Answer
from bot.search.live_corpus import CorpusStatus, LiveCorpus
from bot.settings import Settings


class PaperServices(Protocol):
    """The running bot as its commands and buttons use it (implemented by `PaperClient`)."""

    live: LiveCorpus
    settings: Settings
    feedback: FeedbackStore
    ballots: Ballots
    cooldown: Cooldown
    view_timeout: float

    @property
    def user(self) -> discord.ClientUser | None: ...

    async def admit(self, interaction: discord.Interaction) -> bool:
        """True to handle `interaction` now (tracked until it ends); False while stopping."""
        ...

    async def ask(self, question: str, top: int | None) -> Answer: ...

    async def reload_corpus(self) -> CorpusStatus: ...

    def vote_view(self, answer: Answer) -> discord.ui.View | None: ...

    async def record_answer(self, answer: Answer, user_id: int) -> None: ...

    async def record_vote(self, ballot: Ballot, helpful: bool, user_id: int) -> None: ...


def services(interaction: discord.Interaction) -> PaperServices:
    """The bot that received `interaction`."""
    return cast(PaperServices, interaction.client)
