"""Sending a `Reply` (plain data from bot.discord_app.replies) as a Discord message.

Discord may carry out a request and lose its answer (a 5xx after the work was done); discord.py
then sends the request again. What is sent here is safe to repeat: an interaction that Discord
says is already acknowledged counts as acknowledged, and a deferred answer edits the original
response instead of posting a follow-up, so a retry edits the same message instead of adding a
second one. The exception is a private reply (an apology) after a public "thinking…": Discord
would show a follow-up publicly (the first one after a deferral edits the thinking message), so
the thinking message is deleted and the reply follows privately.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.render.discord_reply import Reply, fit_content, fit_embed

log = logging.getLogger(__name__)

UNKNOWN_INTERACTION = 10062  # Discord's code: the interaction expired (3 s) or never existed
ALREADY_ACKNOWLEDGED = 40060  # Discord's code: this interaction already has its first response
# Key in Interaction.extras: Discord holds a deferral for it; the value is True when it is private.
_DEFERRED = "paperbot.deferred"


def message_fields(reply: Reply) -> dict[str, Any]:
    """content= and embed= for send/edit calls; both always given, so an edit replaces both."""
    embed = discord.Embed.from_dict(fit_embed(reply.embed).to_dict()) if reply.embed else None
    return {"content": fit_content(reply.content) or None, "embed": embed}


def error_code(error: BaseException) -> int | None:
    """Discord's JSON error code of a failed request, if it is one."""
    return error.code if isinstance(error, discord.HTTPException) else None


async def defer(interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
    """Acknowledge now ("thinking…"), within Discord's 3 s; `respond` fills the answer in later."""
    try:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    except discord.HTTPException as exc:
        if exc.code != ALREADY_ACKNOWLEDGED:
            raise
        # An earlier try reached Discord but its answer was lost; the retry was refused.
        log.info("Interaction %s was already deferred (a retried request)", interaction.id)
    interaction.extras[_DEFERRED] = ephemeral


def _deferred(interaction: discord.Interaction) -> bool:
    return (
        _DEFERRED in interaction.extras
        or interaction.response.type is discord.InteractionResponseType.deferred_channel_message
    )


def _deferred_publicly(interaction: discord.Interaction) -> bool:
    return interaction.extras.get(_DEFERRED) is False


async def respond(
    interaction: discord.Interaction, reply: Reply, *, view: discord.ui.View | None = None
) -> discord.Message | None:
    """Answer an interaction: the first response, or the deferred one's message once it is done.
    The message, when Discord returned it (a deferred answer, a follow-up)."""
    fields = message_fields(reply)
    extra: dict[str, Any] = {} if view is None else {"view": view}
    if _deferred(interaction) and reply.ephemeral and _deferred_publicly(interaction):
        await _replace_thinking_privately(interaction, fields, extra)
    elif _deferred(interaction):
        return await interaction.edit_original_response(**fields, **extra)
    elif not interaction.response.is_done():
        try:
            await interaction.response.send_message(
                **_without_none(fields), ephemeral=reply.ephemeral, **extra
            )
        except discord.HTTPException as exc:
            if exc.code != ALREADY_ACKNOWLEDGED:
                raise
            log.info("Interaction %s was already answered (a retried request)", interaction.id)
    else:
        return await interaction.followup.send(
            **_without_none(fields), ephemeral=reply.ephemeral, **extra, wait=True
        )
    return None


async def _replace_thinking_privately(
    interaction: discord.Interaction, fields: dict[str, Any], extra: dict[str, Any]
) -> None:
    """Delete the public "thinking…" message, then send the reply as a private follow-up. A
    failed delete raises: a follow-up then would edit the thinking message for all to see."""
    try:
        await interaction.delete_original_response()
    except discord.NotFound:
        log.info("Interaction %s: the thinking message was already deleted", interaction.id)
    await interaction.followup.send(**_without_none(fields), ephemeral=True, **extra)


async def respond_quietly(interaction: discord.Interaction, reply: Reply) -> None:
    """`respond`, for error paths: a failure to answer is logged, never raised again."""
    try:
        await respond(interaction, reply)
    except discord.HTTPException as exc:
        log.warning(
            "Could not send an error reply for interaction %s: %s", interaction.id, _short(exc)
        )


def _short(error: discord.HTTPException) -> str:
    return f"{error.status} {error.text or error.response.reason}".strip()


def _without_none(fields: dict[str, Any]) -> dict[str, Any]:
    # Sending takes "not given", not None, for "no embed"; only an edit needs None to clear it.
    return {key: value for key, value in fields.items() if value is not None}
