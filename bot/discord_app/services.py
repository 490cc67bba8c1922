"""What the commands, buttons and views need from the running bot, as a Protocol.

They reach the client through `services(interaction)` and depend on this module only; the
client (bot.discord_app.client) imports them to register them. So no module imports the client
back, and the dependency runs one way: client -> commands, views, votes -> services.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Protocol, TypeVar, cast

import discord

from bot.discord_app.ballots import Ballot, Ballots
from bot.discord_app.cooldown import Cooldown
from bot.feedback.store import FeedbackStore
from bot.search.answer import Answer
from bot.search.conversation import Turn
from bot.search.facets import Catalogue
from bot.search.live_corpus import CorpusStatus, LiveCorpus
from bot.search.retriever import Retriever
from bot.settings import Settings

T = TypeVar("T")


class PaperServices(Protocol):
    """The running bot as its commands and buttons use it (implemented by `PaperClient`)."""

    live: LiveCorpus
    settings: Settings
    feedback: FeedbackStore
    ballots: Ballots
    cooldown: Cooldown
    view_timeout: float
    command_ids: dict[str, int]  # slash command name -> id, for clickable mentions
    page_views: set[Any]  # the open /papers lists (PapersView), greyed out on close

    @property
    def user(self) -> discord.ClientUser | None: ...

    async def admit(self, interaction: discord.Interaction) -> bool:
        """True to handle `interaction` now (tracked until it ends); False while stopping."""
        ...

    async def converse(
        self, question: str, turns: Sequence[Turn], top: int | None = None
    ) -> Answer: ...

    async def more(self, question: str, about: Sequence[str], shown: int, top: int) -> Answer: ...

    async def search(self, work: Callable[[Retriever], T]) -> T:
        """`work` on the served corpus, in the one search thread."""
        ...

    def prepared_catalogue(self) -> Catalogue | None: ...

    def context(
        self, user_id: int, place_id: int, *, in_dm: bool, replied_to: int | None = None
    ) -> tuple[Hashable, tuple[Turn, ...]]: ...

    def remember(self, key: Hashable, answer: Answer, message: discord.Message | None) -> Turn: ...

    async def reload_corpus(self) -> CorpusStatus: ...

    def answer_view(self, answer: Answer, top: int | None = None) -> discord.ui.View | None: ...

    async def record_answer(self, answer: Answer, user_id: int) -> None: ...

    async def record_vote(self, ballot: Ballot, helpful: bool, user_id: int) -> None: ...


def services(interaction: discord.Interaction) -> PaperServices:
    """The bot that received `interaction`."""
    return cast(PaperServices, interaction.client)
