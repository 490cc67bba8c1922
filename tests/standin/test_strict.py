"""The stand-in refuses what Discord refuses in production: missing permissions, its rate limits
and daily command quota, invalid commands and autocomplete results, replies to deleted messages,
bad thread names, a client that sends too much over the gateway, and too few shards."""

from __future__ import annotations

import json

import aiohttp
import discord
import pytest

from tests.standin import rules
from tests.standin.conftest import Rest, connected
from tests.standin.harness import ALICE, APPLICATION_ID, BOT_USER_ID, TOKEN
from tests.standin.server import (
    AUTOCOMPLETE,
    DAY,
    GATEWAY_RATE_LIMITED,
    SHARDING_REQUIRED,
    StandIn,
)


def _command(name: str, **fields: object) -> dict[str, object]:
    return {"name": name, "type": 1, "description": "A command for the test", **fields}


def _option(name: str, **fields: object) -> dict[str, object]:
    return {"name": name, "type": 3, "description": "An option", **fields}


# --- Permissions --------------------------------------------------------------------------------


async def test_a_message_where_the_bot_may_not_send_is_refused_with_50013(
    standin: StandIn, rest: Rest
) -> None:
    guild = standin.guilds[0]
    path = f"/channels/{guild.channel_id}/messages"
    assert (await rest("POST", path, {"content": "allowed"}))[0] == 200
    deny = {"id": guild.bot_role_id, "type": 0, "allow": "0", "deny": str(rules.SEND_MESSAGES)}
    await standin.set_overwrites(guild.channel_id, [deny])
    status, body = await rest("POST", path, {"content": "refused"})
    assert (status, body["code"]) == (403, rules.MISSING_PERMISSIONS)
    # A member overwrite for the bot allows it again (the member's layer comes last).
    allow = {"id": str(BOT_USER_ID), "type": 1, "allow": str(rules.SEND_MESSAGES), "deny": "0"}
    await standin.set_overwrites(guild.channel_id, [deny, allow])
    assert (await rest("POST", path, {"content": "allowed again"}))[0] == 200


async def test_interactions_carry_the_bots_permissions_in_the_channel(standin: StandIn) -> None:
    guild = standin.guilds[0]
    everyone = {"id": guild.id, "type": 0, "allow": "0", "deny": str(rules.CREATE_PUBLIC_THREADS)}
    await standin.set_overwrites(guild.channel_id, [everyone])
    async with connected(standin) as listener:
        data = {"id": "1300000000000000001", "name": "x", "type": 1, "options": []}
        sent = await standin.interact(ALICE, 2, data, guild=guild)
        interaction = await listener.interactions.get()
    assert int(sent["app_permissions"]) & rules.CREATE_PUBLIC_THREADS == 0
    assert not interaction.app_permissions.create_public_threads
    assert interaction.app_permissions.send_messages


# --- Rate limits and the daily command quota ----------------------------------------------------


async def test_past_the_global_limit_requests_get_a_global_429(
    standin: StandIn, rest: Rest
) -> None:
    statuses = [
        (await rest("GET", "/users/@me"))[0] for _ in range(standin.requests_per_second or 0)
    ]
    assert set(statuses) == {200}
    status, body = await rest("GET", "/users/@me")
    assert status == 429 and body["global"] is True


async def test_command_creates_past_200_a_day_are_refused_with_30034(
    standin: StandIn, rest: Rest
) -> None:
    path = f"/applications/{APPLICATION_ID}/guilds/{standin.guilds[0].id}/commands"
    standin.requests_per_second = None
    for batch in range(rules.DAILY_COMMAND_CREATES // 25):
        commands = [_command(f"c{batch}-{n}") for n in range(25)]
        assert (await rest("PUT", path, commands))[0] == 200
    same = [_command(f"c7-{n}") for n in range(25)]
    assert (await rest("PUT", path, same))[0] == 200, "an overwrite with no new name creates none"
    status, body = await rest("PUT", path, [_command("one-more")])
    assert (status, body["code"]) == (429, rules.DAILY_CREATES_REACHED)
    assert body["retry_after"] > 3600
    standin.advance(DAY)
    assert (await rest("PUT", path, [_command("one-more")]))[0] == 200


@pytest.mark.parametrize(
    "commands",
    [
        [_command("Ask")],  # a slash command's name in capitals
        [_command("two words")],
        [_command("x" * 33)],
        [_command("ask", description="")],
        [_command("ask", description="d" * 101)],
        [_command("ask", options=[_option(f"o{n}") for n in range(26)])],
        [_command("ask", options=[_option("o", description="")])],
        [_command("ask", options=[_option("a"), _option("b", required=True)])],
        [{"name": "Search papers", "type": 3, "description": "not allowed"}],
        [_command("ask"), _command("ask")],
    ],
)
async def test_invalid_commands_are_refused_with_50035(
    standin: StandIn, rest: Rest, commands: list[dict[str, object]]
) -> None:
    status, body = await rest("PUT", f"/applications/{APPLICATION_ID}/commands", commands)
    assert (status, body["code"]) == (400, rules.INVALID_FORM_BODY)
    assert standin.commands.get(None) is None


async def test_valid_commands_are_accepted(standin: StandIn, rest: Rest) -> None:
    commands = [
        _command("ask", options=[_option("q", required=True), _option("top")]),
        {"name": "Search papers", "type": 3, "description": ""},
    ]
    status, _ = await rest("PUT", f"/applications/{APPLICATION_ID}/commands", commands)
    assert status == 200 and len(standin.commands[None]) == 2


# --- Autocomplete -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choices", "accepted"),
    [
        ([{"name": f"n{i}", "value": str(i)} for i in range(25)], True),
        ([{"name": f"n{i}", "value": str(i)} for i in range(26)], False),
        ([{"name": "", "value": "v"}], False),
        ([{"name": "n" * 101, "value": "v"}], False),
        ([{"name": "n" * 100, "value": "v"}], True),
    ],
)
async def test_autocomplete_results_past_discords_limits_are_refused(
    standin: StandIn, rest: Rest, choices: list[dict[str, str]], accepted: bool
) -> None:
    data = {"id": "1300000000000000002", "name": "x", "type": 1, "options": []}
    async with connected(standin):
        sent = await standin.interact(ALICE, AUTOCOMPLETE, data, guild=standin.guilds[0])
    path = f"/interactions/{sent['id']}/{sent['token']}/callback"
    status, body = await rest("POST", path, {"type": 8, "data": {"choices": choices}})
    if accepted:
        assert status == 204
    else:
        assert (status, body["code"]) == (400, rules.INVALID_FORM_BODY)


# --- Deleted messages and threads ----------------------------------------------------------------


async def test_a_reply_to_a_deleted_message_is_refused_unless_it_may_go_without(
    standin: StandIn, rest: Rest
) -> None:
    guild = standin.guilds[0]
    async with connected(standin):
        asked = await standin.mention_bot(ALICE, "what is BYOL?")
        await standin.delete_message(asked)
    path = f"/channels/{guild.channel_id}/messages"
    reference = {"message_id": asked["id"], "channel_id": guild.channel_id}
    status, body = await rest("POST", path, {"content": "a", "message_reference": reference})
    assert (status, body["code"]) == (400, rules.INVALID_FORM_BODY)
    assert rules.MESSAGE_REFERENCE_UNKNOWN in json.dumps(body["errors"])
    lenient = {**reference, "fail_if_not_exists": False}
    status, sent = await rest("POST", path, {"content": "a", "message_reference": lenient})
    assert status == 200 and "message_reference" not in sent


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "t" * 101},
        {"name": "fine", "auto_archive_duration": 30},
    ],
)
async def test_bad_thread_names_and_archive_durations_are_refused(
    standin: StandIn, rest: Rest, body: dict[str, object]
) -> None:
    channel = standin.guilds[0].channel_id
    _, message = await rest("POST", f"/channels/{channel}/messages", {"content": "answer"})
    status, refused = await rest(
        "POST", f"/channels/{channel}/messages/{message['id']}/threads", body
    )
    assert (status, refused["code"]) == (400, rules.INVALID_FORM_BODY)


async def test_a_thread_without_create_public_threads_is_refused(
    standin: StandIn, rest: Rest
) -> None:
    guild = standin.guilds[0]
    _, message = await rest("POST", f"/channels/{guild.channel_id}/messages", {"content": "a"})
    path = f"/channels/{guild.channel_id}/messages/{message['id']}/threads"
    deny = {"id": guild.id, "type": 0, "allow": "0", "deny": str(rules.CREATE_PUBLIC_THREADS)}
    standin.overwrites[guild.channel_id] = [deny]
    status, body = await rest("POST", path, {"name": "ok", "auto_archive_duration": 1440})
    assert (status, body["code"]) == (403, rules.MISSING_PERMISSIONS)
    standin.overwrites[guild.channel_id] = []
    status, _ = await rest("POST", path, {"name": "ok", "auto_archive_duration": 1440})
    assert status == 201


# --- Gateway ------------------------------------------------------------------------------------


async def test_a_client_sending_over_120_events_a_minute_is_closed_with_4008(
    standin: StandIn,
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(standin.gateway_url) as ws,
    ):
        await ws.receive()  # HELLO
        for _ in range(121):
            if ws.closed:
                break
            await ws.send_str(json.dumps({"op": 1, "d": None}))
        while not ws.closed:
            await ws.receive()
        assert ws.close_code == GATEWAY_RATE_LIMITED
    assert len(standin.session.heartbeats) == 120


async def test_too_few_shards_are_closed_with_4011() -> None:
    async with StandIn(
        token=TOKEN, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID, shards_required=2
    ) as standin:
        with pytest.raises(discord.ConnectionClosed) as closed:
            async with connected(standin):
                pass
        assert closed.value.code == SHARDING_REQUIRED
        assert standin.sessions[0].closed_with == SHARDING_REQUIRED
