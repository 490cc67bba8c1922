"""The stand-in's basics, checked with discord.py's real client: login, READY and guilds, command
sync answered as Discord answers it, Content-Type, second callbacks, nonces, and RESUME."""

from __future__ import annotations

import asyncio

import discord
import pytest

from tests.standin.conftest import Listener, Rest
from tests.standin.harness import ALICE, APPLICATION_ID, BOT_USER_ID, TOKEN, pointed_at
from tests.standin.payloads import message_payload, snowflake
from tests.standin.server import APPLICATION_COMMAND, StandIn


async def test_login_and_ready_show_the_bot_its_guilds_and_application(
    standin: StandIn, listener: Listener
) -> None:
    assert listener.user is not None and listener.user.id == BOT_USER_ID
    assert listener.application_id == APPLICATION_ID
    assert [g.id for g in listener.guilds] == [int(g.id) for g in standin.guilds]
    assert standin.find("GET", "/users/@me")[0].headers["Authorization"] == f"Bot {TOKEN}"
    assert standin.session.identified.is_set()


async def test_a_wrong_token_is_refused_with_401(standin: StandIn) -> None:
    client = discord.Client(intents=discord.Intents(guilds=True))
    with pointed_at(standin), pytest.raises(discord.LoginFailure):
        await client.login("MTIz.wrong.token-value")
    await client.close()


async def test_a_command_sync_is_answered_with_every_field_filled_in(
    standin: StandIn, listener: Listener
) -> None:
    tree = discord.app_commands.CommandTree(listener)

    @tree.command(name="hello")
    async def hello(interaction: discord.Interaction) -> None:
        """Say hello."""

    with pointed_at(standin):
        (synced,) = await tree.sync()
    assert synced.name == "hello" and synced.id > 0
    (registered,) = standin.commands[None]
    assert {"id", "application_id", "version", "description", "options"} <= set(registered)


async def test_json_answers_have_exactly_application_json_as_content_type(
    standin: StandIn, rest: Rest
) -> None:
    async with rest.session.get(
        standin.api_base + "/users/@me", headers={"Authorization": f"Bot {TOKEN}"}
    ) as response:
        assert response.headers["Content-Type"] == "application/json"


async def test_a_second_callback_is_refused_as_already_acknowledged(
    standin: StandIn, listener: Listener, rest: Rest
) -> None:
    data = {"id": snowflake(), "name": "anything", "type": 1, "options": []}
    sent = await standin.interact(ALICE, APPLICATION_COMMAND, data, guild=standin.guilds[0])
    interaction = await asyncio.wait_for(listener.interactions.get(), 10)
    await interaction.response.send_message("first")
    path = f"/interactions/{sent['id']}/{sent['token']}/callback"
    status, body = await rest("POST", path, {"type": 4, "data": {"content": "second"}})
    assert (status, body["code"]) == (400, 40060)


async def test_a_message_with_an_enforced_nonce_already_used_is_not_created_twice(
    standin: StandIn, rest: Rest
) -> None:
    path = f"/channels/{standin.guilds[0].channel_id}/messages"
    body = {"content": "once", "nonce": "42", "enforce_nonce": True}
    (_, first), (_, second) = [await rest("POST", path, body) for _ in range(2)]
    assert first["id"] == second["id"] and len(standin.messages) == 1


async def test_resume_replays_what_was_dispatched_while_disconnected(
    standin: StandIn, listener: Listener
) -> None:
    seen: asyncio.Queue[discord.Message] = asyncio.Queue()
    listener.on_message = seen.put  # type: ignore[attr-defined]
    first = standin.session
    first.drop()
    await first.closed.wait()
    guild = standin.guilds[0]
    missed = message_payload(
        channel_id=guild.channel_id, guild_id=guild.id, author=ALICE, content="missed"
    )
    await first.dispatch("MESSAGE_CREATE", missed)
    second = await standin.wait_for_connection(2, timeout=30)
    assert second.resumed
    message = await asyncio.wait_for(seen.get(), 10)
    assert message.content == "missed"
