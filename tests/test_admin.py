"""Owner commands are checked in code: only the bot's owners (the application's owner, or its
team's admins and developers, as discord.py's `is_owner`), with a cooldown."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from bot.discord_app.admin import MANAGE_GUILD, Invoker, may_administer
from bot.discord_app.checks import owner_ids, owner_only
from tests.standin.harness import (
    ALICE,
    APPLICATION_ID,
    BOT_USER_ID,
    CALLBACK,
    TOKEN,
    bot_settings,
    running_bot,
)
from tests.standin.server import EPHEMERAL, Guild, StandIn, snowflake

OWNER, MEMBER = 1, 2
SEND_MESSAGES = 1 << 11


@pytest.mark.parametrize(
    ("invoker", "allowed"),
    [
        (Invoker(OWNER, {OWNER}), True),
        (Invoker(MEMBER, {OWNER}), False),
        (Invoker(MEMBER, set()), False),
    ],
)
def test_who_may_administer(invoker, allowed):
    assert may_administer(invoker) is allowed


def _team_member(user_id: str, role: str) -> dict:
    user = {"id": user_id, "username": f"u{user_id[-2:]}", "discriminator": "0", "avatar": None}
    return {"user": user, "membership_state": 2, "team_id": "1", "permissions": ["*"], "role": role}


def test_a_teams_admins_and_developers_are_owners_but_not_its_read_only_members():
    state = discord.Client(intents=discord.Intents.none())._connection
    team_owner = "200000000000000020"
    data = {
        "id": str(APPLICATION_ID),
        "name": "paperbot",
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "owner": {"id": "1", "username": "team", "discriminator": "0", "avatar": None},
        "team": {
            "id": "1",
            "name": "lab",
            "icon": None,
            "owner_user_id": team_owner,
            "members": [
                _team_member(team_owner, "admin"),
                _team_member("200000000000000021", "developer"),
                _team_member("200000000000000022", "read_only"),
            ],
        },
    }
    application = discord.AppInfo(state, data)
    assert owner_ids(application) == {int(team_owner), 200000000000000021}


@app_commands.command(name="ownerping")
@owner_only()
async def _owner_ping(interaction: discord.Interaction) -> None:
    """An owner command for the tests (/reload is one)."""
    await interaction.response.send_message("pong", ephemeral=True)


async def test_an_owner_command_runs_for_the_owner_only_and_has_a_cooldown(tmp_path, retriever):
    guild = Guild(snowflake(), snowflake(), owner_id=ALICE["id"])
    manager = {**ALICE, "id": "200000000000000010", "username": "manager"}
    async with StandIn(
        token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID, guilds=(guild,)
    ) as standin:
        settings = bot_settings(tmp_path / "state")
        async with running_bot(standin, settings, retriever, extra_commands=(_owner_ping,)):
            runs = [
                (ALICE, guild, "0"),  # the server's owner: not the bot's
                (manager, guild, str(MANAGE_GUILD | SEND_MESSAGES)),  # a server's manager
                (standin.owner, None, "0"),  # the application's owner, in a DM
                (standin.owner, guild, "0"),  # again at once: the cooldown
            ]
            answers = []
            for user, where, permissions in runs:
                interaction = await standin.slash(
                    user, "ownerping", guild=where, permissions=permissions
                )
                callback = await standin.wait_for_request(
                    "POST", CALLBACK, where=lambda r, t=interaction["token"]: t in r.path
                )
                answers.append(callback.json["data"]["content"])
                assert callback.json["data"]["flags"] & EPHEMERAL
        registered = standin.command("ownerping")
    assert answers[0] == answers[1] == "Only the bot's owner can do that."
    assert answers[2] == "pong"
    assert answers[3].startswith("You're asking quickly"), answers[3]
    assert str(registered["default_member_permissions"]) == str(MANAGE_GUILD)
