"""Discord's objects as the gateway and REST carry them: users, members, guilds, messages.

Ids are snowflakes of 19 digits, like Discord's; every payload has the fields discord.py 2.7 reads.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

TIMESTAMP = "2025-01-01T00:00:00.000000+00:00"
EVERYONE_PERMISSIONS = "2248473465835073"
# A JSON object as Discord sends and receives it.
Json = dict[str, Any]

_ids = itertools.count(1_300_000_000_000_000_000)


def snowflake() -> str:
    return str(next(_ids))


# --- Payloads ---------------------------------------------------------------------------------


def user_payload(user_id: int | str, name: str, *, bot: bool = False) -> Json:
    return {
        "id": str(user_id),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
    }


def member_payload(user: Json, *, with_user: bool = True) -> Json:
    member = {
        "roles": [],
        "joined_at": TIMESTAMP,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "nick": None,
        "avatar": None,
        "premium_since": None,
        "pending": False,
    }
    if with_user:
        member["user"] = user
    return member


@dataclass(frozen=True)
class Guild:
    id: str
    channel_id: str
    name: str = "Reading group"
    owner_id: str = field(default_factory=lambda: snowflake())
    # The role Discord makes for the bot when it joins (managed, tagged with the bot's id): what
    # someone picks in the mention list when they pick the bot's role.
    bot_role_id: str = field(default_factory=lambda: snowflake())

    def bot_role_payload(self, bot_user: Json) -> Json:
        return {
            "id": self.bot_role_id,
            "name": bot_user["username"],
            "permissions": "0",
            "position": 1,
            "color": 0,
            "hoist": False,
            "managed": True,
            "mentionable": True,
            "flags": 0,
            "tags": {"bot_id": bot_user["id"]},
        }

    def channel_payload(self) -> Json:
        return {
            "id": self.channel_id,
            "type": 0,
            "guild_id": self.id,
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def payload(self, bot_user: Json) -> Json:
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "owner_id": self.owner_id,
            "roles": [
                {
                    "id": self.id,
                    "name": "@everyone",
                    "permissions": EVERYONE_PERMISSIONS,
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                self.bot_role_payload(bot_user),
            ],
            "emojis": [],
            "stickers": [],
            "features": [],
            "member_count": 2,
            "members": [{**member_payload(bot_user), "roles": [self.bot_role_id]}],
            "channels": [self.channel_payload()],
            "threads": [],
            "voice_states": [],
            "presences": [],
            "large": False,
            "unavailable": False,
            "joined_at": TIMESTAMP,
            "preferred_locale": "en-US",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "system_channel_flags": 0,
            "nsfw_level": 0,
            "afk_timeout": 300,
            "stage_instances": [],
            "guild_scheduled_events": [],
        }


def message_payload(
    *,
    channel_id: str,
    author: Json,
    content: str = "",
    guild_id: str | None = None,
    mentions: Sequence[Json] = (),
    mention_roles: list[str] = (),  # type: ignore[assignment]
    embeds: Sequence[Json] = (),
    components: Sequence[Json] = (),
    flags: int = 0,
    message_id: str | None = None,
    message_reference: Json | None = None,
    referenced_message: Json | None = None,
    webhook_id: str | None = None,
) -> Json:
    message = {
        "id": message_id or snowflake(),
        "channel_id": channel_id,
        "type": 19 if message_reference else 0,
        "content": content,
        "author": author,
        "attachments": [],
        "embeds": list(embeds),
        "components": list(components),
        "mentions": list(mentions),
        "mention_roles": list(mention_roles),
        "mention_everyone": False,
        "pinned": False,
        "tts": False,
        "timestamp": TIMESTAMP,
        "edited_timestamp": None,
        "flags": flags,
    }
    if guild_id is not None:
        message["guild_id"] = guild_id
    if message_reference is not None:
        message["message_reference"] = message_reference
    if referenced_message is not None:
        message["referenced_message"] = referenced_message
    if webhook_id is not None:
        message["webhook_id"] = webhook_id
    return message
