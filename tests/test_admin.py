"""Admin-only commands are checked in code: owners anywhere, server managers where installed."""

from __future__ import annotations

import discord
import pytest
from discord import app_commands

from bot.discord_app.admin import ADMINISTRATOR, MANAGE_GUILD, Invoker, may_administer
from bot.discord_app.checks import admin_only
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

OWNER, MEMBER, GUILD_OWNER = 1, 2, 3
SEND_MESSAGES = 1 << 11


@pytest.mark.parametrize(
    ("invoker", "allowed"),
    [
        (Invoker(OWNER, {OWNER}), True),  # the application's owner, in a DM
        (Invoker(OWNER, {OWNER}, in_installed_guild=True), True),
        (Invoker(MEMBER, {OWNER}), False),  # anyone else in a DM
        (Invoker(MEMBER, {OWNER}, True, GUILD_OWNER, SEND_MESSAGES), False),
        (Invoker(MEMBER, {OWNER}, True, GUILD_OWNER, MANAGE_GUILD), True),
        (Invoker(MEMBER, {OWNER}, True, GUILD_OWNER, ADMINISTRATOR), True),
        (Invoker(GUILD_OWNER, {OWNER}, True, GUILD_OWNER, 0), True),
        # a server where only the user installed the app: its admins are not the bot's admins
        (Invoker(MEMBER, {OWNER}, False, GUILD_OWNER, ADMINISTRATOR), False),
        (Invoker(GUILD_OWNER, {OWNER}, False, GUILD_OWNER, ADMINISTRATOR), False),
    ],
)
def test_who_may_administer(invoker, allowed):
    assert may_administer(invoker) is allowed


@app_commands.command(name="adminping")
@admin_only()
async def _admin_ping(interaction: discord.Interaction) -> None:
    """An admin-only command for the tests (/reload will be one)."""
    await interaction.response.send_message("pong", ephemeral=True)


async def test_an_admin_only_command_runs_for_managers_and_owners_and_refuses_others(
    tmp_path, retriever
):
    guild = Guild(snowflake(), snowflake(), owner_id=ALICE["id"])
    manager = {**ALICE, "id": "200000000000000010", "username": "manager"}
    member = {**ALICE, "id": "200000000000000011", "username": "member"}
    async with StandIn(
        token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID, guilds=(guild,)
    ) as standin:
        settings = bot_settings(tmp_path / "state")
        async with running_bot(standin, settings, retriever, extra_commands=(_admin_ping,)) as bot:
            runs = [
                (ALICE, guild, "0"),  # the server's owner
                (manager, guild, str(MANAGE_GUILD | SEND_MESSAGES)),
                (member, guild, str(SEND_MESSAGES)),  # Discord let it through; the bot does not
                (standin.owner, None, "0"),  # the application's owner, in a DM
                (member, None, "0"),  # anyone else in a DM
            ]
            answers = []
            for user, where, permissions in runs:
                interaction = await standin.slash(
                    user, "adminping", guild=where, permissions=permissions
                )
                callback = await standin.wait_for_request(
                    "POST", CALLBACK, where=lambda r, t=interaction["token"]: t in r.path
                )
                answers.append(callback.json["data"]["content"])
                assert callback.json["data"]["flags"] & EPHEMERAL
            assert bot.client.stopping is False
        registered = standin.command("adminping")
    assert answers[:2] == ["pong", "pong"] and answers[3] == "pong"
    for refused in (answers[2], answers[4]):
        assert refused.startswith("Only the bot's owner or someone who can manage this server")
    assert str(registered["default_member_permissions"]) == str(MANAGE_GUILD)
