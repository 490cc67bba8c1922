"""The buttons under an answer: "More" when more passages may follow, and the votes."""

from __future__ import annotations

import discord

from bot.discord_app.client import PaperClient
from bot.discord_app.more import answer_more_id, more_button
from bot.discord_app.votes import VoteButton
from bot.index.answer import Answer


def answer_view(
    client: PaperClient, answer: Answer, top: int | None = None
) -> discord.ui.View | None:
    """The buttons under `answer`: "More" when more passages may follow, and the vote buttons
    when it found something and votes are recorded; None without any."""
    view = discord.ui.View(timeout=None)
    if answer.found and answer.kind != "chat" and client.feedback.enabled:
        key = client.ballots.open(answer)
        view.add_item(VoteButton(key, helpful=True))
        view.add_item(VoteButton(key, helpful=False))
    more_id = answer_more_id(answer, top or client.settings.top_k)
    if more_id is not None:
        view.add_item(more_button(more_id))
    return view if view.children else None
