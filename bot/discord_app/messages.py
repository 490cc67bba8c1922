"""Sending a `Reply` (plain data from bot.discord_replies) as a Discord message."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.discord_replies import Reply, fit_content, fit_embed

log = logging.getLogger(__name__)


def message_fields(reply: Reply) -> dict[str, Any]:
    """content= and embed= for send/edit calls; both always given, so an edit replaces both."""
    embed = discord.Embed.from_dict(fit_embed(reply.embed).to_dict()) if reply.embed else None
    return {"content": fit_content(reply.content) or None, "embed": embed}


async def respond(interaction: discord.Interaction, reply: Reply, **extra: Any) -> None:
    """Answer an interaction: the first response, or the deferred one's message once it is done."""
    fields = message_fields(reply)
    if not interaction.response.is_done():
        await interaction.response.send_message(
            **_without_none(fields), ephemeral=reply.ephemeral, **extra
        )
    elif interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
        await interaction.edit_original_response(**fields, **extra)
    else:
        await interaction.followup.send(**_without_none(fields), ephemeral=reply.ephemeral, **extra)


async def respond_quietly(interaction: discord.Interaction, reply: Reply) -> None:
    """`respond`, for error paths: a failure to answer is logged, never raised again."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                **_without_none(message_fields(reply)), ephemeral=reply.ephemeral
            )
        else:
            await respond(interaction, reply)
    except discord.HTTPException:
        log.exception("Could not send an error reply for interaction %s", interaction.id)


def _without_none(fields: dict[str, Any]) -> dict[str, Any]:
    # Sending takes "not given", not None, for "no embed"; only an edit needs None to clear it.
    return {key: value for key, value in fields.items() if value is not None}
