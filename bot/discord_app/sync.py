"""Syncing the slash commands only when they changed since the last sync (or when asked to)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import discord
from discord import app_commands

from bot.sync_state import command_digest, last_synced, remember_synced

log = logging.getLogger(__name__)


async def sync_commands(
    tree: app_commands.CommandTree,
    *,
    application_id: int | None,
    guild_ids: Sequence[int],
    state_dir: Path,
    force: bool,
) -> bool:
    """Sync to `guild_ids` (at once, for development) or globally; True when a sync happened."""
    payloads = [command.to_dict(tree) for command in tree.get_commands()]
    digest = command_digest(payloads, application_id, guild_ids)
    if not force and last_synced(state_dir) == digest:
        log.info("Slash commands unchanged since the last sync; not syncing")
        return False
    try:
        if guild_ids:
            for guild_id in guild_ids:
                guild = discord.Object(guild_id)
                tree.copy_global_to(guild=guild)
                synced = await tree.sync(guild=guild)
                log.info("Synced %d commands to server %s", len(synced), guild_id)
        else:
            synced = await tree.sync()
            log.info(
                "Synced %d commands globally (Discord may take a while to show them)", len(synced)
            )
    except discord.HTTPException:
        log.exception("Could not sync the slash commands; the previous ones stay in place")
        return False
    try:
        remember_synced(state_dir, digest)
    except OSError as exc:
        log.warning("Could not remember the command sync in %s: %s", state_dir, exc)
    return True
