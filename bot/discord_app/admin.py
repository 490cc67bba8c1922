"""Who may run the bot's admin commands (such as /reload), decided on the bot's side.

Discord hides a command whose `default_member_permissions` a member lacks, but a server's admins
can change that per server, and a user-installed app reaches servers whose admins never chose
anyone. So an admin command checks again in code: the application's owners (or team members) may
run it anywhere; in a server where the bot is installed, so may the server's owner and members
who can manage the server. Nobody else, and nobody in DMs or servers where the bot is not
installed unless they own the application.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

ADMINISTRATOR = 1 << 3  # Discord's permission bits
MANAGE_GUILD = 1 << 5
ADMIN_PERMISSIONS = ADMINISTRATOR | MANAGE_GUILD


class NotAllowed(Exception):
    """The user may not run an admin command; they are told so in one sentence."""


@dataclass(frozen=True)
class Invoker:
    """What the bot knows of who ran a command, where."""

    user_id: int
    owner_ids: Set[int]  # the application's owner, or its team's members
    in_installed_guild: bool = False  # in a server where the bot itself is installed
    guild_owner_id: int | None = None
    permissions: int = 0  # the member's permissions in that channel (0 outside a server)


def may_administer(invoker: Invoker) -> bool:
    if invoker.user_id in invoker.owner_ids:
        return True
    if not invoker.in_installed_guild:
        return False
    if invoker.guild_owner_id is not None and invoker.user_id == invoker.guild_owner_id:
        return True
    return bool(invoker.permissions & ADMIN_PERMISSIONS)


def check_may_administer(invoker: Invoker, command: str) -> None:
    if not may_administer(invoker):
        raise NotAllowed(f"user {invoker.user_id} may not run /{command}")
