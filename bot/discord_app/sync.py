"""Syncing the slash commands only when they changed since the last sync (or when asked to)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import discord
from discord import app_commands

from bot.discord_app.sync_state import (
    command_digest,
    read_last_sync,
    remember_synced,
    scopes_to_clear,
)

log = logging.getLogger(__name__)
_DISCORD_FAILURES = (discord.HTTPException, discord.RateLimited)


@dataclass(frozen=True)
class SyncOutcome:
    synced: bool  # a sync happened (else the commands were unchanged, or the sync failed)
    ids: dict[str, int] = field(default_factory=dict)  # command name -> id, for mentions


async def sync_commands(
    tree: app_commands.CommandTree,
    *,
    application_id: int | None,
    guild_ids: Sequence[int],
    state_dir: Path,
    force: bool,
) -> SyncOutcome:
    """Sync to `guild_ids` (at once, for development) or globally; the commands' ids, from the
    sync or, when nothing changed, read back from Discord (none if that fails).

    The scope synced before and no longer wanted (global commands after a move to servers, or
    the reverse) is cleared, or every command would be listed twice there."""
    payloads = [command.to_dict(tree) for command in tree.get_commands()]
    digest = command_digest(payloads, application_id, guild_ids)
    last = read_last_sync(state_dir)
    if not force and last is not None and last.digest == digest:
        log.info("Slash commands unchanged since the last sync; not syncing")
        return SyncOutcome(False, await _registered_ids(tree, guild_ids))
    failed = False
    ids: dict[str, int] = {}
    targets: Sequence[int | None] = guild_ids or [None]  # None: a global sync
    for guild_id in targets:
        try:
            if guild_id is None:
                synced = await tree.sync()
                log.info(
                    "Synced %d commands globally (Discord may take a while to show them)",
                    len(synced),
                )
            else:
                guild = discord.Object(guild_id)
                tree.copy_global_to(guild=guild)
                synced = await tree.sync(guild=guild)
                log.info("Synced %d commands to server %s", len(synced), guild_id)
            ids = ids or _ids_of(synced)
        except Exception as exc:  # any failure: the bot still comes online
            # discord.py's RateLimited (a 429 longer than the client waits) is no HTTPException;
            # a sync is never worth staying offline for: the commands registered before stay.
            failed = True
            log.error("%s", _sync_failure(guild_id, exc))
    if not failed and last is not None and application_id is not None:
        for scope in scopes_to_clear(last.scope, guild_ids):
            failed = not await _clear(tree, application_id, scope) or failed
    if failed:
        return SyncOutcome(False, ids)  # not remembered: the next start tries again
    try:
        remember_synced(state_dir, digest, guild_ids)
    except OSError as exc:
        log.warning("Could not remember the command sync in %s: %s", state_dir, exc)
    return SyncOutcome(True, ids)


async def _registered_ids(
    tree: app_commands.CommandTree, guild_ids: Sequence[int]
) -> dict[str, int]:
    """The ids of the commands registered before; replies name commands as plain text without."""
    guild = discord.Object(guild_ids[0]) if guild_ids else None
    try:
        return _ids_of(await tree.fetch_commands(guild=guild))
    except _DISCORD_FAILURES as exc:
        log.info("Could not read the commands' ids (%s); replies name them as plain text", exc)
        return {}


def _ids_of(commands: Sequence[app_commands.AppCommand]) -> dict[str, int]:
    """Slash commands' ids by name (context-menu commands cannot be mentioned)."""
    return {
        command.name: command.id
        for command in commands
        if command.type is discord.AppCommandType.chat_input
    }


async def _clear(tree: app_commands.CommandTree, application_id: int, guild_id: int | None) -> bool:
    """Remove every command from the scope synced before (None: global); False if that failed."""
    http = tree.client.http
    try:
        if guild_id is None:
            await http.bulk_upsert_global_commands(application_id, [])
            log.info("Cleared the global commands (now synced to servers only)")
        else:
            await http.bulk_upsert_guild_commands(application_id, guild_id, [])
            log.info("Cleared the commands of server %s (no longer in DISCORD_GUILD_IDS)", guild_id)
    except _DISCORD_FAILURES as exc:
        where = "globally" if guild_id is None else f"in server {guild_id}"
        if guild_id is not None and isinstance(exc, discord.Forbidden | discord.NotFound):
            # The bot left that server (or it is gone): trying again at every start won't help.
            log.warning("Could not clear the commands synced before %s: %s", where, exc)
            return True
        log.error("Could not clear the commands synced before %s: %s", where, exc)
        return False
    return True


def _sync_failure(guild_id: int | None, error: Exception) -> str:
    """One line that says what went wrong and what to check."""
    where = "globally" if guild_id is None else f"to server {guild_id}"
    if isinstance(error, discord.HTTPException):
        said = f"Discord answered {error.status} ({error.text or 'no reason given'})"
    elif isinstance(error, discord.RateLimited):
        said = f"Discord asked to wait {error.retry_after:.0f} s (rate limited)"
    else:
        said = f"{type(error).__name__}: {' '.join(str(error).split()) or 'no details'}"
    if guild_id is not None and isinstance(error, discord.Forbidden):
        hint = (
            "is the bot in that server, invited with the applications.commands scope "
            "(`paperbot invite`)? Check DISCORD_GUILD_IDS"
        )
    elif guild_id is not None and isinstance(error, discord.NotFound):
        hint = "no server has that id: check DISCORD_GUILD_IDS"
    else:
        hint = "the commands registered before stay in place"
    return f"Could not sync the slash commands {where}: {said}; {hint}"
