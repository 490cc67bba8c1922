"""The buttons that page through /papers: only the person who ran it can turn the pages."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord

from bot.discord_app import replies
from bot.discord_app.client import PaperClient, taken
from bot.discord_app.messages import message_fields, respond_quietly
from bot.render import discord_reply
from bot.render.pagination import clamp_page

log = logging.getLogger(__name__)


class PapersView(discord.ui.View):
    def __init__(
        self, pages: Sequence[discord_reply.Reply], *, owner_id: int, timeout: float
    ) -> None:
        super().__init__(timeout=timeout)
        self.pages = list(pages)
        self.owner_id = owner_id
        self.page = 0
        self.interaction: discord.Interaction[PaperClient] | None = (
            None  # the /papers call, to edit later
        )
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.previous_page.disabled = self.page == 0
        self.next_page.disabled = self.page == len(self.pages) - 1

    async def _show(self, interaction: discord.Interaction[PaperClient], page: int) -> None:
        if interaction.user.id != self.owner_id:
            reply = discord_reply.Reply(replies.NOT_YOUR_PAGES, ephemeral=True)
            await respond_quietly(interaction, reply)
            return
        self.page = clamp_page(page, len(self.pages))
        self._update_buttons()
        await interaction.response.edit_message(**message_fields(self.pages[self.page]), view=self)

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    @taken
    async def previous_page(
        self, interaction: discord.Interaction[PaperClient], _: discord.ui.Button[PapersView]
    ) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="Next", emoji="▶️", style=discord.ButtonStyle.secondary)
    @taken
    async def next_page(
        self, interaction: discord.Interaction[PaperClient], _: discord.ui.Button[PapersView]
    ) -> None:
        await self._show(interaction, self.page + 1)

    async def on_timeout(self) -> None:
        await self.close()

    async def close(self) -> None:
        """Grey the buttons out (on timeout, and when the bot stops)."""
        self.stop()
        if self.interaction is not None:
            self.interaction.client.page_views.discard(self)
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.interaction is None:
            return
        try:
            await self.interaction.edit_original_response(view=self)
        except discord.HTTPException as exc:  # the message was deleted, or the token expired
            log.info("Could not disable the /papers buttons: %s", exc)

    async def on_error(
        self,
        interaction: discord.Interaction,
        error: Exception,
        item: discord.ui.Item[Any],
    ) -> None:
        log.error("Error in the /papers buttons", exc_info=error)
        await respond_quietly(interaction, replies.error_reply(error))
