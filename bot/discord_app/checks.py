"""`admin_only`: an admin command's server-side check (the rule is in bot.discord_app.admin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

from bot.discord_app.admin import MANAGE_GUILD, Invoker, NotAllowed, check_may_administer

T = TypeVar("T")


class NotAdmin(app_commands.CheckFailure, NotAllowed):
    """Raised by `admin_only` for a user who may not run the command."""


def invoker_of(interaction: discord.Interaction) -> Invoker:
    client = interaction.client
    owners: set[int] = set()
    application = client.application
    if application is not None:
        if application.team is not None:
            owners.update(member.id for member in application.team.members)
        elif application.owner is not None:
            owners.add(application.owner.id)
    guild_id = interaction.guild_id
    # Installed in the server: the bot is a member there (it got the guild) and the server
    # installed it, not only the invoking user.
    guild = client.get_guild(guild_id) if guild_id is not None else None
    installed = guild is not None and interaction.is_guild_integration()
    return Invoker(
        user_id=interaction.user.id,
        owner_ids=owners,
        in_installed_guild=installed,
        guild_owner_id=guild.owner_id if guild is not None else None,
        permissions=interaction.permissions.value if guild_id is not None else 0,
    )


def admin_only() -> Callable[[T], T]:
    """Decorator for an admin command: hidden from non-managers by default, refused in code."""

    async def predicate(interaction: discord.Interaction) -> bool:
        command = interaction.command.name if interaction.command else "?"
        try:
            check_may_administer(invoker_of(interaction), command)
        except NotAllowed as exc:
            raise NotAdmin(str(exc)) from None
        return True

    def decorate(command: T) -> T:
        command = app_commands.default_permissions(discord.Permissions(MANAGE_GUILD))(command)
        return app_commands.check(predicate)(command)

    return decorate
