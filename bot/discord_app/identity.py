"""Who a bot token belongs to and what its application may do, asked of Discord's REST API
(`paperbot check --online`): before a service is installed, a wrong token or a missing intent
shows here rather than in the service's log."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import yarl

from bot.errors import PaperbotError
from bot.settings import Secret

ASK_TIMEOUT = 30.0  # seconds for both requests, discord.py's own retries included

# The application's flags for each privileged intent: switched on in the Developer Portal (a
# verified bot's full flag, or the "limited" one of a bot in fewer than 100 servers).
_INTENT_FLAGS = {
    "Presence": (1 << 12) | (1 << 13),
    "Server Members": (1 << 14) | (1 << 15),
    "Message Content": (1 << 18) | (1 << 19),
}


class TokenRejected(PaperbotError):
    """Discord answered 401: the token is no bot's (reset, or copied wrong)."""


class DiscordNotReached(PaperbotError):
    """Discord could not be asked (no network, DNS, Discord down)."""


@dataclass(frozen=True)
class BotIdentity:
    """The bot user a token logs in as, and its application."""

    user_id: int
    user_name: str
    application_id: int
    application_name: str
    servers: int | None  # the servers the bot is in, as Discord counts them roughly
    intents: tuple[str, ...]  # the privileged intents switched on, by the portal's names

    def has_intent(self, name: str) -> bool:
        return name in self.intents


def point_at(api_base: str | None, gateway_url: str | None) -> None:
    """Aim discord.py's REST calls and gateway elsewhere than Discord (a proxy in front of it,
    or a stand-in for tests); None keeps Discord's own."""
    if api_base is not None:
        discord.http.Route.BASE = api_base.rstrip("/")
    if gateway_url is not None:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def ask_discord(token: Secret, api_base: str | None = None) -> BotIdentity:
    """GET /users/@me and GET /applications/@me with `token`, as the bot would log in."""
    point_at(api_base, None)
    try:
        return asyncio.run(asyncio.wait_for(identify(token.reveal()), ASK_TIMEOUT))
    except discord.LoginFailure:
        raise TokenRejected(
            "Discord rejected DISCORD_TOKEN (401 Unauthorized): reset the token in the Developer "
            "Portal (your application, Bot, Reset Token) and copy it into .env"
        ) from None
    except (discord.HTTPException, aiohttp.ClientError, OSError, TimeoutError) as exc:
        raise DiscordNotReached(f"could not ask Discord: {_reason(exc)}") from None


async def identify(token: str) -> BotIdentity:
    """Who `token` logs in as, and what its application may do (raises discord.py's errors:
    `LoginFailure` for a rejected token)."""
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        user: Any = await http.static_login(token)
        application: Any = await http.request(discord.http.Route("GET", "/applications/@me"))
    finally:
        await http.close()
    flags = int(application.get("flags") or 0)
    servers = application.get("approximate_guild_count")
    return BotIdentity(
        user_id=int(user["id"]),
        user_name=str(user.get("username", "")),
        application_id=int(application["id"]),
        application_name=str(application.get("name", "")),
        servers=servers if isinstance(servers, int) else None,
        intents=tuple(name for name, bits in _INTENT_FLAGS.items() if flags & bits),
    )


def _reason(error: BaseException) -> str:
    if isinstance(error, discord.HTTPException):
        return f"it answered {error.status}"
    if isinstance(error, TimeoutError):
        return f"no answer within {ASK_TIMEOUT:g} s"
    return str(error) or type(error).__name__
