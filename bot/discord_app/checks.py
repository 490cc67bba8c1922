"""`owner_only`: an owner command's check on the bot's side (the rule is in
bot.discord_app.admin), with a cooldown per person."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import discord
from discord import app_commands

from bot.discord_app.admin import (
    MANAGE_GUILD,
    OWNER_ROLES,
    Invoker,
    NotAllowed,
    check_may_administer,
)
from bot.discord_app.client import client_of

T = TypeVar("T")


class NotAdmin(app_commands.CheckFailure, NotAllowed):
    """Raised by `owner_only` for a user who may not run the command."""


def owner_ids(application: discord.AppInfo | None) -> set[int]:
    """The bot's owners: the application's owner, or its team's admins and developers."""
    if application is None:
        return set()
    if application.team is not None:
        team = application.team
        owners = {member.id for member in team.members if member.role.value in OWNER_ROLES}
        return owners | ({team.owner_id} if team.owner_id is not None else set())
    return {application.owner.id} if application.owner is not None else set()


def invoker_of(interaction: discord.Interaction) -> Invoker:
    return Invoker(user_id=interaction.user.id, owner_ids=owner_ids(interaction.client.application))


def _owner_cooldown(interaction: discord.Interaction) -> app_commands.Cooldown | None:
    """Once per cooldown window (PAPERBOT_COOLDOWN_SECONDS, 0: no limit) per person."""
    seconds = client_of(interaction).settings.cooldown_seconds
    return app_commands.Cooldown(1, seconds) if seconds > 0 else None


def owner_only() -> Callable[[T], T]:
    """Decorator for an owner command: hidden from non-managers by default, refused in code to
    anyone but the bot's owners, and at most once per cooldown window per person."""

    async def predicate(interaction: discord.Interaction) -> bool:
        command = interaction.command.name if interaction.command else "?"
        try:
            check_may_administer(invoker_of(interaction), command)
        except NotAllowed as exc:
            raise NotAdmin(str(exc)) from None
        return True

    def decorate(command: T) -> T:
        command = app_commands.default_permissions(discord.Permissions(MANAGE_GUILD))(command)
        command = app_commands.check(predicate)(command)  # first: others use no cooldown
        return app_commands.checks.dynamic_cooldown(_owner_cooldown)(command)

    return decorate
