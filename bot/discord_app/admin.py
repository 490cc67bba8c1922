"""Who may run the bot's owner commands (such as /reload), decided on the bot's side.

Discord hides a command whose `default_member_permissions` a member lacks, but a server's admins
can change that per server, and a user-installed app reaches servers whose admins never chose
anyone. A reload affects every server the bot is in, so only the bot's owners may run it: the
application's owner, or, for an application owned by a team, the team's admins and developers
(as discord.py's own `Bot.is_owner` counts them; read-only members are not owners).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass

MANAGE_GUILD = 1 << 5  # Discord's permission bit: who sees an owner command by default
OWNER_ROLES = frozenset({"admin", "developer"})  # team roles that count as owners


class NotAllowed(Exception):
    """The user may not run an owner command; they are told so in one sentence."""


@dataclass(frozen=True)
class Invoker:
    """What the bot knows of who ran a command."""

    user_id: int
    owner_ids: Set[int]  # the application's owner, or its team's admins and developers


def may_administer(invoker: Invoker) -> bool:
    return invoker.user_id in invoker.owner_ids


def check_may_administer(invoker: Invoker, command: str) -> None:
    if not may_administer(invoker):
        raise NotAllowed(f"user {invoker.user_id} may not run /{command}")
